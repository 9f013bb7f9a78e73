"""The budgets that bound guessing a one-time password: a day's codes, a package's wrong codes in
all (a lock only staff lift), and an address's wrong codes across packages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from iep_app.models import AuditEvent, utcnow
from iep_app.services.audit import Action
from iep_app.services.errors import CodesLocked, TooManyCodes, TooManyWrongCodes, message_of
from iep_app.services.recipient import otp
from tests.support.packages import enter_wrong_codes, guess_code, send_code
from tests.unit.services.factories import make_transaction

SOMEONE = "203.0.113.7"
RECIPIENT = "198.51.100.20"


def test_at_most_ten_codes_per_package_per_day(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    for n in range(otp.CODES_PER_DAY):
        # Five codes, then five more two hours later: no hour sees more than five.
        send_code(
            session, settings, created.link_token, now=start + timedelta(hours=2 * (n // 5), minutes=n % 5)
        )
    with pytest.raises(TooManyCodes) as refused:
        send_code(session, settings, created.link_token, now=start + timedelta(hours=5))
    assert message_of(refused.value, "en") == "You have asked for too many codes today. Try again tomorrow."
    # The day rolls: a day after the first codes, more may be sent.
    send_code(session, settings, created.link_token, now=start + timedelta(days=1, minutes=1))


def test_twenty_wrong_codes_lock_the_package_through_new_codes_and_later_hours(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    told = enter_wrong_codes(session, settings, created.link_token, otp.WRONG_CODES_BEFORE_LOCK, now=start)
    assert told == [4, 3, 2, 1, 0] * 3 + [4, 3, 2, 1, "locked"]
    for later in (timedelta(minutes=10), timedelta(hours=2), timedelta(days=3)):
        with pytest.raises(CodesLocked) as locked:
            send_code(session, settings, created.link_token, now=start + later)
        with pytest.raises(CodesLocked):
            guess_code(session, settings, created.link_token, "123456", now=start + later)
    assert "Ask the sender" in message_of(locked.value, "en")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == Action.CODES_LOCKED)).all()
    assert len(events) == 1 and events[0].transaction_pk == created.transaction.id
    standing = otp.standing(session=session, transaction=created.transaction, now=start + timedelta(days=3))
    assert standing.lock == otp.CodeLock.WRONG_CODES and standing.wrong_codes == 20


def test_the_tries_left_are_the_packages_when_fewer_remain_than_the_codes(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    enter_wrong_codes(session, settings, created.link_token, 3 * otp.TRIES_PER_CODE + 2, now=start)
    # 17 wrong so far: the next code allows 5 tries, the package only 3 more.
    assert enter_wrong_codes(session, settings, created.link_token, 3, now=start + timedelta(minutes=9)) == [
        2,
        1,
        "locked",
    ]


def test_wrong_codes_from_one_address_are_budgeted_across_packages(session, engine, settings):
    first = make_transaction(session, settings)
    second = make_transaction(session, settings, email="sam@example.org")
    start = utcnow()
    # Fifteen wrong codes on each: neither package is locked, but the address has spent its 30.
    for created in (first, second):
        enter_wrong_codes(session, settings, created.link_token, 15, now=start, ip=SOMEONE)
    right, _ = send_code(session, settings, second.link_token, now=start + timedelta(minutes=5))
    with pytest.raises(TooManyWrongCodes) as refused:
        guess_code(session, settings, second.link_token, right, now=start + timedelta(minutes=6), ip=SOMEONE)
    # The words say nothing of other packages, only of the network.
    assert message_of(refused.value, "en") == (
        "Too many wrong codes have been entered from your network. Try again in an hour."
    )
    # Another worker (its own connection) counts the same budget.
    with Session(engine) as other_worker, pytest.raises(TooManyWrongCodes):
        guess_code(
            other_worker, settings, first.link_token, "123456", now=start + timedelta(minutes=6), ip=SOMEONE
        )
    # Another address is not held back: the recipient's right code still opens the package.
    assert guess_code(
        session, settings, second.link_token, right, now=start + timedelta(minutes=7), ip=RECIPIENT
    )
    # An hour after those wrong codes, the address may try again.
    code, _ = send_code(session, settings, first.link_token, now=start + timedelta(minutes=70))
    assert guess_code(
        session, settings, first.link_token, code, now=start + timedelta(minutes=70), ip=SOMEONE
    )


def test_an_unknown_address_is_one_shared_budget(session, settings):
    first = make_transaction(session, settings)
    second = make_transaction(session, settings, email="sam@example.org")
    start = utcnow()
    enter_wrong_codes(session, settings, first.link_token, 15, now=start, ip="")
    enter_wrong_codes(session, settings, second.link_token, 15, now=start, ip="unknown")
    right, _ = send_code(session, settings, first.link_token, now=start + timedelta(minutes=5))
    with pytest.raises(TooManyWrongCodes):
        guess_code(session, settings, first.link_token, right, now=start + timedelta(minutes=6), ip="")
