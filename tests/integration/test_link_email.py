"""The link email goes over real SMTP (aiosmtpd) and says what the recipient needs, nothing more."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from sqlmodel import select

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.models import AuthMethod, OutboxMessage, OutboxStatus, utcnow
from iep_app.services import outbox
from iep_app.services.directory.contacts import ContactDetails
from tests.support.packages import by_email, share_report
from tests.support.smtp import SmtpSink, html_of, start_link, text_of

# What staff may write: a clinical detail that belongs behind the one-time password, not in a mailbox.
NOTE = "Small subdural haemorrhage on the left, please review"


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


async def test_link_email_arrives_over_smtp(session, settings, smtp, engine):
    settings = replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none")
    report = ingest_paths([Path(get_testdata_file("CT_small.dcm"))], FileStore(settings.store_dir))
    shared = share_report(
        session,
        settings,
        report,
        ContactDetails(email="pat@example.org", auth_method=AuthMethod.SMS, auth_mobile="+447911123456"),
        message=NOTE,
    )
    status = await outbox.deliver(shared.outgoing, settings=settings, now=utcnow(), engine=engine)
    assert status == OutboxStatus.SENT
    message = smtp.wait_for(to="pat@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert start_link(message) == shared.link_url
    html = html_of(message)
    assert "Click here to start" in html and settings.org_name in text_of(message)
    assert shared.transaction.public_id in text_of(message)
    patient_name = str(report.instances[0].patient["PatientName"])
    patient_id = str(report.instances[0].patient["PatientID"])
    for secret in (patient_name, patient_id, NOTE, "haemorrhage"):
        assert secret not in text_of(message) and secret not in html
        assert secret.encode() not in message.as_bytes()
    assert "left you a message" in text_of(message)
    session.expire_all()
    row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.SENT and row.sent_at is not None
    assert NOTE not in row.body_redacted


async def test_unreachable_smtp_is_recorded_as_failed(session, settings, engine):
    from tests.support.smtp import free_port

    settings = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="none")
    report = ingest_paths([Path(get_testdata_file("CT_small.dcm"))], FileStore(settings.store_dir))
    shared = share_report(session, settings, report, by_email("pat@example.org", "codes@example.org"))
    status = await outbox.deliver(shared.outgoing, settings=settings, now=utcnow(), engine=engine)
    assert status == OutboxStatus.FAILED
    session.expire_all()
    row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.FAILED and row.last_error
