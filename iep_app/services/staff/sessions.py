"""Staff sessions: opened by a password, completed by a TOTP code, re-checked on every action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from iep_app.models import StaffSession, StaffUser
from iep_app.services import audit, secrets
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed, SessionEnded

# Named policies, with their budgets:
IDLE_LIMIT = timedelta(minutes=30)  # a staff session ends after 30 minutes without an action
SECOND_FACTOR_WINDOW = timedelta(minutes=5)  # from the right password to the right code
COOKIE_GRANT_LIFETIME = timedelta(seconds=60)
# Writing last_seen on every click would make each action a database write.
TOUCH_INTERVAL = timedelta(seconds=30)

COOKIE_NAME = "iep_staff"
_PURPOSE = "staff-session"
_HTTP_PURPOSE = "staff-http"
_GRANT_PURPOSE = "staff-grant"


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting, as the admin pages and services need it."""

    pk: int
    username: str
    display_name: str
    is_admin: bool

    @property
    def actor(self) -> str:
        """The audit trail's name for this person."""
        return audit.staff_actor(self.username)


def identity(user: StaffUser) -> StaffIdentity:
    assert user.id is not None
    return StaffIdentity(
        pk=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        is_admin=user.is_admin,
    )


def _hash(secret_key: str, purpose: str, token: str) -> str:
    return secrets.token_hash(secret_key, purpose, token)


def open_pending(*, session: Session, secret_key: str, user: StaffUser, now: datetime, ip: str = "") -> str:
    """Start a session after the right password; it allows nothing until the code is right.

    Returns:
        The session token for the browser tab's server-side state (stored only hashed).
    """
    assert user.id is not None
    token = secrets.new_token()
    session.add(
        StaffSession(
            staff_pk=user.id,
            token_hash=_hash(secret_key, _PURPOSE, token),
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
        )
    )
    session.flush()
    return token


def _row(session: Session, column, digest: str) -> StaffSession:  # type: ignore[no-untyped-def]
    row = session.exec(select(StaffSession).where(column == digest)).first()
    if row is None or row.ended_at is not None:
        raise SessionEnded()
    return row


def pending(
    *, session: Session, secret_key: str, token: str, now: datetime
) -> tuple[StaffSession, StaffUser]:
    """The half-open session waiting for its code, and its user.

    Raises:
        SessionEnded: unknown, already complete, ended, or the code came too late.
    """
    if not token:
        raise SessionEnded()
    row = _row(session, StaffSession.token_hash, _hash(secret_key, _PURPOSE, token))
    user = session.get(StaffUser, row.staff_pk)
    too_late = row.created_at + SECOND_FACTOR_WINDOW <= now
    if row.second_factor_at is not None or user is None or user.disabled or too_late:
        raise SessionEnded()
    return row, user


def _check(session: Session, row: StaffSession, now: datetime, ip: str, admin: bool) -> StaffIdentity:
    if row.second_factor_at is None:
        raise SessionEnded()
    user = session.get(StaffUser, row.staff_pk)
    if user is None or user.disabled:
        row.ended_at = now
        session.commit()
        raise SessionEnded()
    if row.last_seen_at + IDLE_LIMIT <= now:
        row.ended_at = now
        audit.record(
            session=session,
            now=now,
            action=Action.STAFF_SIGNED_OUT,
            actor=audit.staff_actor(user.username),
            ip=ip,
            why="idle",
        )
        session.commit()
        raise SessionEnded()
    if admin and not user.is_admin:
        raise NotAllowed()
    if row.last_seen_at + TOUCH_INTERVAL <= now:
        row.last_seen_at = now
    return identity(user)


def authorise(
    *,
    session: Session,
    secret_key: str,
    token: str,
    now: datetime,
    ip: str = "",
    admin: bool = False,
    cookie: bool = False,
) -> StaffIdentity:
    """Who holds this token, re-checked in the database on every single action.

    Args:
        session: the database session.
        secret_key: the application's secret key.
        token: the tab's session token, or the HttpOnly cookie's value when `cookie`.
        now: the time of the action.
        ip: the client address, for the audit trail.
        admin: whether the action needs the admin role.
        cookie: whether `token` is the HTTP cookie rather than the tab's token.

    Raises:
        SessionEnded: no token, unknown, ended, idle for 30 minutes, second factor
            missing, or the account was disabled.
        NotAllowed: the action needs the admin role and the user does not have it.
    """
    return _check(session, _lookup(session, secret_key, token, cookie), now, ip, admin)


def _lookup(session: Session, secret_key: str, token: str, cookie: bool) -> StaffSession:
    if not token or len(token) > 128:
        raise SessionEnded()
    if cookie:
        return _row(session, StaffSession.http_token_hash, _hash(secret_key, _HTTP_PURPOSE, token))
    return _row(session, StaffSession.token_hash, _hash(secret_key, _PURPOSE, token))


def end(
    *,
    session: Session,
    secret_key: str,
    token: str,
    now: datetime,
    ip: str = "",
    cookie: bool = False,
) -> None:
    """Sign out: end the session the token belongs to (nothing happens for an unknown one)."""
    try:
        row = _lookup(session, secret_key, token, cookie)
    except SessionEnded:
        return
    row.ended_at = now
    user = session.get(StaffUser, row.staff_pk)
    audit.record(
        session=session,
        now=now,
        action=Action.STAFF_SIGNED_OUT,
        actor=audit.staff_actor(user.username if user else "?"),
        ip=ip,
    )


def end_all(*, session: Session, staff_pk: int, now: datetime) -> None:
    """End every open session of one user (disabled, second factor reset)."""
    session.exec(
        update(StaffSession)
        .where(col(StaffSession.staff_pk) == staff_pk, col(StaffSession.ended_at).is_(None))
        .values(ended_at=now)
    )


def issue_cookie_grant(*, session: Session, secret_key: str, token: str, now: datetime) -> str:
    """A single-use, 60-second code the browser swaps for the HttpOnly staff cookie.

    Reflex state cannot set HttpOnly cookies; the staff's byte endpoints (thumbnails, the
    audit CSV) and new tabs need one, so the signed-in tab exchanges this grant once.

    Raises:
        SessionEnded: the token is not a live, complete session.
    """
    row = _lookup(session, secret_key, token, cookie=False)
    _check(session, row, now, "", admin=False)
    grant = secrets.new_token()
    row.grant_hash = _hash(secret_key, _GRANT_PURPOSE, grant)
    row.grant_expires_at = now + COOKIE_GRANT_LIFETIME
    return grant


def redeem_cookie_grant(*, session: Session, secret_key: str, grant: str, now: datetime) -> str:
    """Swap a grant for the cookie value (once).

    Raises:
        SessionEnded: unknown, used or expired grant, or the session ended meanwhile.
    """
    if not grant or len(grant) > 128:
        raise SessionEnded()
    row = _row(session, StaffSession.grant_hash, _hash(secret_key, _GRANT_PURPOSE, grant))
    if row.grant_expires_at is None or row.grant_expires_at <= now:
        raise SessionEnded()
    _check(session, row, now, "", admin=False)
    cookie = secrets.new_token()
    row.http_token_hash = _hash(secret_key, _HTTP_PURPOSE, cookie)
    row.grant_hash = None
    row.grant_expires_at = None
    return cookie
