"""The one-time password rules: sending a code, checking it, and the budgets that bound guessing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from iep_app.models import AuthMethod, Organisation, OtpChallenge, Progress, Transaction, pk
from iep_app.notify import templates
from iep_app.services import outbox, secrets
from iep_app.services.audit import Action
from iep_app.services.errors import CodeExpired, CodeRejected, NoActiveCode, TooManyCodes
from iep_app.services.recipient import sessions
from iep_app.services.recipient.links import available, channel, masked_destination, record
from iep_app.services.transactions import records

OTP_DIGITS = 6  # a one-time password sent by SMS or email: pages, texts and checks say this many

# Named policies, with their budgets:
CODES_PER_HOUR = 5  # one-time passwords sent per transaction per rolling hour
TRIES_PER_CODE = 5  # wrong entries before a code is void and a new one must be asked for
CODE_LIFETIME = timedelta(minutes=10)

_OTP_PURPOSE = "otp"


@dataclass(frozen=True)
class SentCode:
    outgoing: outbox.Outgoing
    masked_destination: str
    valid_minutes: int


def _code_hash(secret_key: str, transaction_pk: int, code: str) -> str:
    return secrets.token_hash(secret_key, _OTP_PURPOSE, f"{transaction_pk}:{code}")


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
        LinkNotFound, PackageUnavailable: as links.open_link.
        TooManyCodes: CODES_PER_HOUR codes were already sent within the last hour.
    """
    transaction = available(session, secret_key, token, now)
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
        record(session, now, Action.CODE_REFUSED, pk(transaction), ip, why="hourly limit")
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
        channel=channel(transaction),
        purpose="otp",
        to=transaction.auth_destination,
        transaction_pk=pk(transaction),
        message=render(code=code),
        redacted=render(code="******"),
    )
    masked = masked_destination(transaction)
    record(
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
        LinkNotFound, PackageUnavailable: as links.open_link.
        NoActiveCode: no live code (none sent, used, voided, or locked after wrong tries).
        CodeExpired: the code's lifetime passed.
        CodeRejected: wrong code, with the tries left.
    """
    transaction = available(session, secret_key, token, now)
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
    session_token = sessions.open_session(
        session=session, secret_key=secret_key, transaction=transaction, now=now
    )
    records.advance(transaction, Progress.VERIFIED, now)
    record(session, now, Action.VERIFIED, pk(transaction), ip)
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
    record(session, now, Action.CODE_FAILED, pk(transaction), ip, remaining=remaining)
    if remaining == 0:
        challenge.voided_at = now
        record(session, now, Action.CODE_LOCKED, pk(transaction), ip)
    # The failure must be stored even though the caller sees an error.
    session.commit()
    raise CodeRejected(remaining)
