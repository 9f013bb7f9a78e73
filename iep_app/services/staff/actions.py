"""What staff do for one recipient: send the link again, unlock codes, write in the thread."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from iep_app.models import Message, Transaction, pk
from iep_app.services import audit, organisation, outbox
from iep_app.services.audit import Action
from iep_app.services.recipient import otp
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.transactions import messages, records, sharing, withdrawal
from iep_app.settings import Settings


def resend_link(
    *,
    session: Session,
    settings: Settings,
    transaction: Transaction,
    by: StaffIdentity,
    now: datetime,
    ip: str = "",
) -> outbox.Outgoing:
    """Email the recipient a fresh link; every earlier link of the package stops working.

    Stored links are only hashes, so a new one is made; withdrawing the others means a link
    that went astray (a mistyped address, an old mailbox) cannot be used once staff resend.
    Verified sessions stay open: the address, and so the person, is the same.

    Returns:
        The queued email, to deliver once the caller has committed.

    Raises:
        PackageUnavailable: the package expired, was declined or revoked.
    """
    records.ensure_available(transaction, now)
    withdrawal.withdraw(
        session=session,
        transaction_pk=pk(transaction),
        actor=by.actor,
        why=withdrawal.LINK_RESENT,
        now=now,
        ip=ip,
    )
    token = records.issue_link(session=session, secret_key=settings.secret_key, transaction=transaction)
    outgoing = sharing.queue_link_email(
        session=session,
        settings=settings,
        transaction=transaction,
        link_token=token,
    )
    audit.record(
        session=session,
        now=now,
        action=Action.LINK_RESENT,
        actor=by.actor,
        transaction_pk=transaction.id,
        ip=ip,
        to=outbox.masked(outbox.EMAIL, outgoing.to),
    )
    return outgoing


def unlock_codes(
    *, session: Session, transaction: Transaction, by: StaffIdentity, now: datetime, ip: str = ""
) -> None:
    """Give the recipient fresh budgets of one-time passwords, and lift the lock after wrong codes.

    This is the only way to lift that lock (recipient.otp.WRONG_CODES_BEFORE_LOCK). The live
    code, if any, is voided, so the recipient simply asks for a new one.

    Raises:
        PackageUnavailable: the package expired, was declined or revoked.
    """
    records.ensure_available(transaction, now)
    before = otp.unlock(session=session, transaction=transaction, now=now)
    audit.record(
        session=session,
        now=now,
        action=Action.CODES_UNLOCKED,
        actor=by.actor,
        transaction_pk=transaction.id,
        ip=ip,
        lock=before.lock.value,
        wrong_codes=before.wrong_codes,
    )


def add_message(
    *,
    session: Session,
    settings: Settings,
    transaction: Transaction,
    by: StaffIdentity,
    text: str,
    now: datetime,
    ip: str = "",
) -> Message:
    """Add a staff message to the thread, signed with the organisation's name.

    Raises:
        ValidationFailed: empty or too long.
    """
    org = organisation.current(session=session, settings=settings)
    message = messages.add(session=session, transaction=transaction, author=org.name, text=text, now=now)
    audit.record(
        session=session,
        now=now,
        action=Action.MESSAGE_ADDED,
        actor=by.actor,
        transaction_pk=transaction.id,
        ip=ip,
        length=len(message.text),
    )
    return message
