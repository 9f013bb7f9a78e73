"""Declining a package: marked, notified (transaction ID and reason only), session ended; both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, OutboxMessage, TransactionStatus, utcnow
from iep_app.services import organisation
from iep_app.services.errors import PackageUnavailable, ValidationFailed
from iep_app.services.recipient import links, sessions
from iep_app.services.transactions import declining
from tests.support.packages import link_token, verify_link
from tests.unit.services.factories import make_shared


def _verified(session, settings):
    shared = make_shared(session, settings)
    token = link_token(shared)
    return shared.transaction, token, verify_link(session, settings, token)


def _decline(session, settings, transaction, session_token, code="", other=""):
    outgoing = declining.decline(
        session=session,
        settings=settings,
        transaction=transaction,
        session_token=session_token,
        reason_code=code,
        other_text=other,
        now=utcnow(),
    )
    session.commit()
    return outgoing


def test_decline_marks_the_package_and_tells_the_organisation(session, settings):
    transaction, token, session_token = _verified(session, settings)
    outgoing = _decline(session, settings, transaction, session_token, "wrong_patient")

    assert transaction.status == TransactionStatus.DECLINED
    assert transaction.decline_reason == "Wrong patient"
    assert outgoing.to == "imaging@stelsewhere.example.org"
    text = outgoing.message.text
    assert transaction.public_id in outgoing.message.subject and "Wrong patient" in text
    for private in ("Robin", "Hood", "robin@example.org", "CompressedSamples", "MR1"):
        assert private not in text
    stored = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "decline")).one()
    assert stored.to_address == "imaging@stelsewhere.example.org"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "declined")).one()
    assert event.transaction_pk == transaction.id and "Wrong patient" in event.detail


def test_after_a_decline_the_session_and_the_link_are_dead(session, settings):
    transaction, token, session_token = _verified(session, settings)
    _decline(session, settings, transaction, session_token)
    with pytest.raises(PackageUnavailable) as ended:
        sessions.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=session_token, now=utcnow()
        )
    assert ended.value.reason == "declined"
    with pytest.raises(PackageUnavailable) as closed:
        links.open_link(
            session=session,
            secret_key=settings.secret_key,
            organisation=organisation.current(session=session, settings=settings),
            token=token,
            now=utcnow(),
        )
    assert closed.value.reason == "declined"
    assert transaction.decline_reason == ""


def test_other_needs_words_and_the_words_are_sent(session, settings):
    transaction, _, session_token = _verified(session, settings)
    with pytest.raises(ValidationFailed) as failure:
        _decline(session, settings, transaction, session_token, "other", "   ")
    session.rollback()
    assert failure.value.field == "other"
    session.refresh(transaction)
    assert transaction.status == TransactionStatus.ACTIVE
    outgoing = _decline(session, settings, transaction, session_token, "other", "Already\nhave them")
    assert transaction.decline_reason == "Other: Already have them"
    assert "Other: Already have them" in outgoing.message.text


def test_an_unknown_reason_is_refused(session, settings):
    transaction, _, session_token = _verified(session, settings)
    with pytest.raises(ValidationFailed) as failure:
        _decline(session, settings, transaction, session_token, "drop table")
    assert failure.value.field == "reason"


def test_a_package_is_declined_once(session, settings):
    transaction, _, session_token = _verified(session, settings)
    _decline(session, settings, transaction, session_token, "not_needed")
    with pytest.raises(PackageUnavailable):
        _decline(session, settings, transaction, session_token, "sent_by_mistake")
    session.rollback()
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "decline")).all()) == 1
    session.refresh(transaction)
    assert transaction.decline_reason == "Not needed"
