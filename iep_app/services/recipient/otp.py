"""The one-time password rules: sending a code, checking it, and the budgets that bound guessing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from iep_app.models import AuthMethod, Organisation, OtpChallenge, Progress, Transaction, pk
from iep_app.notify import templates
from iep_app.services import client_address, outbox, ratelimit, secrets
from iep_app.services.audit import Action
from iep_app.services.errors import (
    CodeExpired,
    CodeRejected,
    CodesLocked,
    NoActiveCode,
    TooManyCodes,
    TooManyWrongCodes,
)
from iep_app.services.recipient import sessions
from iep_app.services.recipient.links import available, channel, masked_destination, record
from iep_app.services.transactions import records

OTP_DIGITS = 6  # a one-time password sent by SMS or email: pages, texts and checks say this many

# Named policies, with their budgets. Staff "unlock" (staff.actions.unlock_codes) restarts every
# count below, and is the only thing that lifts the lock after WRONG_CODES_BEFORE_LOCK.
CODES_PER_HOUR = 5  # one-time passwords sent per package per rolling hour
CODES_PER_DAY = 10  # one-time passwords sent per package per rolling 24 hours
TRIES_PER_CODE = 5  # wrong entries before a code is void and a new one must be asked for
WRONG_CODES_BEFORE_LOCK = 20  # wrong entries over a package's whole life; then only staff unlock
# ... and ratelimit.WRONG_CODES_PER_ADDRESS: 30 wrong entries per client address per hour, across
# every package, so one address holding many links cannot spend each link's budget in turn.
CODE_LIFETIME = timedelta(minutes=10)

# The bound these budgets give someone who holds a link but not the recipient's phone or mailbox.
# Each code is a fresh random 6-digit number, so a guess is right with p = 1/10^6 (HOTP's
# truncation of a 31-bit number makes some codes likelier, by at most 1 part in 4,000:
# p <= 2,148 / 2^31 = 1.0002 / 10^6). Every checked guess that is wrong counts towards the lock,
# and nothing is checked after the 20th wrong one, so over the package's whole life, whether it is
# available 14 days or 90:
#     P(success) <= WRONG_CODES_BEFORE_LOCK x p = 20 / 10^6 = 0.002 %
# and each staff unlock adds at most another 0.002 % (after u unlocks: (u + 1) x 0.002 %).
# Before the lock, 5 codes x 5 tries an hour allowed 600 guesses a day: 1 - (1 - p)^8,400 = 0.84 %
# over 14 days, 1 - (1 - p)^54,000 = 5.3 % over 90. The lock is reached after 4 codes at the
# earliest, so the hourly and daily caps no longer bound guessing; they bound the messages (SMS
# cost, mail bombing) a link's holder can cause: at most 10 a day. Someone holding L links has at
# most L x 0.002 %, and from one address at most 30 guesses an hour (720 a day) across them all.

_OTP_PURPOSE = "otp"


class CodeLock(enum.StrEnum):
    """Why a recipient cannot have or check a code now (staff see it; unlock lifts each)."""

    NONE = "none"
    HOUR = "hour"  # CODES_PER_HOUR sent this hour; the hour passing lifts it too
    DAY = "day"  # CODES_PER_DAY sent today; the day passing lifts it too
    WRONG_CODES = "wrong_codes"  # WRONG_CODES_BEFORE_LOCK wrong entries: only staff lift it


@dataclass(frozen=True)
class CodeStanding:
    """A package's one-time passwords as the budgets count them (since staff last unlocked)."""

    sent_this_hour: int
    sent_today: int
    wrong_codes: int

    @property
    def lock(self) -> CodeLock:
        """The strongest lock that applies: wrong codes, then the day, then the hour."""
        if self.wrong_codes >= WRONG_CODES_BEFORE_LOCK:
            return CodeLock.WRONG_CODES
        if self.sent_today >= CODES_PER_DAY:
            return CodeLock.DAY
        if self.sent_this_hour >= CODES_PER_HOUR:
            return CodeLock.HOUR
        return CodeLock.NONE


@dataclass(frozen=True)
class SentCode:
    outgoing: outbox.Outgoing
    masked_destination: str
    valid_minutes: int


def _code_hash(secret_key: str, transaction_pk: int, code: str) -> str:
    return secrets.token_hash(secret_key, _OTP_PURPOSE, f"{transaction_pk}:{code}")


def _since_unlock(transaction: Transaction, since: datetime) -> datetime:
    # Staff "unlock" restarts every count: codes sent before codes_reset_at no longer count.
    if transaction.codes_reset_at is not None:
        return max(since, transaction.codes_reset_at)
    return since


def _codes_sent(session: Session, transaction: Transaction, since: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(OtpChallenge)
        .where(
            OtpChallenge.transaction_pk == pk(transaction),
            col(OtpChallenge.created_at) > _since_unlock(transaction, since),
        )
    ).one()


def _wrong_codes(session: Session, transaction: Transaction) -> int:
    query = select(func.coalesce(func.sum(OtpChallenge.failed_attempts), 0)).where(
        OtpChallenge.transaction_pk == pk(transaction)
    )
    if transaction.codes_reset_at is not None:
        # Unlock voids the live code, so no code sent before it can gather more wrong tries.
        query = query.where(col(OtpChallenge.created_at) > transaction.codes_reset_at)
    return int(session.exec(query).one())


def standing(*, session: Session, transaction: Transaction, now: datetime) -> CodeStanding:
    """How a package's one-time passwords stand against their budgets (what staff see).

    Args:
        session: the database session.
        transaction: the package.
        now: the current time.

    Returns:
        The codes sent this hour and today, and the wrong codes, since staff last unlocked.
    """
    return CodeStanding(
        sent_this_hour=_codes_sent(session, transaction, now - timedelta(hours=1)),
        sent_today=_codes_sent(session, transaction, now - timedelta(days=1)),
        wrong_codes=_wrong_codes(session, transaction),
    )


def _locked_row(session: Session, transaction: Transaction) -> None:
    # Lock the transaction row (PostgreSQL) so that two clicks or two guesses at once cannot both
    # pass a budget; reload it, since staff may have unlocked it meanwhile.
    session.exec(
        select(Transaction)
        .where(Transaction.id == pk(transaction))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _void_live_codes(session: Session, transaction: Transaction, now: datetime) -> None:
    session.exec(
        update(OtpChallenge)
        .where(
            col(OtpChallenge.transaction_pk) == pk(transaction),
            col(OtpChallenge.used_at).is_(None),
            col(OtpChallenge.voided_at).is_(None),
        )
        .values(voided_at=now)
    )


def unlock(*, session: Session, transaction: Transaction, now: datetime) -> CodeStanding:
    """Restart every budget of a package's codes, and lift the lock after wrong codes (staff only).

    The live code, if any, is voided too: the recipient asks for a new one, and no code sent
    before the unlock can gather wrong tries that the new count would miss.

    Returns:
        How the codes stood just before (for the audit trail).
    """
    _locked_row(session, transaction)
    before = standing(session=session, transaction=transaction, now=now)
    _void_live_codes(session, transaction, now)
    transaction.codes_reset_at = now
    session.add(transaction)
    return before


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
        CodesLocked: WRONG_CODES_BEFORE_LOCK wrong codes were entered; only staff can unlock.
        TooManyCodes: CODES_PER_DAY codes were sent within the last day, or CODES_PER_HOUR
            within the last hour.
    """
    transaction = available(session, secret_key, token, now)
    _locked_row(session, transaction)
    lock = standing(session=session, transaction=transaction, now=now).lock
    if lock == CodeLock.WRONG_CODES:
        raise CodesLocked()
    if lock != CodeLock.NONE:
        daily = lock == CodeLock.DAY
        record(
            session,
            now,
            Action.CODE_REFUSED,
            pk(transaction),
            ip,
            why="daily limit" if daily else "hourly limit",
        )
        raise TooManyCodes("otp.rate_limited_today" if daily else "otp.rate_limited")
    _void_live_codes(session, transaction, now)
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


def _address(ip: str) -> str:
    # "unknown" is one shared address: a missing address is never a way around the budget.
    return ip or client_address.UNKNOWN


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
        CodesLocked: WRONG_CODES_BEFORE_LOCK wrong codes were entered (this one may be the last).
        TooManyWrongCodes: the client address spent its budget of wrong codes; nothing is checked.
        NoActiveCode: no live code (none sent, used, voided, or locked after wrong tries).
        CodeExpired: the code's lifetime passed.
        CodeRejected: wrong code, with the tries left.
    """
    transaction = available(session, secret_key, token, now)
    _locked_row(session, transaction)
    wrong_so_far = _wrong_codes(session, transaction)
    if wrong_so_far >= WRONG_CODES_BEFORE_LOCK:
        raise CodesLocked()
    if not ratelimit.remaining(
        session=session, policy=ratelimit.WRONG_CODES_PER_ADDRESS, key=_address(ip), now=now
    ):
        raise TooManyWrongCodes()
    challenge = _live_challenge(session, pk(transaction))
    if challenge is None:
        raise NoActiveCode()
    if challenge.expires_at <= now:
        raise CodeExpired()
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if not secrets.same(challenge.code_hash, _code_hash(secret_key, pk(transaction), code)):
        return _count_failure(session, transaction, challenge, wrong_so_far + 1, now, ip)
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
    session: Session, transaction: Transaction, challenge: OtpChallenge, wrong: int, now: datetime, ip: str
) -> str:
    session.exec(
        update(OtpChallenge)
        .where(col(OtpChallenge.id) == challenge.id)
        .values(failed_attempts=OtpChallenge.failed_attempts + 1)
    )
    ratelimit.allow(session=session, policy=ratelimit.WRONG_CODES_PER_ADDRESS, key=_address(ip), now=now)
    session.refresh(challenge)
    # The tries left are those of this code, or of the package when fewer remain before its lock.
    remaining = max(min(TRIES_PER_CODE - challenge.failed_attempts, WRONG_CODES_BEFORE_LOCK - wrong), 0)
    record(session, now, Action.CODE_FAILED, pk(transaction), ip, remaining=remaining)
    if remaining == 0:
        challenge.voided_at = now
        record(session, now, Action.CODE_LOCKED, pk(transaction), ip)
    if wrong >= WRONG_CODES_BEFORE_LOCK:
        record(session, now, Action.CODES_LOCKED, pk(transaction), ip, wrong_codes=wrong)
    # The failure must be stored even though the caller sees an error.
    session.commit()
    if wrong >= WRONG_CODES_BEFORE_LOCK:
        raise CodesLocked()
    raise CodeRejected(remaining)
