"""Settings parsing: defaults, strict values, and errors that name the variable."""

from __future__ import annotations

import pytest

from iep_app.settings import SettingsError, load_settings


def test_defaults_run_on_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings({"IEP_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'iep.db'}"
    assert settings.port == 3000 and settings.retention_days == 14
    assert settings.transaction_prefix == "NS" and settings.sms_backend == "log"
    assert settings.smtp_host is None and settings.public_url == "http://localhost:3000"


def test_development_secret_key_is_generated_once(tmp_path):
    first = load_settings({"IEP_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"IEP_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_invent_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="IEP_SECRET_KEY"):
        load_settings({"IEP_DATA_DIR": str(tmp_path), "IEP_ENV": "production"})


def test_postgres_url_uses_psycopg3(tmp_path):
    settings = load_settings(
        {"IEP_DATA_DIR": str(tmp_path), "IEP_DATABASE_URL": "postgresql://u@db:5432/iep"}
    )
    assert settings.database_url == "postgresql+psycopg://u@db:5432/iep"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IEP_PORT", "eighty"),
        ("IEP_PORT", "70000"),
        ("IEP_RETENTION_DAYS", "0"),
        ("IEP_SMTP_TLS", "maybe"),
        ("IEP_SMS_BACKEND", "pigeon"),
        ("IEP_ORG_EMAIL", "not-an-address"),
        ("IEP_MAIL_FROM", "a@b"),
        ("IEP_PUBLIC_URL", "ftp://host"),
        ("IEP_TRANSACTION_PREFIX", "ns-1"),
        ("IEP_DATABASE_URL", "mysql://x"),
        ("IEP_SECRET_KEY", "short"),
        ("IEP_ENV", "staging"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({"IEP_DATA_DIR": str(tmp_path), name: value})


def test_http_sms_backend_needs_url_and_token(tmp_path):
    with pytest.raises(SettingsError, match="IEP_SMS_HTTP_URL"):
        load_settings({"IEP_DATA_DIR": str(tmp_path), "IEP_SMS_BACKEND": "http"})


def test_settings_know_which_variables_were_set(tmp_path):
    settings = load_settings({"IEP_DATA_DIR": str(tmp_path), "IEP_ORG_NAME": "St Elsewhere", "IEP_PORT": " "})
    assert settings.variables_set == {"IEP_DATA_DIR", "IEP_ORG_NAME"}
