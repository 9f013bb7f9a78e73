"""One frozen Settings object built from IEP_* environment variables, with strict parsing."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


# The rules the organisation's values keep, whether they come from a variable (first start) or
# the admin page (services.organisation): written here only.
RETENTION_LIMIT_DAYS = 3650  # about ten years: no retention, default or maximum, is longer
TRANSACTION_PREFIX_MAX_LENGTH = 6
_TRANSACTION_PREFIX = re.compile(rf"[A-Z]{{1,{TRANSACTION_PREFIX_MAX_LENGTH}}}")


def is_transaction_prefix(value: str) -> bool:
    """1 to TRANSACTION_PREFIX_MAX_LENGTH capital letters A-Z: how every transaction ID starts (NS000708)."""
    return _TRANSACTION_PREFIX.fullmatch(value) is not None


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, parsed once."""

    environment: str
    data_dir: Path
    database_url: str
    port: int
    public_url: str
    secret_key: str = field(repr=False)
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None = field(repr=False)
    smtp_tls: str
    mail_from: str
    sms_backend: str
    sms_http_url: str | None
    sms_http_token: str | None = field(repr=False)
    org_name: str
    org_email: str
    transaction_prefix: str
    retention_days: int
    max_retention_days: int
    redis_url: str | None
    # Reverse proxies whose X-Forwarded-For is believed; nobody else's is.
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # The names of the IEP_* variables the environment set; the others took their defaults.
    variables_set: frozenset[str] = frozenset()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def store_dir(self) -> Path:
        """Where original DICOM files live: inside the data dir, never under a public folder."""
        return self.data_dir / "store"

    @property
    def outbox_dir(self) -> Path:
        """Undelivered messages are written here as .eml/.txt files for local use."""
        return self.data_dir / "outbox"


_SMTP_TLS_MODES = ("none", "starttls", "ssl")
_SMS_BACKENDS = ("log", "http")
_ENVIRONMENTS = ("development", "production")


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (_text(env, name) or default).lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _email(env: Mapping[str, str], name: str, default: str) -> str:
    value = _text(env, name, default) or default
    try:
        # Deliverability checks would need DNS, which a hospital's server may not have.
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise SettingsError(f"{name} is not a valid email address: {error}") from None


def _url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = _text(env, name, default)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    value = _text(env, "IEP_DATABASE_URL")
    if value is None:
        return f"sqlite:///{data_dir / 'iep.db'}"
    if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        raise SettingsError(
            "IEP_DATABASE_URL must be a sqlite:/// or postgresql:// URL, got " + value.split(":")[0]
        )
    if value.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme means psycopg2.
        value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
    return value


def _secret_key(env: Mapping[str, str], data_dir: Path, environment: str) -> str:
    value = _text(env, "IEP_SECRET_KEY")
    if value is not None:
        if len(value) < 32:
            raise SettingsError("IEP_SECRET_KEY must be at least 32 characters long")
        return value
    if environment == "production":
        raise SettingsError("IEP_SECRET_KEY must be set in production")
    # Development only: one key generated once and kept beside the data, so links and
    # codes survive a restart without anyone choosing a weak default.
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _networks(env: Mapping[str, str], name: str) -> tuple[IPNetwork, ...]:
    found = []
    for part in (_text(env, name, "") or "").split(","):
        if not part.strip():
            continue
        try:
            found.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise SettingsError(f"{name} must list IP addresses or networks, got {part.strip()!r}") from None
    return tuple(found)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment.

    Args:
        env: the variables to read; the process environment when None.

    Returns:
        The parsed, validated settings.

    Raises:
        SettingsError: a value is malformed; the message names the variable.
    """
    env = os.environ if env is None else env
    environment = _choice(env, "IEP_ENV", "development", _ENVIRONMENTS)
    data_dir = Path(_text(env, "IEP_DATA_DIR", "./data") or "./data").resolve()
    port = _integer(env, "IEP_PORT", 3000, 1, 65535)
    retention_days = _integer(env, "IEP_RETENTION_DAYS", 14, 1, RETENTION_LIMIT_DAYS)
    max_retention = _integer(env, "IEP_MAX_RETENTION_DAYS", max(90, retention_days), 1, RETENTION_LIMIT_DAYS)
    if retention_days > max_retention:
        raise SettingsError("IEP_RETENTION_DAYS must not exceed IEP_MAX_RETENTION_DAYS")
    prefix = _text(env, "IEP_TRANSACTION_PREFIX", "NS") or "NS"
    if not is_transaction_prefix(prefix):
        raise SettingsError(
            f"IEP_TRANSACTION_PREFIX must be 1-{TRANSACTION_PREFIX_MAX_LENGTH} capital letters, "
            f"got {prefix!r}"
        )
    sms_backend = _choice(env, "IEP_SMS_BACKEND", "log", _SMS_BACKENDS)
    sms_url = _url(env, "IEP_SMS_HTTP_URL", None)
    sms_token = _text(env, "IEP_SMS_HTTP_TOKEN")
    if sms_backend == "http" and (sms_url is None or sms_token is None):
        raise SettingsError("IEP_SMS_BACKEND=http needs IEP_SMS_HTTP_URL and IEP_SMS_HTTP_TOKEN")
    return Settings(
        environment=environment,
        data_dir=data_dir,
        database_url=_database_url(env, data_dir),
        port=port,
        public_url=_url(env, "IEP_PUBLIC_URL", f"http://localhost:{port}") or "",
        secret_key=_secret_key(env, data_dir, environment),
        smtp_host=_text(env, "IEP_SMTP_HOST"),
        smtp_port=_integer(env, "IEP_SMTP_PORT", 587, 1, 65535),
        smtp_user=_text(env, "IEP_SMTP_USER"),
        smtp_password=_text(env, "IEP_SMTP_PASSWORD"),
        smtp_tls=_choice(env, "IEP_SMTP_TLS", "starttls", _SMTP_TLS_MODES),
        mail_from=_email(env, "IEP_MAIL_FROM", "iep@localhost.localdomain"),
        sms_backend=sms_backend,
        sms_http_url=sms_url,
        sms_http_token=sms_token,
        org_name=_text(env, "IEP_ORG_NAME", "Demo Hospital NHS Trust") or "",
        org_email=_email(env, "IEP_ORG_EMAIL", "imaging@localhost.localdomain"),
        transaction_prefix=prefix,
        retention_days=retention_days,
        max_retention_days=max_retention,
        redis_url=_text(env, "IEP_REDIS_URL"),
        trusted_proxies=_networks(env, "IEP_TRUSTED_PROXIES"),
        variables_set=frozenset(n for n in env if n.startswith("IEP_") and _text(env, n) is not None),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, parsed on first use."""
    return load_settings()
