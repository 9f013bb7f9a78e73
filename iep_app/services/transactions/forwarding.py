"""Forwarding a package: a new transaction for a new recipient, pointing at the same images."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from iep_app.models import Individual, Progress, Transaction
from iep_app.services import audit, organisation, outbox, ratelimit, secrets
from iep_app.services.audit import Action
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NotAllowed, invalid
from iep_app.services.images import studies
from iep_app.services.transactions import messages, records, sharing
from iep_app.settings import Settings

# A forward must stay open long enough for its recipient to read the email.
MIN_NOTICE = timedelta(hours=1)
NO_NHS_NUMBER = "No NHS number has been specified."


@dataclass(frozen=True)
class RetentionWindow:
    """The dates a forward may be available until, and the one offered first."""

    earliest: datetime
    default: datetime
    latest: datetime


@dataclass(frozen=True)
class ForwardRequest:
    """What the forward wizard collected, already checked step by step."""

    available_until: datetime
    recipient_email: str = ""  # an individual already in the directory, or:
    new_contact: ContactDetails | None = None  # a new one
    patient_identifier: str = ""
    clinical_context: str = ""
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Forwarded:
    """The forward's transaction; `outgoing` is None when an earlier Finish had made it."""

    transaction: Transaction
    masked_to: str
    outgoing: outbox.Outgoing | None

    @property
    def replayed(self) -> bool:
        return self.outgoing is None


def new_key() -> str:
    """A random idempotency key for one forward wizard (kept server-side)."""
    return secrets.new_token()


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def retention_window(
    *, session: Session, settings: Settings, transaction: Transaction, now: datetime
) -> RetentionWindow:
    """When a forward of this package may stop being available.

    The default is now plus the organisation's retention. The latest is the organisation's
    maximum retention counted from when it first shared these images (the root of the chain
    of forwards): a forward may outlive the package it came from, but no chain of forwards
    keeps the organisation's data out longer than the organisation allows.
    """
    org = organisation.current(session=session, settings=settings)
    root = records.root_of(session=session, transaction=transaction)
    longest = timedelta(days=org.max_retention_days)
    latest = _minute(min(now + longest, root.created_at + longest))
    default = min(_minute(now + timedelta(days=org.retention_days)), latest)
    return RetentionWindow(earliest=now + MIN_NOTICE, default=default, latest=latest)


def check_until(until: datetime, window: RetentionWindow) -> None:
    """Raises ValidationFailed ("until") unless the date is inside the window."""
    if until < window.earliest:
        raise invalid("until", "invalid.until_too_soon")
    if until > window.latest:
        raise invalid("until", "invalid.until_too_late", date=window.latest)


def _recipient(session: Session, request: ForwardRequest) -> Individual:
    if request.new_contact is not None:
        clean = contacts.validated(request.new_contact)
        # A recipient may add people to the directory but never change who is in it:
        # otherwise they could redirect someone else's one-time passwords.
        if contacts.find_by_email(session=session, email=clean.email) is not None:
            raise invalid("email", "invalid.email_exists")
        return contacts.find_or_create(session=session, details=clean)
    found = contacts.find_by_email(session=session, email=request.recipient_email)
    if found is None:
        raise invalid("recipient_email", "invalid.recipient_unknown")
    return found


def display_name(individual: Individual | None) -> str:
    """How a recipient signs what they add to a thread: their name, else their address."""
    if individual is None:
        return ""
    name = " ".join(p for p in (individual.first_name, individual.last_name) if p)
    return name or individual.email


def _identifier_message(identifier: str) -> str:
    if not identifier:
        return NO_NHS_NUMBER
    if identifier.replace(" ", "").isdigit():
        return f"NHS number: {identifier}"
    return f"Local patient identifier: {identifier}"


def _add_new_messages(
    session: Session, transaction: Transaction, author: str, request: ForwardRequest, now: datetime
) -> None:
    messages.add(
        session=session,
        transaction=transaction,
        author="System",
        text=_identifier_message(request.patient_identifier),
        is_system=True,
        now=now,
    )
    texts = [request.clinical_context] if request.clinical_context.strip() else []
    for text in [*texts, *request.messages]:
        messages.add(session=session, transaction=transaction, author=author, text=text, now=now)


def _lock(session: Session, transaction: Transaction, now: datetime) -> Transaction:
    # Writing the parent row first serialises forwards of one package: PostgreSQL holds
    # the row lock, SQLite the database write lock, until this work commits. A second
    # Finish with the same key then waits here and finds the first one's transaction.
    session.exec(
        update(Transaction).where(col(Transaction.id) == transaction.id).values(last_activity_at=now)
    )
    locked = session.get(Transaction, transaction.id, populate_existing=True)
    assert locked is not None and locked.id is not None
    return locked


def forward(
    *,
    session: Session,
    settings: Settings,
    from_transaction: Transaction,
    request: ForwardRequest,
    key: str,
    now: datetime,
    ip: str = "",
) -> Forwarded:
    """Forward a package: same stored images (no copy), its thread, and a new link email.

    Idempotent per key: a second call with the same key (a double click, a replayed event,
    another worker) returns the first call's transaction and queues nothing.

    Args:
        session: the database session; commit it, then deliver `outgoing`.
        settings: the settings (secret key, public URL).
        from_transaction: the package of the verified recipient who forwards it.
        request: what the wizard collected.
        key: the wizard's idempotency key, from new_key().
        now: the current time.
        ip: the forwarding recipient's address, for the audit trail.

    Returns:
        The new transaction, the masked destination, and the queued link email.

    Raises:
        PackageUnavailable: the package expired, was declined or revoked meanwhile.
        ValidationFailed: unknown recipient, a "new" one that exists, a date outside the
            window, or an unacceptable message.
        NotAllowed: the key is malformed or belongs to another package's forward.
    """
    if not key or len(key) > 64:
        raise NotAllowed()
    parent = _lock(session, from_transaction, now)
    earlier = session.exec(select(Transaction).where(Transaction.forward_key == key)).first()
    if earlier is not None:
        if earlier.parent_pk != parent.id:
            raise NotAllowed()
        recipient = session.get(Individual, earlier.recipient_pk)
        masked = outbox.masked(outbox.EMAIL, recipient.email if recipient else "")
        return Forwarded(transaction=earlier, masked_to=masked, outgoing=None)
    records.ensure_available(parent, now)
    assert parent.id is not None
    # Counted under the parent's row lock, after the replay check: a double click is free.
    if not ratelimit.allow(session=session, policy=ratelimit.FORWARDS, key=parent.public_id or "", now=now):
        raise invalid("recipient_email", "invalid.too_many_forwards", limit=ratelimit.FORWARDS.budget)
    check_until(
        request.available_until,
        retention_window(session=session, settings=settings, transaction=parent, now=now),
    )
    recipient = _recipient(session, request)
    author = display_name(session.get(Individual, parent.recipient_pk))
    created = records.create(
        session=session,
        secret_key=settings.secret_key,
        organisation=organisation.current(session=session, settings=settings),
        recipient=recipient,
        instances=studies.instances_of(session=session, transaction_pk=parent.id),
        available_until=request.available_until,
        sent_by=author,
        parent=parent,
        forward_key=key,
        now=now,
    )
    new = created.transaction
    messages.copy_thread(session=session, from_transaction_pk=parent.id, to_transaction=new)
    _add_new_messages(session, new, author, request, now)
    outgoing = sharing.queue_link_email(
        session=session,
        settings=settings,
        transaction=new,
        link_token=created.link_token,
    )
    records.advance(parent, Progress.FORWARDED, now)
    masked = outbox.masked(outbox.EMAIL, recipient.email)
    audit.record(
        session=session,
        now=now,
        action=Action.FORWARDED,
        actor=audit.RECIPIENT,
        transaction_pk=parent.id,
        ip=ip,
        to=masked,
        forward=new.public_id,
    )
    audit.record(
        session=session,
        now=now,
        action=Action.LINK_SENT,
        actor=audit.RECIPIENT,
        transaction_pk=new.id,
        ip=ip,
        to=masked,
        forwarded_from=parent.public_id,
    )
    return Forwarded(transaction=new, masked_to=masked, outgoing=outgoing)
