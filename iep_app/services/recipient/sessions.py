"""Verified sessions: a browser bound to one package, its HTTP cookie, and every re-check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from iep_app.models import (
    Instance,
    RecipientSession,
    Transaction,
    TransactionInstance,
    TransactionStatus,
    pk,
)
from iep_app.services import secrets
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed, NotInPackage, SessionEnded
from iep_app.services.recipient.links import record
from iep_app.services.transactions import records

SESSION_IDLE_LIMIT = timedelta(minutes=15)
COOKIE_GRANT_LIFETIME = timedelta(seconds=60)
# Writing last_seen on every frame request would make each image a database write.
TOUCH_INTERVAL = timedelta(seconds=30)

_SESSION_PURPOSE = "session"
_HTTP_PURPOSE = "http-session"
_GRANT_PURPOSE = "cookie-grant"


def _session_digest(secret_key: str, session_token: str) -> str:
    return secrets.token_hash(secret_key, _SESSION_PURPOSE, session_token)


def open_session(*, session: Session, secret_key: str, transaction: Transaction, now: datetime) -> str:
    """Bind a new session to this package (after its one-time password was right).

    Returns:
        The session token for the recipient's browser (stored only hashed).
    """
    session_token = secrets.new_token()
    session.add(
        RecipientSession(
            transaction_pk=pk(transaction),
            token_hash=_session_digest(secret_key, session_token),
            created_at=now,
            last_seen_at=now,
        )
    )
    return session_token


def _session_row(session: Session, digest: str, column) -> RecipientSession:  # type: ignore[no-untyped-def]
    row = session.exec(select(RecipientSession).where(column == digest)).first()
    if row is None:
        raise SessionEnded()
    return row


def _check(session: Session, row: RecipientSession, now: datetime, ip: str) -> Transaction:
    transaction = session.get(Transaction, row.transaction_pk)
    if transaction is None:
        raise SessionEnded()
    # A package that was declined, revoked or has expired says so, even to the session that
    # ended with it: the person then sees why, rather than "your session has ended".
    records.ensure_available(transaction, now)
    if row.ended_at is not None:
        raise SessionEnded()
    if row.last_seen_at + SESSION_IDLE_LIMIT <= now:
        row.ended_at = now
        record(session, now, Action.SESSION_ENDED, row.transaction_pk, ip, why="idle")
        session.commit()
        raise SessionEnded()
    if row.last_seen_at + TOUCH_INTERVAL <= now:
        row.last_seen_at = now
    return transaction


def resolve_session(
    *, session: Session, secret_key: str, session_token: str, now: datetime, ip: str = ""
) -> Transaction:
    """The package a verified browser tab may see, re-checked on every call.

    Raises:
        SessionEnded: unknown, ended or idle session.
        PackageUnavailable: the package expired, was declined or revoked meanwhile.
    """
    if not session_token:
        raise SessionEnded()
    digest = _session_digest(secret_key, session_token)
    return _check(session, _session_row(session, digest, RecipientSession.token_hash), now, ip)


def _http_digest(secret_key: str, cookie: str) -> str:
    if not cookie or len(cookie) > 128:
        raise SessionEnded()
    return secrets.token_hash(secret_key, _HTTP_PURPOSE, cookie)


# Built once: one query for the session and its package, on every byte request.
_SESSION_AND_PACKAGE = (
    select(RecipientSession, Transaction)
    .join(Transaction, col(Transaction.id) == col(RecipientSession.transaction_pk))
    .where(col(RecipientSession.http_token_hash) == bindparam("digest"))
)


def resolve_http_session(
    *, session: Session, secret_key: str, cookie: str, public_id: str, now: datetime, ip: str = ""
) -> Transaction:
    """The package an HTTP request's session cookie may see; it must be the one in the URL.

    Raises:
        SessionEnded, PackageUnavailable: as resolve_session.
        NotAllowed: the cookie belongs to another package.
    """
    digest = _http_digest(secret_key, cookie)
    found = session.exec(_SESSION_AND_PACKAGE, params={"digest": digest}).first()
    if found is None:
        raise SessionEnded()
    transaction = _check(session, found[0], now, ip)
    if transaction.public_id != public_id:
        raise NotAllowed()
    return transaction


@dataclass(frozen=True)
class InstanceAccess:
    """What a byte request for one instance of a package needs, once access is granted."""

    transaction_pk: int
    public_id: str
    instance_pk: int
    storage_key: str
    number_of_frames: int
    kind: str


_rs, _tx = RecipientSession.__table__, Transaction.__table__  # type: ignore[attr-defined]
_ti, _in = TransactionInstance.__table__, Instance.__table__  # type: ignore[attr-defined]
# Built once, in SQL Core rather than the ORM: this runs for every frame a viewer shows, and
# loading three ORM objects cost five times the query itself.
_SESSION_AND_INSTANCE = (
    sql_select(
        _rs.c.id.label("session_pk"),
        _rs.c.ended_at,
        _rs.c.last_seen_at,
        _tx.c.id.label("transaction_pk"),
        _tx.c.status,
        _tx.c.available_until,
        _tx.c.public_id,
        _in.c.storage_key,
        _in.c.number_of_frames,
        _in.c.kind,
    )
    .select_from(_rs)
    .join(_tx, _tx.c.id == _rs.c.transaction_pk)
    .join(_ti, _ti.c.transaction_pk == _tx.c.id)
    .join(_in, _in.c.id == _ti.c.instance_pk)
    .where(_rs.c.http_token_hash == bindparam("digest"), _ti.c.instance_pk == bindparam("instance"))
)


def _plainly_live(row, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    return (
        row.ended_at is None
        and row.last_seen_at + SESSION_IDLE_LIMIT > now
        and row.status == TransactionStatus.ACTIVE
        and row.available_until > now
    )


def grant_http_instance(
    *,
    connection: Connection,
    secret_key: str,
    cookie: str,
    public_id: str,
    instance_pk: int,
    now: datetime,
) -> InstanceAccess | None:
    """The fast path of resolve_http_instance: one query on a plain connection.

    Returns:
        The access when the session is plainly live and the instance is in its package;
        None in every other case (resolve_http_instance then says why).
    """
    if not cookie or len(cookie) > 128:
        return None
    digest = secrets.token_hash(secret_key, _HTTP_PURPOSE, cookie)
    row = connection.execute(_SESSION_AND_INSTANCE, {"digest": digest, "instance": instance_pk}).first()
    if row is None or row.public_id != public_id or not _plainly_live(row, now):
        return None
    if row.last_seen_at + TOUCH_INTERVAL <= now:
        connection.execute(_rs.update().where(_rs.c.id == row.session_pk).values(last_seen_at=now))
    return InstanceAccess(
        transaction_pk=row.transaction_pk,
        public_id=row.public_id,
        instance_pk=instance_pk,
        storage_key=row.storage_key,
        number_of_frames=row.number_of_frames,
        kind=row.kind,
    )


def resolve_http_instance(
    *,
    session: Session,
    secret_key: str,
    cookie: str,
    public_id: str,
    instance_pk: int,
    now: datetime,
    ip: str = "",
) -> InstanceAccess:
    """As resolve_http_session, for one instance, which must belong to that package.

    Raises:
        SessionEnded, PackageUnavailable, NotAllowed: as resolve_http_session.
        NotInPackage: the instance is not part of this package (or does not exist).
    """
    granted = grant_http_instance(
        connection=session.connection(),
        secret_key=secret_key,
        cookie=cookie,
        public_id=public_id,
        instance_pk=instance_pk,
        now=now,
    )
    if granted is not None:
        return granted
    # The slow path names the reason (and records an idle expiry), or the instance is foreign.
    resolve_http_session(
        session=session, secret_key=secret_key, cookie=cookie, public_id=public_id, now=now, ip=ip
    )
    raise NotInPackage()


def issue_cookie_grant(*, session: Session, secret_key: str, session_token: str, now: datetime) -> str:
    """A single-use, short-lived code the browser swaps for an HttpOnly session cookie.

    Reflex state lives server-side and cannot set HttpOnly cookies; image and download
    requests are plain HTTP, so the verified tab exchanges this grant once.
    """
    resolve_session(session=session, secret_key=secret_key, session_token=session_token, now=now)
    digest = _session_digest(secret_key, session_token)
    row = _session_row(session, digest, RecipientSession.token_hash)
    grant = secrets.new_token()
    row.grant_hash = secrets.token_hash(secret_key, _GRANT_PURPOSE, grant)
    row.grant_expires_at = now + COOKIE_GRANT_LIFETIME
    return grant


def redeem_cookie_grant(
    *, session: Session, secret_key: str, grant: str, now: datetime, ip: str = ""
) -> tuple[str, Transaction]:
    """Swap a grant for the HTTP session cookie value (once).

    Raises:
        SessionEnded: the grant is unknown, used or too old.
    """
    if not grant or len(grant) > 128:
        raise SessionEnded()
    digest = secrets.token_hash(secret_key, _GRANT_PURPOSE, grant)
    row = _session_row(session, digest, RecipientSession.grant_hash)
    if row.grant_expires_at is None or row.grant_expires_at <= now:
        raise SessionEnded()
    transaction = _check(session, row, now, ip)
    cookie = secrets.new_token()
    row.http_token_hash = secrets.token_hash(secret_key, _HTTP_PURPOSE, cookie)
    row.grant_hash = None
    row.grant_expires_at = None
    return cookie, transaction


def end_session(*, session: Session, secret_key: str, session_token: str, now: datetime) -> None:
    """End a verified session (sign out, decline)."""
    if not session_token:
        return
    digest = _session_digest(secret_key, session_token)
    row = session.exec(select(RecipientSession).where(RecipientSession.token_hash == digest)).first()
    if row is not None and row.ended_at is None:
        row.ended_at = now
