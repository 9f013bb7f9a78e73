"""One-time password and session rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import (
    AuditEvent,
    OtpChallenge,
    OutboxMessage,
    Progress,
    TransactionStatus,
    utcnow,
)
from iep_app.services import organisation
from iep_app.services.errors import (
    CodeExpired,
    CodeRejected,
    LinkNotFound,
    NoActiveCode,
    NotAllowed,
    PackageUnavailable,
    SessionEnded,
    TooManyCodes,
)
from iep_app.services.recipient import access
from tests.unit.services.factories import make_transaction


def _send(session, settings, token, now=None):
    org = organisation.current(session=session, settings=settings)
    sent = access.request_code(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=token,
        now=now or utcnow(),
    )
    session.commit()
    return re.search(rf"\b(\d{{{access.OTP_DIGITS}}})\b", sent.outgoing.message.text).group(1), sent


def _verify(session, settings, token, code, now=None):
    result = access.verify_code(
        session=session, secret_key=settings.secret_key, token=token, code=code, now=now or utcnow()
    )
    session.commit()
    return result


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_opening_the_link_sends_nothing(session, settings):
    created = make_transaction(session, settings)
    org = organisation.current(session=session, settings=settings)
    view = access.open_link(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=created.link_token,
        now=utcnow(),
    )
    session.commit()
    assert view.masked_destination == "c***@e***.org"
    assert not session.exec(select(OtpChallenge)).all()
    assert not session.exec(select(OutboxMessage)).all()
    assert created.transaction.progress == Progress.OPENED


def test_unknown_link_is_refused(session, settings):
    make_transaction(session, settings)
    with pytest.raises(LinkNotFound):
        _send(session, settings, "not-a-real-token")


def test_right_code_opens_a_session_bound_to_the_transaction(session, settings):
    created = make_transaction(session, settings)
    code, sent = _send(session, settings, created.link_token)
    token = _verify(session, settings, created.link_token, code)
    transaction = access.resolve_session(
        session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
    )
    assert transaction.id == created.transaction.id
    assert sent.masked_destination == "c***@e***.org"


def test_code_is_single_use(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    _verify(session, settings, created.link_token, code)
    with pytest.raises(NoActiveCode):
        _verify(session, settings, created.link_token, code)


def test_code_expires_after_ten_minutes(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    with pytest.raises(CodeExpired):
        _verify(
            session,
            settings,
            created.link_token,
            code,
            now=utcnow() + timedelta(minutes=10, seconds=1),
        )


def test_resend_voids_the_old_code(session, settings):
    created = make_transaction(session, settings)
    old, _ = _send(session, settings, created.link_token)
    new, _ = _send(session, settings, created.link_token)
    if old != new:
        with pytest.raises(CodeRejected):
            _verify(session, settings, created.link_token, old)
    assert _verify(session, settings, created.link_token, new)


def test_wrong_code_five_times_voids_the_code(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    remaining = []
    for _ in range(5):
        with pytest.raises(CodeRejected) as rejected:
            _verify(session, settings, created.link_token, _wrong(code))
        remaining.append(rejected.value.remaining)
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(NoActiveCode):
        _verify(session, settings, created.link_token, code)
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("code_failed") == 5 and "code_locked" in actions


def test_at_most_five_codes_per_hour(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    for minute in range(5):
        _send(session, settings, created.link_token, now=start + timedelta(minutes=minute))
    with pytest.raises(TooManyCodes):
        _send(session, settings, created.link_token, now=start + timedelta(minutes=10))
    # The window rolls: an hour after the first code, one more may be sent.
    _send(session, settings, created.link_token, now=start + timedelta(minutes=61))


def test_otp_is_never_stored_in_the_outbox(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    row = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "otp")).one()
    assert code not in row.body_redacted and "******" in row.body_redacted


def test_sms_channel_masks_the_number(session, settings):
    created = make_transaction(session, settings, sms=True)
    _, sent = _send(session, settings, created.link_token)
    assert sent.masked_destination.endswith("456") and "7911" not in sent.masked_destination
    assert sent.outgoing.channel == "sms"


def test_session_ends_after_fifteen_idle_minutes(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    token = _verify(session, settings, created.link_token, code)
    later = utcnow() + timedelta(minutes=15, seconds=1)
    with pytest.raises(SessionEnded):
        access.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=later
        )


def test_activity_keeps_the_session_alive(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    token = _verify(session, settings, created.link_token, code)
    moment = utcnow()
    for _ in range(4):
        moment += timedelta(minutes=10)
        access.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=moment
        )
        session.commit()


def test_revoked_and_expired_packages_refuse_everything(session, settings):
    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    token = _verify(session, settings, created.link_token, code)
    created.transaction.status = TransactionStatus.REVOKED
    session.add(created.transaction)
    session.commit()
    with pytest.raises(PackageUnavailable) as unavailable:
        access.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
        )
    assert unavailable.value.reason == "revoked"
    with pytest.raises(PackageUnavailable):
        _send(session, settings, created.link_token)
    expiring = make_transaction(session, settings, days=1, email="other@example.org")
    with pytest.raises(PackageUnavailable) as expired:
        _send(session, settings, expiring.link_token, now=utcnow() + timedelta(days=2))
    assert expired.value.reason == "expired"


def test_cookie_grant_is_single_use_and_bound_to_its_package(session, settings):
    created = make_transaction(session, settings)
    other = make_transaction(session, settings, email="someone@example.org")
    code, _ = _send(session, settings, created.link_token)
    token = _verify(session, settings, created.link_token, code)
    grant = access.issue_cookie_grant(
        session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
    )
    session.commit()
    cookie, transaction = access.redeem_cookie_grant(
        session=session, secret_key=settings.secret_key, grant=grant, now=utcnow()
    )
    session.commit()
    assert transaction.id == created.transaction.id
    with pytest.raises(SessionEnded):
        access.redeem_cookie_grant(session=session, secret_key=settings.secret_key, grant=grant, now=utcnow())
    found = access.resolve_http_session(
        session=session,
        secret_key=settings.secret_key,
        cookie=cookie,
        public_id=created.transaction.public_id,
        now=utcnow(),
    )
    assert found.id == created.transaction.id
    with pytest.raises(NotAllowed):
        access.resolve_http_session(
            session=session,
            secret_key=settings.secret_key,
            cookie=cookie,
            public_id=other.transaction.public_id,
            now=utcnow(),
        )


def test_a_code_whose_tries_ran_out_on_another_worker_cannot_be_used(session, settings):
    from sqlalchemy import update

    created = make_transaction(session, settings)
    code, _ = _send(session, settings, created.link_token)
    # Five wrong guesses counted by other workers; this one has not seen the code voided yet.
    session.exec(update(OtpChallenge).values(failed_attempts=5))
    session.commit()
    with pytest.raises(NoActiveCode):
        _verify(session, settings, created.link_token, code)
