"""Staff accounts: creation, sign-in with password and TOTP, lockout, and management by admins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from iep_app.models import StaffUser
from iep_app.services import audit, client_address, ratelimit
from iep_app.services.audit import Action
from iep_app.services.errors import (
    AccountLocked,
    EnrolmentCodeExpired,
    SignInFailed,
    SignInThrottled,
    ValidationFailed,
    invalid,
)
from iep_app.services.staff import passwords, second_factor, sessions
from iep_app.services.staff.sessions import StaffIdentity, identity

# Named policies, with their budgets: 5 wrong passwords or codes in a row lock the account
# for 15 minutes (a success resets the count); 50 failed sign-ins per client address per 15
# minutes, whatever the usernames, bound guessing across accounts and the scrypt work it costs.
FAILURES_BEFORE_LOCK = 5
LOCK_DURATION = timedelta(minutes=15)
FAILURES_PER_ADDRESS = ratelimit.Policy("staff-sign-in", 50, timedelta(minutes=15))
TOTP_DRIFT_STEPS = 1  # one 30-second step either side of the server's clock
# What authenticator apps show; their own rule, not the recipients' OTP_DIGITS.
TOTP_DIGITS = 6

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class Enrolment:
    """What a person needs to add the account to an authenticator app."""

    secret: str
    uri: str
    qr_data_uri: str


@dataclass(frozen=True)
class PasswordAccepted:
    """The password was right; the code (and, after a reset, the enrolment code) is still to come."""

    session_token: str
    needs_enrolment: bool
    needs_enrolment_code: bool = False


def normalise_username(username: str) -> str:
    """A username as stored: lower case letters, digits, dot, dash, underscore.

    Raises:
        ValidationFailed: not 2-64 such characters.
    """
    value = (username or "").strip().lower()
    if not _USERNAME.match(value):
        raise invalid("username", "invalid.username")
    return value


def enrolment(user: StaffUser, *, secret_key: str, issuer: str) -> Enrolment:
    """The TOTP secret, its otpauth:// URI and a QR code of it as an SVG data URI.

    Raises:
        SecretUnreadable: the stored secret does not open with this key for this account.
    """
    secret = second_factor.totp_secret(user, secret_key=secret_key)
    uri = pyotp.TOTP(secret, digits=TOTP_DIGITS).provisioning_uri(name=user.username, issuer_name=issuer)
    qr = segno.make(uri, error="m")
    return Enrolment(secret=secret, uri=uri, qr_data_uri=qr.svg_data_uri(scale=5))


def add(
    *,
    session: Session,
    secret_key: str,
    username: str,
    password: str,
    is_admin: bool = False,
    display_name: str = "",
    actor: str,
    now: datetime,
) -> StaffUser:
    """Create a staff account with a fresh TOTP secret, to be enrolled at first sign-in.

    Raises:
        ValidationFailed: bad or taken username, or a weak password.
    """
    name = normalise_username(username)
    passwords.check_strength(password, username=name)
    if session.exec(select(StaffUser).where(StaffUser.username == name)).first():
        raise invalid("username", "invalid.username_taken")
    user = StaffUser(
        username=name,
        display_name=display_name.strip()[:200],
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    second_factor.new_secret(user, secret_key=secret_key)
    audit.record(
        session=session, now=now, action=Action.STAFF_ADDED, actor=actor, username=name, admin=is_admin
    )
    return user


def _locked_until(user: StaffUser, now: datetime) -> datetime | None:
    if user.locked_until is not None and user.locked_until > now:
        return user.locked_until
    return None


def _count_address_failure(session: Session, ip: str, now: datetime) -> None:
    # No address is one shared address: leaving it out must never skip the budget.
    ratelimit.allow(session=session, policy=FAILURES_PER_ADDRESS, key=ip or client_address.UNKNOWN, now=now)


def _check_address(session: Session, ip: str, now: datetime) -> None:
    key = ip or client_address.UNKNOWN
    if ratelimit.remaining(session=session, policy=FAILURES_PER_ADDRESS, key=key, now=now) == 0:
        raise SignInThrottled()


def _count_failure(session: Session, user: StaffUser, now: datetime, ip: str, step: str) -> int:
    """Count one failure; lock at the budget. Returns the tries left before the lock."""
    _count_address_failure(session, ip, now)
    # One UPDATE, not read-add-write: failures from several workers at once all count.
    session.exec(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
    )
    session.refresh(user)
    actor = audit.staff_actor(user.username)
    audit.record(session=session, now=now, action=Action.STAFF_SIGN_IN_FAILED, actor=actor, ip=ip, step=step)
    remaining = max(FAILURES_BEFORE_LOCK - user.failed_logins, 0)
    if remaining == 0:
        user.locked_until = now + LOCK_DURATION
        user.failed_logins = 0
        audit.record(session=session, now=now, action=Action.STAFF_LOCKED, actor=actor, ip=ip)
    # The failure must be stored even though the caller sees an error.
    session.commit()
    return remaining


def sign_in_password(
    *, session: Session, secret_key: str, username: str, password: str, now: datetime, ip: str = ""
) -> PasswordAccepted:
    """First step of sign-in: the password.

    Raises:
        SignInFailed: unknown username, disabled account or wrong password (one answer
            for all, so the page does not tell which usernames exist).
        AccountLocked: too many failures; the password was not even checked.
        SignInThrottled: too many failures from this client address.
    """
    password = (password or "")[: passwords.MAX_LENGTH]
    _check_address(session, ip, now)
    try:
        name = normalise_username(username)
    except ValidationFailed:
        name = ""
    user = session.exec(select(StaffUser).where(StaffUser.username == name)).first()
    if user is None or user.disabled:
        passwords.burn_time(password)
        _count_address_failure(session, ip, now)
        audit.record(
            session=session,
            now=now,
            action=Action.STAFF_SIGN_IN_FAILED,
            actor=audit.ANONYMOUS,
            ip=ip,
            step="user",
        )
        session.commit()
        raise SignInFailed()
    if _locked_until(user, now) is not None:
        # The same answer as a wrong password: "locked" would confirm that the username
        # exists to someone who does not know the password.
        passwords.burn_time(password)
        _count_address_failure(session, ip, now)
        audit.record(
            session=session,
            now=now,
            action=Action.STAFF_SIGN_IN_FAILED,
            actor=audit.staff_actor(user.username),
            ip=ip,
            step="locked",
        )
        session.commit()
        raise SignInFailed()
    if not passwords.verify_password(password, user.password_hash):
        _count_failure(session, user, now, ip, "password")
        raise SignInFailed()
    token = sessions.open_pending(session=session, secret_key=secret_key, user=user, now=now, ip=ip)
    return PasswordAccepted(
        session_token=token,
        needs_enrolment=not user.totp_confirmed,
        needs_enrolment_code=second_factor.needs_enrolment_code(user),
    )


def pending_enrolment(
    *,
    session: Session,
    secret_key: str,
    session_token: str,
    now: datetime,
    issuer: str,
    enrolment_code: str = "",
    ip: str = "",
) -> Enrolment | None:
    """The QR code and secret to show, if this half-open session's user has not enrolled.

    After an admin's reset the password alone is not enough: the one-time enrolment code the
    admin handed over must come with it, and it is used up here.

    Raises:
        SessionEnded: the half-open session is unknown or too old.
        SignInFailed: the enrolment code is missing or wrong, with the tries left before the lock.
        EnrolmentCodeExpired: the code was right but is used already or too old.
        AccountLocked: the account is locked.
        SignInThrottled: too many failures from this client address.
        SecretUnreadable: the stored secret does not open (IEP_SECRET_KEY changed?).
    """
    _, user = sessions.pending(session=session, secret_key=secret_key, token=session_token, now=now)
    if user.totp_confirmed:
        return None
    if second_factor.needs_enrolment_code(user):
        _use_enrolment_code(session, user, secret_key, enrolment_code, now, ip)
    return enrolment(user, secret_key=secret_key, issuer=issuer)


def _use_enrolment_code(
    session: Session, user: StaffUser, secret_key: str, code: str, now: datetime, ip: str
) -> None:
    _check_address(session, ip, now)
    until = _locked_until(user, now)
    if until is not None:
        raise AccountLocked(until)
    check = second_factor.check_enrolment_code(user, secret_key=secret_key, code=code, now=now)
    if check is second_factor.CodeCheck.WRONG:
        raise SignInFailed(_count_failure(session, user, now, ip, "enrolment-code"))
    actor = f"staff:{user.username}"
    if check is second_factor.CodeCheck.SPENT or not second_factor.spend_enrolment_code(
        session=session, user=user, now=now
    ):
        # Not counted: only someone who had the right code can get here.
        audit.record(
            session=session,
            now=now,
            action=Action.STAFF_SIGN_IN_FAILED,
            actor=actor,
            ip=ip,
            step="spent-code",
        )
        session.commit()
        raise EnrolmentCodeExpired()
    audit.record(session=session, now=now, action=Action.STAFF_ENROLMENT_CODE_USED, actor=actor, ip=ip)
    # Used up before the secret is shown, even if showing it fails.
    session.commit()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    if not totp.verify(code, for_time=now, valid_window=TOTP_DRIFT_STEPS):
        return None
    here = totp.timecode(now)
    for offset in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1):
        if totp.at(now, counter_offset=offset) == code:
            return here + offset
    return None


def sign_in_code(
    *, session: Session, secret_key: str, session_token: str, code: str, now: datetime, ip: str = ""
) -> StaffIdentity:
    """Second step: the TOTP code (TOTP_DIGITS digits) completes the session (and the enrolment).

    Raises:
        SessionEnded: no half-open session for this token, or it is older than 5 minutes.
        SignInFailed: wrong or already used code, with the tries left before the lock.
        AccountLocked: the account locked meanwhile.
        SecretUnreadable: the stored secret does not open (IEP_SECRET_KEY changed?).
    """
    row, user = sessions.pending(session=session, secret_key=secret_key, token=session_token, now=now)
    until = _locked_until(user, now)
    if until is not None:
        raise AccountLocked(until)
    secret = second_factor.totp_secret(user, secret_key=secret_key)
    code = "".join(ch for ch in (code or "")[:32] if not ch.isspace())
    step = _matching_step(secret, code, now) if len(code) == TOTP_DIGITS else None
    # Each code works once, even when two workers check it at the same moment: only one
    # conditional UPDATE can move the last used step forward.
    used = None
    if step is not None:
        used = session.exec(
            update(StaffUser)
            .where(
                col(StaffUser.id) == user.id,
                or_(col(StaffUser.totp_last_step).is_(None), col(StaffUser.totp_last_step) < step),
            )
            .values(totp_last_step=step)
        )
    if used is None or used.rowcount != 1:
        raise SignInFailed(_count_failure(session, user, now, ip, "code"))
    session.refresh(user)
    actor = audit.staff_actor(user.username)
    if not user.totp_confirmed:
        user.totp_confirmed = True
        second_factor.forget_enrolment_code(user)
        audit.record(session=session, now=now, action=Action.STAFF_ENROLLED, actor=actor, ip=ip)
    user.failed_logins = 0
    user.last_login_at = now
    row.second_factor_at = now
    row.last_seen_at = now
    audit.record(session=session, now=now, action=Action.STAFF_SIGNED_IN, actor=actor, ip=ip)
    return identity(user)
