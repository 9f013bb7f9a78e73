"""The one-time password rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, OtpChallenge, OutboxMessage, utcnow
from iep_app.services.errors import CodeExpired, CodeRejected, NoActiveCode, TooManyCodes
from iep_app.services.recipient import sessions
from tests.support.packages import guess_code, send_code, wrong_code
from tests.unit.services.factories import make_transaction


def test_right_code_opens_a_session_bound_to_the_transaction(session, settings):
    created = make_transaction(session, settings)
    code, sent = send_code(session, settings, created.link_token)
    token = guess_code(session, settings, created.link_token, code, now=utcnow())
    transaction = sessions.resolve_session(
        session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
    )
    assert transaction.id == created.transaction.id
    assert sent.masked_destination == "c***@e***.org"


def test_code_is_single_use(session, settings):
    created = make_transaction(session, settings)
    code, _ = send_code(session, settings, created.link_token)
    guess_code(session, settings, created.link_token, code, now=utcnow())
    with pytest.raises(NoActiveCode):
        guess_code(session, settings, created.link_token, code, now=utcnow())


def test_code_expires_after_ten_minutes(session, settings):
    created = make_transaction(session, settings)
    code, _ = send_code(session, settings, created.link_token)
    with pytest.raises(CodeExpired):
        guess_code(
            session,
            settings,
            created.link_token,
            code,
            now=utcnow() + timedelta(minutes=10, seconds=1),
        )


def test_resend_voids_the_old_code(session, settings):
    created = make_transaction(session, settings)
    old, _ = send_code(session, settings, created.link_token)
    new, _ = send_code(session, settings, created.link_token)
    if old != new:
        with pytest.raises(CodeRejected):
            guess_code(session, settings, created.link_token, old, now=utcnow())
    assert guess_code(session, settings, created.link_token, new, now=utcnow())


def test_wrong_code_five_times_voids_the_code(session, settings):
    created = make_transaction(session, settings)
    code, _ = send_code(session, settings, created.link_token)
    remaining = []
    for _ in range(5):
        with pytest.raises(CodeRejected) as rejected:
            guess_code(session, settings, created.link_token, wrong_code(code), now=utcnow())
        remaining.append(rejected.value.remaining)
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(NoActiveCode):
        guess_code(session, settings, created.link_token, code, now=utcnow())
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("code_failed") == 5 and "code_locked" in actions


def test_at_most_five_codes_per_hour(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    for minute in range(5):
        send_code(session, settings, created.link_token, now=start + timedelta(minutes=minute))
    with pytest.raises(TooManyCodes):
        send_code(session, settings, created.link_token, now=start + timedelta(minutes=10))
    # The window rolls: an hour after the first code, one more may be sent.
    send_code(session, settings, created.link_token, now=start + timedelta(minutes=61))


def test_otp_is_never_stored_in_the_outbox(session, settings):
    created = make_transaction(session, settings)
    code, _ = send_code(session, settings, created.link_token)
    row = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "otp")).one()
    assert code not in row.body_redacted and "******" in row.body_redacted


def test_sms_channel_masks_the_number(session, settings):
    created = make_transaction(session, settings, sms=True)
    _, sent = send_code(session, settings, created.link_token)
    assert sent.masked_destination.endswith("456") and "7911" not in sent.masked_destination
    assert sent.outgoing.channel == "sms"


def test_a_code_whose_tries_ran_out_on_another_worker_cannot_be_used(session, settings):
    from sqlalchemy import update

    created = make_transaction(session, settings)
    code, _ = send_code(session, settings, created.link_token)
    # Five wrong guesses counted by other workers; this one has not seen the code voided yet.
    session.exec(update(OtpChallenge).values(failed_attempts=5))
    session.commit()
    with pytest.raises(NoActiveCode):
        guess_code(session, settings, created.link_token, code, now=utcnow())
