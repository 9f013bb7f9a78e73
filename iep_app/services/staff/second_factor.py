"""The staff's second factor: TOTP secrets sealed at rest, and one-time enrolment codes after a reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col

from iep_app.models import StaffUser
from iep_app.services import secrets

TOTP_PURPOSE = "staff-totp-secret"
ENROLMENT_CODE_PURPOSE = "staff-enrolment-code"
# Named policy, with its budget: an enrolment code works once, within 72 hours of the reset,
# time for the admin to hand it over in person or by phone. Guesses count as failed sign-ins.
ENROLMENT_CODE_LIFETIME = timedelta(hours=72)
ENROLMENT_CODE_LENGTH = 10  # about 50 bits
# No 0/O, 1/I/L: read aloud or copied from a screen without doubt.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class EnrolmentCode:
    """A one-time enrolment code, shown once to the admin who asked for it, never stored in clear."""

    username: str
    code: str
    expires_at: datetime


class CodeCheck(StrEnum):
    """What a typed enrolment code turned out to be."""

    GOOD = "good"
    WRONG = "wrong"
    SPENT = "spent"  # right, but used already or past its 72 hours


def _owner(staff_pk: int | None) -> str:
    assert staff_pk is not None, "the account needs its id (flush it) before its secret is sealed"
    return f"staffuser:{staff_pk}"


def sealed_secret(secret_key: str, staff_pk: int | None, secret: str) -> str:
    """The stored form of a TOTP secret: encrypted, and readable only for this account."""
    return secrets.seal(secret_key, TOTP_PURPOSE, _owner(staff_pk), secret)


def opened_secret(secret_key: str, staff_pk: int | None, stored: str) -> str:
    """A TOTP secret from its stored form.

    Raises:
        SecretUnreadable: sealed with another key, for another account, or not sealed at all.
    """
    return secrets.unseal(secret_key, TOTP_PURPOSE, _owner(staff_pk), stored)


def new_secret(user: StaffUser, *, secret_key: str) -> None:
    """Give a (flushed) account a fresh TOTP secret, sealed, to be enrolled at its next sign-in."""
    user.totp_secret = sealed_secret(secret_key, user.id, pyotp.random_base32())
    user.totp_confirmed = False
    user.totp_last_step = None


def totp_secret(user: StaffUser, *, secret_key: str) -> str:
    """The account's TOTP secret in clear, for the enrolment screen and checking codes.

    Raises:
        SecretUnreadable: sealed with another key, copied from another account, or none.
    """
    return opened_secret(secret_key, user.id, user.totp_secret or "")


def _code_hash(secret_key: str, staff_pk: int | None, code: str) -> str:
    # The account's id is in the hash: a hash copied to another row matches nothing there.
    return secrets.token_hash(secret_key, ENROLMENT_CODE_PURPOSE, f"{_owner(staff_pk)}:{code}")


def _typed(code: str) -> str:
    """A code as typed, compared without case, spaces or dashes."""
    return "".join(ch for ch in (code or "")[:32].upper() if ch.isalnum())


def issue_enrolment_code(user: StaffUser, *, secret_key: str, now: datetime) -> EnrolmentCode:
    """A new one-time enrolment code for a (flushed) account, replacing any earlier one."""
    code = secrets.new_code(_CODE_ALPHABET, ENROLMENT_CODE_LENGTH)
    user.enrolment_code_hash = _code_hash(secret_key, user.id, code)
    user.enrolment_code_expires_at = now + ENROLMENT_CODE_LIFETIME
    half = ENROLMENT_CODE_LENGTH // 2
    return EnrolmentCode(user.username, f"{code[:half]}-{code[half:]}", user.enrolment_code_expires_at)


def needs_enrolment_code(user: StaffUser) -> bool:
    """Whether the new secret may be shown only with an enrolment code (after an admin's reset).

    An account made with `iep staff add` has none: the person at the terminal saw the secret.
    """
    return not user.totp_confirmed and user.enrolment_code_hash is not None


def check_enrolment_code(user: StaffUser, *, secret_key: str, code: str, now: datetime) -> CodeCheck:
    """Whether a typed code is this account's live enrolment code (it is not spent here)."""
    digest = _code_hash(secret_key, user.id, _typed(code))
    if not user.enrolment_code_hash or not secrets.same(user.enrolment_code_hash, digest):
        return CodeCheck.WRONG
    expires = user.enrolment_code_expires_at
    return CodeCheck.GOOD if expires is not None and expires > now else CodeCheck.SPENT


def spend_enrolment_code(*, session: Session, user: StaffUser, now: datetime) -> bool:
    """Use the code up; False when another request used it first.

    The hash stays, expired: the account still needs a code, so the password alone never
    shows the secret again. Only one conditional UPDATE can win, even across workers.
    """
    result = session.exec(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id, col(StaffUser.enrolment_code_expires_at) > now)
        .values(enrolment_code_expires_at=now)
    )
    session.refresh(user)
    return result.rowcount == 1


def forget_enrolment_code(user: StaffUser) -> None:
    """The authenticator is enrolled: the code has done its work."""
    user.enrolment_code_hash = None
    user.enrolment_code_expires_at = None
