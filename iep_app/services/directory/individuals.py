"""The individuals directory as staff use it: find people, edit their details, see their packages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from iep_app.models import Individual, Transaction, TransactionStatus, pk
from iep_app.services import audit, outbox
from iep_app.services.audit import Action
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NotAllowed, invalid
from iep_app.services.staff import actions
from iep_app.services.staff.search import contains_text
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.transactions import records, withdrawal
from iep_app.settings import Settings

SEARCH_LIMIT = 20


def search(*, session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[Individual]:
    """People whose email contains the text, or whose names hold every word of it."""
    text = (text or "").strip()[:100]
    query = select(Individual)
    if text:
        words = text.split()
        names = and_(
            *[
                or_(contains_text(Individual.first_name, w), contains_text(Individual.last_name, w))
                for w in words
            ]
        )
        query = query.where(or_(contains_text(Individual.email, text), names))
    return list(session.exec(query.order_by(col(Individual.email)).limit(limit)))


def get(*, session: Session, individual_pk: int) -> Individual:
    """One individual.

    Raises:
        NotAllowed: there is no such individual.
    """
    person = session.get(Individual, individual_pk) if isinstance(individual_pk, int) else None
    if person is None:
        raise NotAllowed()
    return person


def details_of(person: Individual) -> ContactDetails:
    """An individual's details in the form staff edit them."""
    return ContactDetails(
        email=person.email,
        auth_method=person.auth_method,
        auth_mobile=person.auth_mobile,
        auth_email=person.auth_email,
        first_name=person.first_name,
        last_name=person.last_name,
        address=person.address,
        phone=person.phone,
        preferred_language=person.preferred_language,
    )


@dataclass(frozen=True)
class Updated:
    """What saving an individual changed beyond their own row."""

    moved: int  # open packages now using the new authentication channel
    relinked: tuple[outbox.Outgoing, ...] = ()  # fresh links to a new address, to deliver after commit


def update(
    *,
    session: Session,
    settings: Settings,
    individual_pk: int,
    details: ContactDetails,
    by: StaffIdentity,
    now: datetime,
    ip: str = "",
) -> Updated:
    """Change an individual's contact and authentication details.

    Packages still open for them switch to the new authentication channel at once, so a
    patient who changed phone can get codes again; each such change is on its timeline.
    A new email address withdraws their packages' links and ends their verified sessions
    (whoever reads the old address may not be who was meant), and emails a fresh link to the
    new address for each package still open.

    Returns:
        How many open packages use the new channel, and the link emails to deliver.

    Raises:
        NotAllowed: no such individual.
        ValidationFailed: bad details, or the email belongs to someone else.
    """
    person = get(session=session, individual_pk=individual_pk)
    clean = contacts.validated(details)
    other = contacts.find_by_email(session=session, email=clean.email)
    if other is not None and other.id != person.id:
        raise invalid("email_taken", "admin.send.bad_email_taken")
    changed = [k for k, v in vars(clean).items() if getattr(person, k) != v]
    new_address = "email" in changed
    for name, value in vars(clean).items():
        setattr(person, name, value)
    session.add(person)
    audit.record(
        session=session,
        now=now,
        action=Action.INDIVIDUAL_UPDATED,
        actor=by.actor,
        ip=ip,
        individual=person.id,
        fields=",".join(sorted(changed)),
    )
    destination = contacts.auth_destination(person)
    open_packages = session.exec(
        select(Transaction).where(
            Transaction.recipient_pk == person.id,
            Transaction.status == TransactionStatus.ACTIVE,
            col(Transaction.available_until) > now,
        )
    ).all()
    moved = 0
    for transaction in open_packages:
        if (transaction.auth_method, transaction.auth_destination) == (
            person.auth_method,
            destination,
        ):
            continue
        transaction.auth_method, transaction.auth_destination = person.auth_method, destination
        session.add(transaction)
        audit.record(
            session=session,
            now=now,
            action=Action.AUTH_CHANGED,
            actor=by.actor,
            transaction_pk=transaction.id,
            ip=ip,
            channel=person.auth_method.value,
        )
        moved += 1
    relinked = _relink(session, settings, person, by, now, ip) if new_address else ()
    return Updated(moved=moved, relinked=relinked)


def _relink(
    session: Session, settings: Settings, person: Individual, by: StaffIdentity, now: datetime, ip: str
) -> tuple[outbox.Outgoing, ...]:
    # Expired packages lose their links too: staff may extend them, and the old address must
    # not open them then. Declined and revoked ones can never be opened again.
    packages = session.exec(
        select(Transaction).where(
            Transaction.recipient_pk == person.id, Transaction.status == TransactionStatus.ACTIVE
        )
    ).all()
    sent = []
    for transaction in packages:
        withdrawal.withdraw(
            session=session,
            transaction_pk=pk(transaction),
            actor=by.actor,
            why=withdrawal.ADDRESS_CHANGED,
            now=now,
            ip=ip,
            end_sessions=True,
        )
        if records.unavailable_reason(transaction, now) is None:
            sent.append(
                actions.resend_link(
                    session=session, settings=settings, transaction=transaction, by=by, now=now, ip=ip
                )
            )
    return tuple(sent)
