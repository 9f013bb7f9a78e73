"""Every database table and enum of iep, as SQLModel classes."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import BigInteger, Column, DateTime, Dialect, Index, Text, TypeDecorator, UniqueConstraint
from sqlalchemy import Enum as SqlEnum
from sqlmodel import Field, SQLModel

from iep_app.dicom.index import InstanceKind


def utcnow() -> datetime:
    """Aware UTC now; every timestamp in the database is UTC."""
    return datetime.now(UTC)


class _HasId(Protocol):
    id: int | None


def pk(row: _HasId) -> int:
    """The primary key of a flushed row (SQLModel types it as optional until then)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no primary key yet: flush it first")
    return row.id


def _enum(enum_type: type[enum.StrEnum], *, index: bool = False) -> Column:
    # Stored as plain strings (not native enum types) so adding a value is not a
    # PostgreSQL type migration.
    return Column(
        SqlEnum(
            enum_type,
            native_enum=False,
            length=16,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        nullable=False,
        index=index,
    )


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp column that is aware UTC on the way in and on the way out, on every backend.

    PostgreSQL keeps the instant (timestamptz); SQLite keeps UTC wall-clock text and would give
    back a naive datetime, so the result is made aware here, once, for ORM and Core queries alike.
    A naive value is refused rather than guessed: every time in iep comes from utcnow() or is
    built with tzinfo, so a naive one is a bug (PostgreSQL would have read it in the server's
    time zone, SQLite as UTC: the two backends would disagree).
    """

    # Alembic compares the impl, so the migrated DateTime(timezone=True) columns still match.
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} for a UTC timestamp column: give it tzinfo")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _timestamp(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable, index=index)


class AuthMethod(enum.StrEnum):
    """How a recipient proves who they are: a code by SMS or to a secondary email."""

    SMS = "sms"
    EMAIL = "email"


class TransactionStatus(enum.StrEnum):
    """Whether a package may still be opened; expiry is derived from available_until."""

    ACTIVE = "active"
    DECLINED = "declined"
    REVOKED = "revoked"


class Progress(enum.StrEnum):
    """The furthest a recipient has gone with a package, for staff to follow it."""

    WAITING = "waiting"
    OPENED = "opened"
    VERIFIED = "verified"
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    FORWARDED = "forwarded"


class DisplayStatus(enum.StrEnum):
    """One word for where a package stands, for staff: closed (why), else the recipient's Progress."""

    WAITING = Progress.WAITING.value
    OPENED = Progress.OPENED.value
    VERIFIED = Progress.VERIFIED.value
    VIEWED = Progress.VIEWED.value
    DOWNLOADED = Progress.DOWNLOADED.value
    FORWARDED = Progress.FORWARDED.value
    DECLINED = TransactionStatus.DECLINED.value
    REVOKED = TransactionStatus.REVOKED.value
    EXPIRED = "expired"  # derived: available_until has passed

    @property
    def ended(self) -> bool:
        """Declined or revoked: nothing more may happen to the package (expired may be extended)."""
        return self in (DisplayStatus.DECLINED, DisplayStatus.REVOKED)


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    NOT_DELIVERED = "not_delivered"  # no SMTP / SMS carrier configured: kept locally only


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    retention_days: int = 14
    max_retention_days: int = 90
    transaction_prefix: str = Field(default="NS", max_length=6)


class StaffUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    # Sealed (services/staff/second_factor.py): "v1:" + base64 of nonce and AES-GCM ciphertext.
    totp_secret: str | None = Field(default=None, max_length=128)
    totp_confirmed: bool = False
    is_admin: bool = False
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # The TOTP time step last accepted: a code is good once, even inside its drift window.
    totp_last_step: int | None = None
    # After an admin's reset (or an account an admin added): the one-time code to type with the
    # password before the new secret is shown. Kept only as a keyed hash; once used it expires.
    enrolment_code_hash: str | None = Field(default=None, max_length=64)
    enrolment_code_expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    last_login_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class StaffSession(SQLModel, table=True):
    """A staff browser signed in; tokens stored only hashed, ended after 30 minutes idle.

    The row exists from the right password on; `second_factor_at` is set by the right
    TOTP code, and only then does the session allow anything.
    """

    id: int | None = Field(default=None, primary_key=True)
    staff_pk: int = Field(foreign_key="staffuser.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    http_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    grant_hash: str | None = Field(default=None, max_length=64, unique=True)
    grant_expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    second_factor_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    ended_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    ip: str = Field(default="", max_length=64)


class Individual(SQLModel, table=True):
    """A person outside the hospital who receives packages: patient, GP, clinician."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=32)
    preferred_language: str = Field(default="en", max_length=8)
    auth_method: AuthMethod = Field(default=AuthMethod.EMAIL, sa_column=_enum(AuthMethod))
    auth_mobile: str = Field(default="", max_length=32)
    auth_email: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Patient(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("patient_id", "patient_name", "birth_date"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: str = Field(default="", max_length=64, index=True)
    patient_name: str = Field(default="", max_length=324)
    birth_date: str = Field(default="", max_length=8)
    sex: str = Field(default="", max_length=16)


class Study(SQLModel, table=True):
    """A study as one patient's: a UID re-sent under corrected demographics is another row."""

    __table_args__ = (UniqueConstraint("study_instance_uid", "patient_pk", name="uq_study_uid_patient"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_pk: int = Field(foreign_key="patient.id", index=True)
    study_instance_uid: str = Field(max_length=64)
    study_date: str = Field(default="", max_length=8)
    study_time: str = Field(default="", max_length=16)
    study_description: str = Field(default="", max_length=64)
    accession_number: str = Field(default="", max_length=16)
    study_id: str = Field(default="", max_length=16)
    referring_physician_name: str = Field(default="", max_length=324)


class Series(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("series_instance_uid", "study_pk", name="uq_series_uid_study"),)
    id: int | None = Field(default=None, primary_key=True)
    study_pk: int = Field(foreign_key="study.id", index=True)
    series_instance_uid: str = Field(max_length=64)
    modality: str = Field(default="", max_length=16)
    series_number: str = Field(default="", max_length=12)
    series_description: str = Field(default="", max_length=64)
    body_part_examined: str = Field(default="", max_length=16)


class Instance(SQLModel, table=True):
    """One stored file: the same UID with other bytes is another row (and another file)."""

    __table_args__ = (UniqueConstraint("storage_key", name="uq_instance_storage_key"),)
    id: int | None = Field(default=None, primary_key=True)
    series_pk: int = Field(foreign_key="series.id", index=True)
    sop_instance_uid: str = Field(max_length=64, index=True)
    sop_class_uid: str = Field(default="", max_length=64)
    instance_number: int | None = None
    number_of_frames: int = 1
    rows: int = 0
    columns: int = 0
    transfer_syntax_uid: str = Field(default="", max_length=64)
    kind: str = Field(default=InstanceKind.IMAGE, max_length=16)  # an InstanceKind
    storage_key: str = Field(max_length=255)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    crc32: int = Field(sa_column=Column(BigInteger, nullable=False))


class Transaction(SQLModel, table=True):
    """One package sent to one recipient; forwards are new transactions with a parent."""

    # (column, id) pairs serve the staff list's keyset pagination in every sort order.
    __table_args__ = (
        Index("ix_transaction_created_at_id", "created_at", "id"),
        Index("ix_transaction_available_until_id", "available_until", "id"),
        Index("ix_transaction_last_activity_at_id", "last_activity_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = Field(default=None, max_length=16, unique=True, index=True)
    recipient_pk: int = Field(foreign_key="individual.id", index=True)
    parent_pk: int | None = Field(default=None, foreign_key="transaction.id", index=True)
    sent_by: str = Field(default="", max_length=200)
    status: TransactionStatus = Field(
        default=TransactionStatus.ACTIVE, sa_column=_enum(TransactionStatus, index=True)
    )
    progress: Progress = Field(default=Progress.WAITING, sa_column=_enum(Progress))
    auth_method: AuthMethod = Field(sa_column=_enum(AuthMethod))
    auth_destination: str = Field(max_length=320)
    language: str = Field(default="en", max_length=8)
    decline_reason: str = Field(default="", max_length=500)
    # A random key per forward wizard: a second Finish with the same key (double click,
    # replayed event, another worker) finds this row instead of creating another.
    forward_key: str | None = Field(default=None, max_length=64, unique=True, index=True)
    # The patient of the package's images, kept here so staff can search 100,000 packages
    # by patient without joining through every instance.
    patient_pk: int | None = Field(default=None, foreign_key="patient.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    available_until: datetime = Field(sa_column=_timestamp())
    last_activity_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # Staff "unlock": the hourly budget of one-time passwords counts from here.
    codes_reset_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class TransactionInstance(SQLModel, table=True):
    """Which stored instances a package holds; forwards point at the same rows (no copy)."""

    transaction_pk: int = Field(foreign_key="transaction.id", primary_key=True)
    instance_pk: int = Field(foreign_key="instance.id", primary_key=True, index=True)


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    transaction_pk: int = Field(foreign_key="transaction.id", index=True)
    origin_public_id: str = Field(max_length=16)
    author: str = Field(max_length=200)
    is_system: bool = False
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class AccessLink(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    transaction_pk: int = Field(foreign_key="transaction.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class OtpChallenge(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    transaction_pk: int = Field(foreign_key="transaction.id", index=True)
    code_hash: str = Field(max_length=64)
    channel: AuthMethod = Field(sa_column=_enum(AuthMethod))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    expires_at: datetime = Field(sa_column=_timestamp())
    failed_attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    voided_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RecipientSession(SQLModel, table=True):
    """A browser verified by a one-time password, bound to one transaction."""

    id: int | None = Field(default=None, primary_key=True)
    transaction_pk: int = Field(foreign_key="transaction.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    http_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    grant_hash: str | None = Field(default=None, max_length=64, unique=True)
    grant_expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    ended_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_auditevent_transaction_at", "transaction_pk", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    transaction_pk: int | None = Field(default=None, foreign_key="transaction.id")
    actor: str = Field(max_length=200)
    action: str = Field(max_length=40, index=True)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    ip: str = Field(default="", max_length=64)


class OutboxMessage(SQLModel, table=True):
    """Every email and SMS sent, with its delivery status.

    Bodies are stored with secrets (links, codes) redacted: the database must not be a way
    round hashed tokens.
    """

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp(index=True))
    transaction_pk: int | None = Field(default=None, foreign_key="transaction.id", index=True)
    channel: str = Field(max_length=8)
    purpose: str = Field(max_length=24)
    to_address: str = Field(max_length=320)
    subject: str = Field(default="", max_length=300)
    body_redacted: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: OutboxStatus = Field(default=OutboxStatus.QUEUED, sa_column=_enum(OutboxStatus))
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # Set when staff retried a failed message (the retry is a new row).
    retried_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class RateEvent(SQLModel, table=True):
    """One use of a rate-limited action; counted per bucket within a rolling window.

    Kept in the database, not in process memory, so the budget holds across workers.
    """

    __table_args__ = (Index("ix_rateevent_bucket_at", "bucket", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=120)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
