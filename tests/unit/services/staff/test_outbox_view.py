"""The staff outbox: listing by status and retrying failed messages (fresh link, never a code)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from iep_app.models import OutboxMessage, OutboxStatus, TransactionStatus, utcnow
from iep_app.notify.templates import RenderedMessage
from iep_app.services import organisation, outbox
from iep_app.services.errors import LinkNotFound, NotAllowed, PackageUnavailable
from iep_app.services.recipient.otp import request_code
from iep_app.services.staff import outbox_view
from iep_app.services.staff.outbox_view import NotRetried
from iep_app.services.transactions import records, sharing
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction


def _failed_link(session, settings):
    created = make_transaction(session, settings)
    sharing.queue_link_email(
        session=session,
        settings=settings,
        transaction=created.transaction,
        link_token=created.link_token,
    )
    row = session.exec(select(OutboxMessage)).one()
    row.status, row.last_error = OutboxStatus.FAILED, "550 mailbox unavailable"
    session.commit()
    return created, row


def _retry(session, settings, pk, by=None):
    return outbox_view.retry(
        session=session, settings=settings, outbox_pk=pk, by=by or as_staff(session), now=utcnow()
    )


def test_a_failed_link_email_is_retried_with_a_fresh_link(session, settings):
    created, row = _failed_link(session, settings)
    outgoing = _retry(session, settings, row.id)
    session.commit()
    token = re.search(r"/t/([A-Za-z0-9_\-]+)", outgoing.message.text).group(1)
    found = records.by_link(session=session, secret_key=settings.secret_key, token=token)
    assert found.id == created.transaction.id
    with pytest.raises(LinkNotFound):  # the link of the email that failed is withdrawn
        records.by_link(session=session, secret_key=settings.secret_key, token=created.link_token)
    session.refresh(row)
    assert row.retried_at is not None
    assert [d.message.id for d in outbox_view.recent(session=session)] == [
        outgoing.outbox_pk,
        row.id,
    ]
    assert [d.public_id for d in outbox_view.recent(session=session, status="failed")] == [
        created.transaction.public_id
    ]
    with pytest.raises(NotRetried):
        _retry(session, settings, row.id)  # a double click


def test_codes_are_never_resent_and_sent_messages_are_not_retried(session, settings):
    created = make_transaction(session, settings)
    request_code(
        session=session,
        secret_key=settings.secret_key,
        organisation=organisation.current(session=session, settings=settings),
        token=created.link_token,
        now=utcnow(),
    )
    row = session.exec(select(OutboxMessage)).one()
    with pytest.raises(NotRetried, match="not failed"):
        _retry(session, settings, row.id)
    row.status = OutboxStatus.FAILED
    session.commit()
    with pytest.raises(NotRetried, match="code"):
        _retry(session, settings, row.id)
    with pytest.raises(NotAllowed):
        _retry(session, settings, 999)


def test_a_closed_package_gets_no_new_link(session, settings):
    created, row = _failed_link(session, settings)
    created.transaction.status = TransactionStatus.REVOKED
    session.commit()
    with pytest.raises(PackageUnavailable):
        _retry(session, settings, row.id)


def test_other_messages_are_resent_as_stored(session, settings):
    message = RenderedMessage(subject="Declined NS000001", text="The recipient declined.", html=None)
    queued = outbox.queue(
        session=session,
        channel=outbox.EMAIL,
        purpose="decline",
        to="imaging@example.org",
        message=message,
        redacted=message,
    )
    session.get(OutboxMessage, queued.outbox_pk).status = OutboxStatus.FAILED
    session.commit()
    again = _retry(session, settings, queued.outbox_pk)
    assert again.message.text == "The recipient declined." and again.to == "imaging@example.org"
