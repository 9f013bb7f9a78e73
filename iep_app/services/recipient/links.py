"""Emailed links: what opening one shows before anyone is verified, and the available-link lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from iep_app.models import AuthMethod, Organisation, Progress, Transaction, pk
from iep_app.services import audit, outbox
from iep_app.services.audit import Action
from iep_app.services.transactions import records


@dataclass(frozen=True)
class LinkView:
    """What the landing page may show before anyone is verified: nothing about the patient."""

    public_id: str
    language: str
    organisation: str
    available_until: datetime
    channel: AuthMethod
    masked_destination: str


def channel(transaction: Transaction) -> str:
    """The outbox channel of the package's second factor (where its codes go)."""
    return outbox.SMS if transaction.auth_method == AuthMethod.SMS else outbox.EMAIL


def masked_destination(transaction: Transaction) -> str:
    """Where the codes go, as a link's holder may see it before being verified."""
    return outbox.masked(channel(transaction), transaction.auth_destination)


def available(session: Session, secret_key: str, token: str, now: datetime) -> Transaction:
    """The package behind an emailed link, if it may still be opened.

    Raises:
        LinkNotFound: the link is unknown.
        PackageUnavailable: the package expired, was declined or revoked.
    """
    transaction = records.by_link(session=session, secret_key=secret_key, token=token)
    records.ensure_available(transaction, now)
    return transaction


def record(
    session: Session, now: datetime, action: str, transaction_pk: int, ip: str, **detail: object
) -> None:
    """Add an event of a link's holder to the audit trail: the recipient's own, about one package."""
    audit.record(
        session=session,
        now=now,
        action=action,
        actor=audit.RECIPIENT,
        transaction_pk=transaction_pk,
        ip=ip,
        **detail,
    )


def open_link(
    *,
    session: Session,
    secret_key: str,
    organisation: Organisation,
    token: str,
    now: datetime,
    ip: str = "",
) -> LinkView:
    """Look at a link without sending anything (mail scanners open links too).

    Raises:
        LinkNotFound: the link is unknown.
        PackageUnavailable: the package expired, was declined or revoked.
    """
    transaction = available(session, secret_key, token, now)
    record(session, now, Action.LINK_OPENED, pk(transaction), ip)
    records.advance(transaction, Progress.OPENED, now)
    return LinkView(
        public_id=transaction.public_id or "",
        language=transaction.language,
        organisation=organisation.name,
        available_until=transaction.available_until,
        channel=transaction.auth_method,
        masked_destination=masked_destination(transaction),
    )
