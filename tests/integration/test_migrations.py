"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import iep_app.models  # noqa: F401
from alembic import command
from iep_app.cli import PROJECT_ROOT
from iep_app.db import make_engine


def _upgrade(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, "head")


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def test_sqlite_migration_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    _upgrade(url)
    assert _differences(url) == []


def test_postgres_migration_matches_models(postgres_engine):
    # A database of its own: the shared test database was built by create_all.
    from sqlalchemy import text

    admin = make_engine(str(postgres_engine.url.set(database="postgres")))
    name = f"{postgres_engine.url.database}_mig"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_engine.url.set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade(url)
        assert _differences(url) == []
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
