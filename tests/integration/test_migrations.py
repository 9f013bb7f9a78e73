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
from iep_app.services.staff.second_factor import opened_secret
from iep_app.settings import get_settings


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


_OLD_HEAD = "65768aa913d5"  # before the staff admin revision, which rebuilds "transaction"
_BEFORE_SEALING = "dc0b8a4a572e"
_CLEAR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_ROWS = [
    "INSERT INTO individual (id, email, first_name, last_name, address, phone, preferred_language,"
    " auth_method, auth_mobile, auth_email, created_at)"
    " VALUES (1, 'a@example.org', '', '', '', '', 'en', 'email', '', 'b@example.org', '2026-11-01')",
    "INSERT INTO patient (id, patient_id, patient_name, birth_date, sex) VALUES (7, 'P1', 'X^Y', '', '')",
    "INSERT INTO study (id, patient_pk, study_instance_uid, study_date, study_time, study_description,"
    " accession_number, study_id, referring_physician_name) VALUES (1, 7, '1.2.3', '', '', '', '', '', '')",
    "INSERT INTO series (id, study_pk, series_instance_uid, modality, series_number,"
    " series_description, body_part_examined) VALUES (1, 1, '1.2.3.4', 'CT', '1', '', '')",
    "INSERT INTO instance (id, series_pk, sop_instance_uid, sop_class_uid, number_of_frames, rows,"
    " columns, transfer_syntax_uid, kind, storage_key, size, sha256, crc32)"
    " VALUES (1, 1, '1.2.3.4.5', '', 1, 1, 1, '', 'image', 'k', 1, 's', 1)",
    'INSERT INTO "transaction" (id, public_id, recipient_pk, sent_by, status, progress, auth_method,'
    " auth_destination, language, decline_reason, created_at, available_until, last_activity_at)"
    " VALUES (1, 'NS000001', 1, 'x', 'active', 'waiting', 'email', 'b@example.org', 'en', '',"
    " '2026-11-01', '2026-11-15', '2026-11-01')",
    "INSERT INTO transactioninstance (transaction_pk, instance_pk) VALUES (1, 1)",
    "INSERT INTO accesslink (id, transaction_pk, token_hash, created_at) VALUES (1, 1, 'h', '2026-11-01')",
    # A staff account from before TOTP secrets were sealed: its secret is in clear.
    "INSERT INTO staffuser (id, username, display_name, password_hash, totp_secret, totp_confirmed,"
    " is_admin, disabled, failed_logins, created_at) VALUES (3, 'alice', '', 'h',"
    " 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', true, false, false, 0, '2026-11-01')",
]


def _upgrade_with_data(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, _OLD_HEAD)
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in _ROWS:
            conn.exec_driver_sql(statement)
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql('SELECT patient_pk FROM "transaction"').scalar_one() == 7
        assert conn.exec_driver_sql("SELECT count(*) FROM accesslink").scalar_one() == 1
        assert _secret_of_alice(conn) != _CLEAR_SECRET
    engine.dispose()
    assert _differences(url) == []


def _secret_of_alice(conn) -> str:
    """The TOTP secret the migrated row holds, opened with the portal's key."""
    stored = conn.exec_driver_sql("SELECT totp_secret FROM staffuser WHERE id = 3").scalar_one()
    assert stored.startswith("v1:") and _CLEAR_SECRET not in stored
    assert opened_secret(get_settings().secret_key, 3, stored) == _CLEAR_SECRET
    return stored


def test_sealing_totp_secrets_goes_back_to_clear_on_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'sealed.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, _BEFORE_SEALING)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(_ROWS[-1])
    command.upgrade(config, "head")
    with engine.connect() as conn:
        sealed = _secret_of_alice(conn)
    command.downgrade(config, _BEFORE_SEALING)
    with engine.connect() as conn:
        clear = conn.exec_driver_sql("SELECT totp_secret FROM staffuser WHERE id = 3").scalar_one()
    engine.dispose()
    assert sealed != clear == _CLEAR_SECRET


def test_sqlite_upgrades_a_database_that_holds_packages(tmp_path):
    _upgrade_with_data(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgres_upgrades_a_database_that_holds_packages(postgres_engine):
    from sqlalchemy import text

    admin = make_engine(str(postgres_engine.url.set(database="postgres")))
    name = f"{postgres_engine.url.database}_old"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_with_data(postgres_engine.url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
