"""A recipient may only ask whether a full address is in the directory, on budgets forwarding keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iep_app.models import utcnow
from iep_app.services import ratelimit
from iep_app.services.client_address import UNKNOWN
from iep_app.services.errors import LookupsSpent, message_of
from iep_app.services.recipient import lookups
from iep_app.services.transactions import forwarding
from iep_app.services.transactions.forwarding import ForwardRequest
from tests.unit.services.factories import add_individual, make_shared, make_transaction

GP = "gp@surgery.example.org"
PER_PACKAGE = ratelimit.DIRECTORY_LOOKUPS_PER_PACKAGE
PER_CLIENT = ratelimit.DIRECTORY_LOOKUPS_PER_CLIENT


def _known(session, transaction, email, *, client="192.0.2.1", now=None) -> bool:
    found = lookups.known_address(
        session=session, transaction=transaction, client=client, email=email, now=now or utcnow()
    )
    session.commit()
    return found


def _spend(session, transaction, count, *, client="192.0.2.1", start=None) -> None:
    start = start or utcnow()
    for n in range(count):
        _known(session, transaction, f"guess{n}@example.org", client=client, now=start + timedelta(seconds=n))


def test_only_the_full_address_is_known_and_a_prefix_reveals_nothing(session, settings):
    package = make_transaction(session, settings).transaction
    add_individual(session, GP)
    assert _known(session, package, "GP@Surgery.example.org ")
    for partial in ("gp@", "gp@surgery", "surgery.example.org", "gp%", "%"):
        assert not _known(session, package, partial)


def test_the_budget_of_a_package_is_spent_then_refused_with_a_time(session, settings):
    package = make_transaction(session, settings).transaction
    add_individual(session, GP)
    start = utcnow()
    _spend(session, package, PER_PACKAGE.budget, start=start)
    with pytest.raises(LookupsSpent) as spent:
        _known(session, package, GP, now=start + timedelta(minutes=5))
    # Refused look-ups are not counted: the first use frees one window after it was made.
    assert spent.value.params["time"] == start + PER_PACKAGE.window
    assert "try again after" in message_of(spent.value, "en").lower()
    assert _known(session, package, GP, now=start + PER_PACKAGE.window + timedelta(seconds=1))


def test_forwarding_does_not_give_a_fresh_budget(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    start = utcnow()
    _spend(session, parent, PER_PACKAGE.budget - 1, start=start)
    assert _known(session, parent, GP, now=start + timedelta(minutes=1))
    window = forwarding.retention_window(session=session, settings=settings, transaction=parent, now=start)
    child = forwarding.forward(
        session=session,
        settings=settings,
        from_transaction=parent,
        request=ForwardRequest(available_until=window.default, recipient_email=GP),
        key="key-1",
        now=start,
    ).transaction
    session.commit()
    # The GP who received the forward, from another address: the chain's budget is spent.
    with pytest.raises(LookupsSpent):
        _known(session, child, GP, client="198.51.100.7", now=start + timedelta(minutes=2))


def test_one_client_address_cannot_spend_many_packages_budgets(session, settings):
    first = make_transaction(session, settings).transaction
    second = make_transaction(session, settings, email="other@example.org").transaction
    start = utcnow()
    _spend(session, first, PER_PACKAGE.budget, start=start)
    _spend(session, second, PER_CLIENT.budget - PER_PACKAGE.budget, start=start + timedelta(minutes=1))
    later = start + timedelta(minutes=2)
    with pytest.raises(LookupsSpent):
        _known(session, second, GP, now=later)
    assert not _known(session, second, GP, client="198.51.100.7", now=later)


def test_clients_without_an_address_share_one_budget(session, settings):
    first = make_transaction(session, settings).transaction
    second = make_transaction(session, settings, email="other@example.org").transaction
    start = utcnow()
    _spend(session, first, PER_PACKAGE.budget, client="", start=start)
    _spend(session, second, PER_CLIENT.budget - PER_PACKAGE.budget, client=UNKNOWN, start=start)
    with pytest.raises(LookupsSpent):
        _known(session, second, GP, client="", now=start + timedelta(minutes=1))
