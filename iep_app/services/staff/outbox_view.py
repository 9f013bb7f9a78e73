"""The outbox as staff see it: every email and SMS with its delivery status, and retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.models import OutboxMessage, OutboxStatus, Transaction
from iep_app.notify.templates import RenderedMessage
from iep_app.services import audit, outbox
from iep_app.services.audit import Action
from iep_app.services.errors import DomainError, NotAllowed
from iep_app.services.staff import actions
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.settings import Settings

PAGE_SIZE = 50
STATUSES = [s.value for s in OutboxStatus]


class NotRetried(DomainError):
    """This message is not sent again; `reason` says why (a code, or nothing failed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    message: OutboxMessage
    public_id: str


def recent(
    *, session: Session, status: str = "", before_pk: int | None = None, limit: int = PAGE_SIZE
) -> list[Delivery]:
    """The newest messages first, optionally of one status, older than `before_pk` (keyset)."""
    query = select(OutboxMessage, Transaction.public_id).outerjoin(
        Transaction, col(Transaction.id) == col(OutboxMessage.transaction_pk)
    )
    if status in STATUSES:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if before_pk is not None:
        query = query.where(col(OutboxMessage.id) < before_pk)
    rows = session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit))
    return [Delivery(message=m, public_id=p or "") for m, p in rows]


def retry(
    *,
    session: Session,
    settings: Settings,
    outbox_pk: int,
    by: StaffIdentity,
    now: datetime,
    ip: str = "",
) -> outbox.Outgoing:
    """Queue a failed message again, to deliver once the caller has committed.

    Stored bodies are redacted, so a link email is not resent as stored: the recipient gets
    a fresh link. A one-time password is never resent: the recipient asks for a new code.

    Raises:
        NotAllowed: no such message.
        NotRetried: the message did not fail, was retried already, or is a one-time password.
        PackageUnavailable: a link email for a package that is closed now.
    """
    row = session.get(OutboxMessage, outbox_pk) if isinstance(outbox_pk, int) else None
    if row is None:
        raise NotAllowed()
    if row.status != OutboxStatus.FAILED or row.retried_at is not None:
        raise NotRetried("not failed")
    if row.purpose == "otp":
        raise NotRetried("code")
    if row.purpose == "link" and row.transaction_pk is not None:
        transaction = session.get(Transaction, row.transaction_pk)
        assert transaction is not None
        outgoing = actions.resend_link(
            session=session, settings=settings, transaction=transaction, by=by, now=now, ip=ip
        )
    else:
        # Nothing secret was redacted from these: the stored text is the message.
        stored = RenderedMessage(subject=row.subject, text=row.body_redacted, html=None)
        outgoing = outbox.queue(
            session=session,
            channel=row.channel,
            purpose=row.purpose,
            to=row.to_address,
            transaction_pk=row.transaction_pk,
            message=stored,
            redacted=stored,
        )
    row.retried_at = now
    session.add(row)
    audit.record(
        session=session,
        now=now,
        action=Action.OUTBOX_RETRIED,
        actor=by.actor,
        transaction_pk=row.transaction_pk,
        ip=ip,
        message=row.id,
        retry=outgoing.outbox_pk,
    )
    return outgoing
