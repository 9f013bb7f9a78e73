"""Resend the link, unlock codes (after a cap, or the lock after wrong codes), add a message; last
activity follows."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, Message, OutboxMessage, TransactionStatus, utcnow
from iep_app.services import audit, organisation
from iep_app.services.audit import Action
from iep_app.services.errors import (
    CodeRejected,
    CodesLocked,
    LinkNotFound,
    NoActiveCode,
    PackageUnavailable,
    TooManyCodes,
    ValidationFailed,
)
from iep_app.services.recipient import links, otp, sessions
from iep_app.services.staff import actions, tracking
from iep_app.services.transactions import records
from tests.support.packages import enter_wrong_codes, guess_code, send_code, verify_link, wrong_code
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction


def _ask_code(session, settings, token, now):
    org = organisation.current(session=session, settings=settings)
    sent = otp.request_code(
        session=session, secret_key=settings.secret_key, organisation=org, token=token, now=now
    )
    session.commit()
    return sent


def _token(outgoing) -> str:
    return re.search(r"/t/([A-Za-z0-9_\-]+)", outgoing.message.text).group(1)


def test_resend_issues_a_new_working_link_and_withdraws_the_earlier_ones(session, settings):
    created = make_transaction(session, settings)
    session_token = verify_link(session, settings, created.link_token)
    by = as_staff(session)
    first = actions.resend_link(
        session=session, settings=settings, transaction=created.transaction, by=by, now=utcnow()
    )
    session.commit()
    second = actions.resend_link(
        session=session, settings=settings, transaction=created.transaction, by=by, now=utcnow()
    )
    session.commit()
    token = _token(second)
    found = records.by_link(session=session, secret_key=settings.secret_key, token=token)
    assert found.id == created.transaction.id
    org = organisation.current(session=session, settings=settings)
    for old in (created.link_token, _token(first)):
        # The page of a withdrawn link is the one of an unknown link: "This link is not valid."
        with pytest.raises(LinkNotFound):
            links.open_link(
                session=session, secret_key=settings.secret_key, organisation=org, token=old, now=utcnow()
            )
    # The person, and their address, are the same: the session they verified stays open.
    assert sessions.resolve_session(
        session=session, secret_key=settings.secret_key, session_token=session_token, now=utcnow()
    )
    stored = session.exec(select(OutboxMessage)).all()
    assert all(token not in m.body_redacted for m in stored) and {m.purpose for m in stored} == {
        "link",
        "otp",
    }
    resent = session.exec(select(AuditEvent).where(AuditEvent.action == Action.LINK_RESENT)).all()
    assert resent[0].actor == audit.staff_actor("root") and "p***@e***.org" in resent[0].detail
    withdrawn = session.exec(select(AuditEvent).where(AuditEvent.action == Action.LINKS_WITHDRAWN)).all()
    assert [json.loads(e.detail) for e in withdrawn] == [{"links": 1, "why": "link resent"}] * 2
    assert withdrawn[0].actor == audit.staff_actor("root")


def test_resend_refuses_a_closed_package(session, settings):
    created = make_transaction(session, settings)
    created.transaction.status = TransactionStatus.REVOKED
    session.commit()
    with pytest.raises(PackageUnavailable):
        actions.resend_link(
            session=session,
            settings=settings,
            transaction=created.transaction,
            by=as_staff(session),
            now=utcnow(),
        )
    assert not session.exec(select(OutboxMessage)).all()


def test_unlock_gives_a_fresh_hourly_budget_of_codes(session, settings):
    created = make_transaction(session, settings)
    now = utcnow()
    for n in range(otp.CODES_PER_HOUR):
        _ask_code(session, settings, created.link_token, now + timedelta(seconds=n))
    later = now + timedelta(minutes=1)
    with pytest.raises(TooManyCodes):
        _ask_code(session, settings, created.link_token, later)
    actions.unlock_codes(session=session, transaction=created.transaction, by=as_staff(session), now=later)
    session.commit()
    for n in range(otp.CODES_PER_HOUR):
        _ask_code(session, settings, created.link_token, later + timedelta(seconds=n + 1))
    with pytest.raises(TooManyCodes):
        _ask_code(session, settings, created.link_token, later + timedelta(seconds=30))
    assert session.exec(select(AuditEvent).where(AuditEvent.action == Action.CODES_UNLOCKED)).one()


def test_only_the_audited_staff_unlock_lifts_the_lock_after_wrong_codes(session, settings):
    created = make_transaction(session, settings)
    start = utcnow()
    enter_wrong_codes(session, settings, created.link_token, otp.WRONG_CODES_BEFORE_LOCK, now=start)
    # Neither time nor the recipient lifts it.
    for later in (timedelta(hours=2), timedelta(days=2)):
        with pytest.raises(CodesLocked):
            _ask_code(session, settings, created.link_token, start + later)
    shown = tracking.details(session=session, transaction=created.transaction, now=start + timedelta(days=2))
    assert shown.codes.lock == otp.CodeLock.WRONG_CODES
    unlocked_at = start + timedelta(days=2, minutes=1)
    actions.unlock_codes(
        session=session, transaction=created.transaction, by=as_staff(session), now=unlocked_at, ip="10.0.0.5"
    )
    session.commit()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == Action.CODES_UNLOCKED)).one()
    assert event.actor == audit.staff_actor("root") and event.ip == "10.0.0.5"
    assert '"lock": "wrong_codes"' in event.detail and '"wrong_codes": 20' in event.detail
    # A fresh count: a new code works, and wrong ones count from zero again.
    code, _ = send_code(session, settings, created.link_token, now=unlocked_at + timedelta(seconds=1))
    with pytest.raises(CodeRejected) as rejected:
        guess_code(
            session, settings, created.link_token, wrong_code(code), now=unlocked_at + timedelta(seconds=2)
        )
    assert rejected.value.remaining == otp.TRIES_PER_CODE - 1
    assert guess_code(session, settings, created.link_token, code, now=unlocked_at + timedelta(seconds=3))


def test_unlock_voids_the_live_code(session, settings):
    created = make_transaction(session, settings)
    now = utcnow()
    code, _ = send_code(session, settings, created.link_token, now=now)
    actions.unlock_codes(session=session, transaction=created.transaction, by=as_staff(session), now=now)
    session.commit()
    # Its tries would escape the fresh count of wrong codes: the recipient asks for a new one.
    with pytest.raises(NoActiveCode):
        guess_code(session, settings, created.link_token, code, now=now + timedelta(seconds=1))


def test_staff_messages_join_the_thread_under_the_organisation_name(session, settings):
    created = make_transaction(session, settings)
    actions.add_message(
        session=session,
        settings=settings,
        transaction=created.transaction,
        by=as_staff(session),
        text="  Please call us.  ",
        now=utcnow(),
    )
    session.commit()
    message = session.exec(select(Message)).one()
    assert (message.text, message.author) == ("Please call us.", "St Elsewhere Hospital")
    with pytest.raises(ValidationFailed):
        actions.add_message(
            session=session,
            settings=settings,
            transaction=created.transaction,
            by=as_staff(session, admin=False),
            text="  ",
            now=utcnow(),
        )


def test_every_audited_event_moves_last_activity(session, settings):
    created = make_transaction(session, settings)
    t = created.transaction
    t.last_activity_at = utcnow() - timedelta(days=3)
    session.commit()
    before = t.last_activity_at
    _ask_code(session, settings, created.link_token, utcnow())
    session.refresh(t)
    assert t.last_activity_at > before
