"""What happened to one transaction, for staff: details, forward tree, message thread, timeline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.models import (
    AuditEvent,
    DisplayStatus,
    Individual,
    Patient,
    Transaction,
)
from iep_app.services import audit
from iep_app.services.errors import NotAllowed
from iep_app.services.images import studies
from iep_app.services.recipient import otp
from iep_app.services.staff.search import display_status

MAX_TREE = 500  # a forward chain longer than this is cut short on the page


@dataclass(frozen=True)
class SeriesSummary:
    modality: str
    description: str
    images: int
    storage_key: str  # of a middle image, for the staff thumbnail


@dataclass(frozen=True)
class Details:
    """The facts staff see at the top of a transaction's page."""

    transaction: Transaction
    recipient: Individual
    patient: Patient | None
    status: DisplayStatus
    codes: otp.CodeStanding  # against the budgets; `codes.lock` says whether staff must unlock
    series: list[SeriesSummary]
    parent_public_id: str


@dataclass(frozen=True)
class TreeNode:
    public_id: str
    recipient_email: str
    status: DisplayStatus
    depth: int
    is_this: bool


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    actor: str
    ip: str
    detail: dict[str, str]


def by_public_id(*, session: Session, public_id: str) -> Transaction:
    """The transaction with this public ID.

    Raises:
        NotAllowed: there is none (the page says so; staff may look at any that exists).
    """
    public_id = (public_id or "").strip().upper()[:16]
    found = session.exec(select(Transaction).where(Transaction.public_id == public_id)).first()
    if found is None:
        raise NotAllowed()
    return found


def _series(session: Session, transaction_pk: int) -> list[SeriesSummary]:
    contents = studies.contents(session=session, transaction_pk=transaction_pk)
    keys = {i.id: i.storage_key for i in studies.instances_of(session=session, transaction_pk=transaction_pk)}
    return [
        SeriesSummary(
            modality=view.modality,
            description=view.description or f"Series {view.series_number}",
            images=view.image_count,
            storage_key=keys.get(view.first_instance_pk, "") if view.first_instance_pk else "",
        )
        for view in contents.series
    ]


def details(*, session: Session, transaction: Transaction, now: datetime) -> Details:
    """Everything the top of the page shows about one transaction."""
    assert transaction.id is not None
    recipient = session.get(Individual, transaction.recipient_pk)
    assert recipient is not None
    parent = session.get(Transaction, transaction.parent_pk) if transaction.parent_pk else None
    return Details(
        transaction=transaction,
        recipient=recipient,
        patient=session.get(Patient, transaction.patient_pk) if transaction.patient_pk else None,
        status=display_status(transaction, now),
        codes=otp.standing(session=session, transaction=transaction, now=now),
        series=_series(session, transaction.id),
        parent_public_id=(parent.public_id or "") if parent else "",
    )


def descendants(*, session: Session, transaction: Transaction) -> list[tuple[Transaction, int]]:
    """Every onward forward in tree order, with its depth below `transaction` (1 = direct)."""
    found: list[tuple[Transaction, int]] = []

    def visit(node: Transaction, depth: int) -> None:
        # A parent is always older than its forwards, so the walk cannot loop.
        children = session.exec(
            select(Transaction).where(Transaction.parent_pk == node.id).order_by(col(Transaction.id))
        ).all()
        for child in children:
            if len(found) >= MAX_TREE:
                return
            found.append((child, depth + 1))
            visit(child, depth + 1)

    visit(transaction, 0)
    return found


def forward_tree(*, session: Session, transaction: Transaction, now: datetime) -> list[TreeNode]:
    """The chain of parents down to this transaction, then every onward forward below it."""
    chain: list[Transaction] = []
    node: Transaction | None = transaction
    while node is not None and len(chain) < MAX_TREE:
        chain.insert(0, node)
        node = session.get(Transaction, node.parent_pk) if node.parent_pk else None
    below = descendants(session=session, transaction=transaction)
    emails = _emails(session, [t.recipient_pk for t in chain] + [t.recipient_pk for t, _ in below])
    nodes = [
        TreeNode(
            t.public_id or "",
            emails.get(t.recipient_pk, ""),
            display_status(t, now),
            depth,
            t.id == transaction.id,
        )
        for depth, t in enumerate(chain)
    ]
    base = len(chain) - 1
    nodes += [
        TreeNode(
            t.public_id or "",
            emails.get(t.recipient_pk, ""),
            display_status(t, now),
            base + d,
            False,
        )
        for t, d in below
    ]
    return nodes


def _emails(session: Session, pks: list[int]) -> dict[int, str]:
    if not pks:
        return {}
    people = session.exec(select(Individual).where(col(Individual.id).in_(set(pks))))
    return {p.id: p.email for p in people if p.id is not None}


def timeline(*, session: Session, transaction_pk: int) -> list[TimelineEntry]:
    """The transaction's audit events, oldest first, with their small facts decoded."""
    entries = []
    for event in audit.events_for(session=session, transaction_pk=transaction_pk):
        entries.append(
            TimelineEntry(
                at=event.at,
                action=event.action,
                actor=event.actor,
                ip=event.ip,
                detail=_decoded(event),
            )
        )
    return entries


def _decoded(event: AuditEvent) -> dict[str, str]:
    try:
        raw = json.loads(event.detail) if event.detail else {}
    except ValueError:
        return {"detail": event.detail}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
