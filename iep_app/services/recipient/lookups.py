"""Whether an address is in the directory, as a recipient may ask it: one full address at a time."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from iep_app.models import Transaction
from iep_app.services import ratelimit
from iep_app.services.client_address import UNKNOWN
from iep_app.services.directory import contacts
from iep_app.services.errors import LookupsSpent
from iep_app.services.transactions import records


def known_address(
    *, session: Session, transaction: Transaction, client: str, email: str, now: datetime
) -> bool:
    """Whether exactly this address belongs to an individual in the directory.

    The directory holds patients' contacts, and "is this address one of your patients?" is itself
    personal data, so a recipient gets a yes or no for one full address (never a prefix, never a
    name) on two budgets: the chain of forwards' (its root package: forwarding makes a new package,
    not a new budget) and the client address's (no address is one shared key). A refused look-up
    spends nothing.

    Args:
        session: the database session (the look-up is counted when the caller commits).
        transaction: the verified package of the recipient asking.
        client: the recipient's client address ("" or client_address.UNKNOWN when not known).
        email: the address, as typed (case and surrounding spaces do not matter).
        now: the current time, for the budgets.

    Returns:
        True when an individual has exactly this address.

    Raises:
        LookupsSpent: a budget is spent; it says when the next look-up is allowed.
    """
    root = records.root_of(session=session, transaction=transaction)
    budgets = (
        (ratelimit.DIRECTORY_LOOKUPS_PER_PACKAGE, root.public_id or str(root.id)),
        (ratelimit.DIRECTORY_LOOKUPS_PER_CLIENT, client or UNKNOWN),
    )
    spent = [
        ratelimit.free_at(session=session, policy=policy, key=key, now=now)
        for policy, key in budgets
        if ratelimit.remaining(session=session, policy=policy, key=key, now=now) == 0
    ]
    if spent:
        raise LookupsSpent(until=max(spent))
    for policy, key in budgets:
        ratelimit.allow(session=session, policy=policy, key=key, now=now)
    return contacts.find_by_email(session=session, email=email) is not None
