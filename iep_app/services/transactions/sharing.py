"""Sharing a study: index what was ingested, create the package, and queue the link email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlmodel import Session

from iep_app import routes
from iep_app.dicom.index import InstanceKind
from iep_app.dicom.ingest import IngestReport
from iep_app.models import Instance, Transaction
from iep_app.notify import templates
from iep_app.services import audit, organisation, outbox
from iep_app.services.audit import Action
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NothingToShare
from iep_app.services.images import studies
from iep_app.services.transactions import messages, records
from iep_app.settings import Settings


@dataclass(frozen=True)
class Shared:
    """The result of a share, for the CLI or the staff page to report."""

    transaction: Transaction
    link_url: str
    outgoing: outbox.Outgoing
    instances: list[Instance]
    study_count: int
    series_count: int


def queue_link_email(
    *,
    session: Session,
    settings: Settings,
    transaction: Transaction,
    link_token: str,
) -> outbox.Outgoing:
    """Queue the "Click here to start" email for a transaction's recipient.

    The email says whether a message is waiting, never what it says: the thread is read on
    the package's page, after the one-time password.
    """
    org = organisation.current(session=session, settings=settings)
    recipient = session.get(contacts.Individual, transaction.recipient_pk)
    assert recipient is not None
    render = partial(
        templates.link_email,
        lang=transaction.language,
        organisation=org.name,
        recipient_name=" ".join(p for p in (recipient.first_name, recipient.last_name) if p),
        available_until=transaction.available_until,
        transaction_id=transaction.public_id or "",
        message_waiting=bool(messages.thread(session=session, transaction_pk=transaction.id or 0)),
    )
    return outbox.queue(
        session=session,
        channel=outbox.EMAIL,
        purpose="link",
        to=recipient.email,
        transaction_pk=transaction.id,
        reply_to=org.email,
        message=render(link_url=routes.link_url(settings.public_url, link_token)),
        redacted=render(link_url=routes.redacted_link_url(settings.public_url)),
    )


def share(
    *,
    session: Session,
    settings: Settings,
    report: IngestReport,
    recipient: ContactDetails,
    message: str | None,
    retention_days: int | None,
    sent_by: str,
    actor: str,
    now: datetime,
) -> Shared:
    """Create a package from an ingest report for one recipient.

    Raises:
        NothingToShare: the report holds no image; nothing is created.
        ValidationFailed: the recipient details or retention are not acceptable.
    """
    if not any(item.kind == InstanceKind.IMAGE for item in report.instances):
        raise NothingToShare("No usable image was found in what was given.")
    org = organisation.current(session=session, settings=settings)
    until = records.retention_until(organisation=org, now=now, days=retention_days)
    individual = contacts.find_or_create(session=session, details=recipient)
    rows = studies.index_instances(session=session, items=report.instances)
    created = records.create(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        recipient=individual,
        instances=rows,
        available_until=until,
        sent_by=sent_by,
        now=now,
    )
    transaction = created.transaction
    if message and message.strip():
        messages.add(session=session, transaction=transaction, author=sent_by, text=message, now=now)
    outgoing = queue_link_email(
        session=session,
        settings=settings,
        transaction=transaction,
        link_token=created.link_token,
    )
    series = {item.series["SeriesInstanceUID"] for item in report.instances}
    study_uids = {item.study["StudyInstanceUID"] for item in report.instances}
    audit.record(
        session=session,
        now=now,
        action=Action.SHARED,
        actor=actor,
        transaction_pk=transaction.id,
        instances=len(rows),
        series=len(series),
        studies=len(study_uids),
    )
    audit.record(
        session=session,
        now=now,
        action=Action.LINK_SENT,
        actor=actor,
        transaction_pk=transaction.id,
        to=outbox.masked(outbox.EMAIL, individual.email),
    )
    return Shared(
        transaction=transaction,
        link_url=routes.link_url(settings.public_url, created.link_token),
        outgoing=outgoing,
        instances=rows,
        study_count=len(study_uids),
        series_count=len(series),
    )
