"""The staff's second factor: TOTP secrets sealed at rest, bound to their account."""

from __future__ import annotations

import pyotp

from iep_app.models import StaffUser
from iep_app.services import secrets

TOTP_PURPOSE = "staff-totp-secret"


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
