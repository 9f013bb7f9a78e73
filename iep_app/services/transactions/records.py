"""Transactions: creating packages, their public IDs, and whether they may still be opened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from iep_app.models import (
    AccessLink,
    DisplayStatus,
    Individual,
    Instance,
    Organisation,
    Progress,
    Series,
    Study,
    Transaction,
    TransactionInstance,
    TransactionStatus,
    pk,
)
from iep_app.services import secrets
from iep_app.services.directory.contacts import auth_destination
from iep_app.services.errors import LinkNotFound, PackageUnavailable, invalid

LINK_PURPOSE = "link"
# Forwards of forwards: a guard against a cycle in corrupt data, far above real chains.
_MAX_CHAIN = 100
_PROGRESS_ORDER = list(Progress)


def public_id_for(prefix: str, number: int) -> str:
    """The public transaction ID: prefix and six digits (NS000708), more when needed."""
    return f"{prefix}{number:06d}"


def retention_until(*, organisation: Organisation, now: datetime, days: int | None = None) -> datetime:
    """When a package made now stops being available.

    Raises:
        ValidationFailed: the days asked for are outside what the organisation allows.
    """
    days = organisation.retention_days if days is None else days
    if not 1 <= days <= organisation.max_retention_days:
        raise invalid("retention_days", "invalid.retention_days", max=organisation.max_retention_days)
    return now + timedelta(days=days)


@dataclass(frozen=True)
class NewTransaction:
    """A created transaction and the one copy of its link token that will ever exist."""

    transaction: Transaction
    link_token: str


def issue_link(*, session: Session, secret_key: str, transaction: Transaction) -> str:
    """Make a new access link for a transaction; only its hash is kept."""
    token = secrets.new_token()
    session.add(
        AccessLink(
            transaction_pk=pk(transaction),
            token_hash=secrets.token_hash(secret_key, LINK_PURPOSE, token),
        )
    )
    session.flush()
    return token


def create(
    *,
    session: Session,
    secret_key: str,
    organisation: Organisation,
    recipient: Individual,
    instances: Sequence[Instance],
    available_until: datetime,
    sent_by: str,
    parent: Transaction | None = None,
    forward_key: str | None = None,
    now: datetime,
) -> NewTransaction:
    """Create a transaction with the next public ID, its instances and an access link.

    A forward passes its parent and its wizard's idempotency key (unique in the table).

    The ID comes from the row's own autoincrement key, which both SQLite and PostgreSQL
    hand out without collisions however many workers create packages at once.
    """
    transaction = Transaction(
        recipient_pk=pk(recipient),
        parent_pk=pk(parent) if parent else None,
        forward_key=forward_key,
        patient_pk=patient_of(session=session, instances=instances),
        sent_by=sent_by[:200],
        auth_method=recipient.auth_method,
        auth_destination=auth_destination(recipient),
        language=recipient.preferred_language,
        created_at=now,
        available_until=available_until,
        last_activity_at=now,
    )
    session.add(transaction)
    session.flush()
    transaction.public_id = public_id_for(organisation.transaction_prefix, pk(transaction))
    for instance in instances:
        session.add(TransactionInstance(transaction_pk=pk(transaction), instance_pk=pk(instance)))
    session.flush()
    token = issue_link(session=session, secret_key=secret_key, transaction=transaction)
    return NewTransaction(transaction=transaction, link_token=token)


def patient_of(*, session: Session, instances: Sequence[Instance]) -> int | None:
    """The patient whose images these are (the first, should files disagree), or None."""
    series_pks = {i.series_pk for i in instances}
    if not series_pks:
        return None
    query = (
        select(Study.patient_pk)
        .join(Series, col(Series.study_pk) == col(Study.id))
        .where(col(Series.id).in_(series_pks))
        .order_by(col(Study.patient_pk))
    )
    return session.exec(query).first()


def by_link(*, session: Session, secret_key: str, token: str) -> Transaction:
    """The transaction an emailed link points at.

    Raises:
        LinkNotFound: no such link, or it was withdrawn.
    """
    if not token or len(token) > 128:
        raise LinkNotFound()
    digest = secrets.token_hash(secret_key, LINK_PURPOSE, token)
    link = session.exec(select(AccessLink).where(AccessLink.token_hash == digest)).first()
    if link is None or link.revoked_at is not None:
        raise LinkNotFound()
    transaction = session.get(Transaction, link.transaction_pk)
    if transaction is None:
        raise LinkNotFound()
    return transaction


def root_of(*, session: Session, transaction: Transaction) -> Transaction:
    """The package a chain of forwards started from: follow parent_pk up (itself when it has none)."""
    current = transaction
    for _ in range(_MAX_CHAIN):
        if current.parent_pk is None:
            return current
        parent = session.get(Transaction, current.parent_pk)
        if parent is None:
            return current
        current = parent
    return current


def unavailable_reason(transaction: Transaction, now: datetime) -> DisplayStatus | None:
    """Why a package cannot be opened now (declined, revoked, expired), or None."""
    if transaction.status == TransactionStatus.DECLINED:
        return DisplayStatus.DECLINED
    if transaction.status == TransactionStatus.REVOKED:
        return DisplayStatus.REVOKED
    if transaction.available_until <= now:
        return DisplayStatus.EXPIRED
    return None


def ensure_available(transaction: Transaction, now: datetime) -> None:
    """Raises PackageUnavailable unless the package may be opened now."""
    reason = unavailable_reason(transaction, now)
    if reason is not None:
        raise PackageUnavailable(reason)


def advance(transaction: Transaction, progress: Progress, now: datetime) -> None:
    """Record activity; progress only ever moves forward."""
    if _PROGRESS_ORDER.index(progress) > _PROGRESS_ORDER.index(transaction.progress):
        transaction.progress = progress
    transaction.last_activity_at = now
