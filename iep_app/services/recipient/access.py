"""Recipient access: emailed links, one-time passwords, and verified sessions bound to one package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import pyotp
from sqlalchemy import bindparam, update
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, func, select

from iep_app.models import (
    AuthMethod,
    Instance,
    Organisation,
    OtpChallenge,
    Progress,
    RecipientSession,
    Transaction,
    TransactionInstance,
    TransactionStatus,
    pk,
)
from iep_app.notify import templates
from iep_app.services import audit, outbox, secrets
from iep_app.services.audit import Action
from iep_app.services.errors import (
    CodeExpired,
    CodeRejected,
    NoActiveCode,
    NotAllowed,
    NotInPackage,
    SessionEnded,
    TooManyCodes,
)
from iep_app.services.transactions import records

OTP_DIGITS = 6  # a one-time password sent by SMS or email: pages, texts and checks say this many

# Named policies, with their budgets:
CODES_PER_HOUR = 5  # one-time passwords sent per transaction per rolling hour
TRIES_PER_CODE = 5  # wrong entries before a code is void and a new one must be asked for
CODE_LIFETIME = timedelta(minutes=10)
SESSION_IDLE_LIMIT = timedelta(minutes=15)
COOKIE_GRANT_LIFETIME = timedelta(seconds=60)
# Writing last_seen on every frame request would make each image a database write.
TOUCH_INTERVAL = timedelta(seconds=30)

_OTP_PURPOSE = "otp"
_SESSION_PURPOSE = "session"
_HTTP_PURPOSE = "http-session"
_GRANT_PURPOSE = "cookie-grant"


@dataclass(frozen=True)
class LinkView:
    """What the landing page may show before anyone is verified: nothing about the patient."""

    public_id: str
    language: str
    organisation: str
    available_until: datetime
    channel: AuthMethod
    masked_destination: str


@dataclass(frozen=True)
class SentCode:
    outgoing: outbox.Outgoing
    masked_destination: str
    valid_minutes: int


def _channel(transaction: Transaction) -> str:
    return outbox.SMS if transaction.auth_method == AuthMethod.SMS else outbox.EMAIL


def _masked(transaction: Transaction) -> str:
    return outbox.masked(_channel(transaction), transaction.auth_destination)


def _code_hash(secret_key: str, transaction_pk: int, code: str) -> str:
    return secrets.token_hash(secret_key, _OTP_PURPOSE, f"{transaction_pk}:{code}")


def _session_digest(secret_key: str, session_token: str) -> str:
    return secrets.token_hash(secret_key, _SESSION_PURPOSE, session_token)


def _available(session: Session, secret_key: str, token: str, now: datetime) -> Transaction:
    transaction = records.by_link(session=session, secret_key=secret_key, token=token)
    records.ensure_available(transaction, now)
    return transaction


def _record(
    session: Session, now: datetime, action: str, transaction_pk: int, ip: str, **detail: object
) -> None:
    # Every event this module writes is the recipient's own, about one package.
    audit.record(
        session=session,
        now=now,
        action=action,
        actor=audit.RECIPIENT,
        transaction_pk=transaction_pk,
        ip=ip,
        **detail,
    )


def open_link(
    *,
    session: Session,
    secret_key: str,
    organisation: Organisation,
    token: str,
    now: datetime,
    ip: str = "",
) -> LinkView:
    """Look at a link without sending anything (mail scanners open links too).

    Raises:
        LinkNotFound: the link is unknown.
        PackageUnavailable: the package expired, was declined or revoked.
    """
    transaction = _available(session, secret_key, token, now)
    _record(session, now, Action.LINK_OPENED, pk(transaction), ip)
    records.advance(transaction, Progress.OPENED, now)
    return LinkView(
        public_id=transaction.public_id or "",
        language=transaction.language,
        organisation=organisation.name,
        available_until=transaction.available_until,
        channel=transaction.auth_method,
        masked_destination=_masked(transaction),
    )


def request_code(
    *,
    session: Session,
    secret_key: str,
    organisation: Organisation,
    token: str,
    now: datetime,
    ip: str = "",
) -> SentCode:
    """Void any live code and queue a fresh one to the package's second channel.

    Raises:
        LinkNotFound, PackageUnavailable: as open_link.
        TooManyCodes: CODES_PER_HOUR codes were already sent within the last hour.
    """
    transaction = _available(session, secret_key, token, now)
    # Lock the transaction row (PostgreSQL) so two clicks at once cannot both pass the cap.
    session.exec(select(Transaction).where(Transaction.id == pk(transaction)).with_for_update())
    # Staff "unlock" restarts the count: codes sent before codes_reset_at no longer count.
    since = now - timedelta(hours=1)
    if transaction.codes_reset_at is not None:
        since = max(since, transaction.codes_reset_at)
    sent_last_hour = session.exec(
        select(func.count())
        .select_from(OtpChallenge)
        .where(
            OtpChallenge.transaction_pk == pk(transaction),
            col(OtpChallenge.created_at) > since,
        )
    ).one()
    if sent_last_hour >= CODES_PER_HOUR:
        _record(session, now, Action.CODE_REFUSED, pk(transaction), ip, why="hourly limit")
        raise TooManyCodes()
    session.exec(
        update(OtpChallenge)
        .where(
            col(OtpChallenge.transaction_pk) == pk(transaction),
            col(OtpChallenge.used_at).is_(None),
            col(OtpChallenge.voided_at).is_(None),
        )
        .values(voided_at=now)
    )
    # A fresh random secret per challenge; only the code's keyed hash is stored.
    code = pyotp.HOTP(pyotp.random_base32(), digits=OTP_DIGITS).at(0)
    session.add(
        OtpChallenge(
            transaction_pk=pk(transaction),
            channel=transaction.auth_method,
            code_hash=_code_hash(secret_key, pk(transaction), code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    template = templates.otp_sms if transaction.auth_method == AuthMethod.SMS else templates.otp_email
    render = partial(
        template, lang=transaction.language, organisation=organisation.name, valid_minutes=minutes
    )
    outgoing = outbox.queue(
        session=session,
        channel=_channel(transaction),
        purpose="otp",
        to=transaction.auth_destination,
        transaction_pk=pk(transaction),
        message=render(code=code),
        redacted=render(code="******"),
    )
    masked = _masked(transaction)
    _record(
        session, now, Action.CODE_SENT, pk(transaction), ip, channel=transaction.auth_method.value, to=masked
    )
    return SentCode(outgoing=outgoing, masked_destination=masked, valid_minutes=minutes)


def _live_challenge(session: Session, transaction_pk: int) -> OtpChallenge | None:
    return session.exec(
        select(OtpChallenge)
        .where(
            OtpChallenge.transaction_pk == transaction_pk,
            col(OtpChallenge.used_at).is_(None),
            col(OtpChallenge.voided_at).is_(None),
            col(OtpChallenge.failed_attempts) < TRIES_PER_CODE,
        )
        .order_by(col(OtpChallenge.id).desc())
    ).first()


def verify_code(
    *,
    session: Session,
    secret_key: str,
    token: str,
    code: str,
    now: datetime,
    ip: str = "",
) -> str:
    """Check a one-time password and open a session bound to this package.

    Returns:
        The session token for the recipient's browser (stored only hashed).

    Raises:
        LinkNotFound, PackageUnavailable: as open_link.
        NoActiveCode: no live code (none sent, used, voided, or locked after wrong tries).
        CodeExpired: the code's lifetime passed.
        CodeRejected: wrong code, with the tries left.
    """
    transaction = _available(session, secret_key, token, now)
    challenge = _live_challenge(session, pk(transaction))
    if challenge is None:
        raise NoActiveCode()
    if challenge.expires_at <= now:
        raise CodeExpired()
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if not secrets.same(challenge.code_hash, _code_hash(secret_key, pk(transaction), code)):
        return _count_failure(session, transaction, challenge, now, ip)
    # Single use even under concurrent submissions: only one UPDATE can match.
    claimed = session.exec(
        update(OtpChallenge)
        .where(
            col(OtpChallenge.id) == challenge.id,
            col(OtpChallenge.used_at).is_(None),
            col(OtpChallenge.voided_at).is_(None),
            # Wrong guesses racing on other workers may have used up the tries meanwhile.
            col(OtpChallenge.failed_attempts) < TRIES_PER_CODE,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise NoActiveCode()
    session_token = secrets.new_token()
    session.add(
        RecipientSession(
            transaction_pk=pk(transaction),
            token_hash=_session_digest(secret_key, session_token),
            created_at=now,
            last_seen_at=now,
        )
    )
    records.advance(transaction, Progress.VERIFIED, now)
    _record(session, now, Action.VERIFIED, pk(transaction), ip)
    return session_token


def _count_failure(
    session: Session, transaction: Transaction, challenge: OtpChallenge, now: datetime, ip: str
) -> str:
    session.exec(
        update(OtpChallenge)
        .where(col(OtpChallenge.id) == challenge.id)
        .values(failed_attempts=OtpChallenge.failed_attempts + 1)
    )
    session.refresh(challenge)
    remaining = max(TRIES_PER_CODE - challenge.failed_attempts, 0)
    _record(session, now, Action.CODE_FAILED, pk(transaction), ip, remaining=remaining)
    if remaining == 0:
        challenge.voided_at = now
        _record(session, now, Action.CODE_LOCKED, pk(transaction), ip)
    # The failure must be stored even though the caller sees an error.
    session.commit()
    raise CodeRejected(remaining)


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
        _record(session, now, Action.SESSION_ENDED, row.transaction_pk, ip, why="idle")
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
