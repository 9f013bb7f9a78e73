"""Shared fixtures: settings on a temporary data dir, real databases (SQLite and PostgreSQL), and
the served app with Chromium for the browser and security tests."""

from __future__ import annotations

import os
import tempfile

# Settings are read once per process: point them at a throwaway folder before any import.
os.environ.setdefault("IEP_DATA_DIR", tempfile.mkdtemp(prefix="iep-test-"))
os.environ.setdefault("IEP_ORG_NAME", "St Elsewhere Hospital")
os.environ.setdefault("IEP_ORG_EMAIL", "imaging@stelsewhere.example.org")

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import iep_app.models  # noqa: E402,F401
from iep_app.db import make_engine  # noqa: E402
from iep_app.settings import Settings, get_settings, load_settings  # noqa: E402
from tests.support.portal import CHROMIUM_ARGS, Portal, running_portal  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "IEP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings(
        {
            "IEP_DATA_DIR": str(tmp_path / "data"),
            "IEP_ORG_NAME": "St Elsewhere Hospital",
            "IEP_ORG_EMAIL": "imaging@stelsewhere.example.org",
            "IEP_PUBLIC_URL": "http://localhost:3999",
            # The process's key: what the factories seal, the services given these settings open.
            "IEP_SECRET_KEY": get_settings().secret_key,
        }
    )


@pytest.fixture(scope="session")
def postgres_engine() -> Engine:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    admin = make_engine(POSTGRES_ADMIN_URL)
    name = f"iep_test_{os.getpid()}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    engine = make_engine(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> Engine:
    """A real, empty database: every service test runs on both backends."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        SQLModel.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        _truncate(engine)
        yield engine


@pytest.fixture
def session(engine) -> Session:
    with Session(engine, expire_on_commit=False) as session:
        yield session


# --- The served app, shared by tests/e2e and tests/security: one server per pytest run ------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Portal:
    with running_portal(tmp_path_factory.mktemp("portal")) as running:
        yield running
