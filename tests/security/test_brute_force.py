"""10,000 code guesses over the real websocket, across two packages and four tabs: nobody gets in.

The attacker holds both links (a forwarded email, say) and plays the recipient's page as any
script can: open the link, click "Click here to start" for a fresh code, type guesses. The budgets
that must stop it: 5 tries a code, 5 codes an hour and 10 a day per package, a lock after 20
wrong codes that only staff lift, and 30 wrong codes an hour per client address.
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session

from iep_app.db import make_engine
from iep_app.models import utcnow
from iep_app.services.recipient import otp
from iep_app.services.staff import tracking
from tests.security.scene import LINK_STATE, Package, query, share
from tests.support.raw_socket import RawTab
from tests.support.smtp import one_time_password

pytestmark = pytest.mark.e2e

GUESSES = 10_000
ATTACKER = "203.0.113.66"  # a documentation address, reported by the trusted test proxy
ROUND = 5  # a code dies after this many wrong tries: ask for a new one, as an attacker would


def _live_codes(portal, package: Package) -> set[str]:  # type: ignore[no-untyped-def]
    """Every code mailed for the package so far: the guesses leave them out, so a hit is impossible
    by chance and the test proves the budgets, not luck."""
    return {one_time_password(m) for m in portal.smtp.messages if package.codes_to in str(m.get("To", ""))}


def _staff_view(portal, package: Package) -> otp.CodeStanding:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{portal.data_dir / 'iep.db'}")
    with Session(engine) as session:
        transaction = tracking.by_public_id(session=session, public_id=package.public_id)
        standing = tracking.details(session=session, transaction=transaction, now=utcnow()).codes
    engine.dispose()
    return standing


def test_ten_thousand_guesses_open_nothing_and_every_budget_engages(portal, tmp_path):
    packages = [
        share(portal, tmp_path / "a", "brute.a", "BRUTE^ANNA", "BRUTE-0001"),
        share(portal, tmp_path / "b", "brute.b", "BRUTE^BEN", "BRUTE-0002"),
    ]
    tabs = [(RawTab(portal.url, address=ATTACKER), packages[i % 2]) for i in range(4)]
    for tab, package in tabs:
        tab.call(
            f"{LINK_STATE}.on_load", {}, path=f"/t/{package.link_token}", query={"token": package.link_token}
        )
    started = time.monotonic()
    per_tab, answers = GUESSES // len(tabs), []
    for number, (tab, package) in enumerate(tabs):
        skip = _live_codes(portal, packages[0]) | _live_codes(portal, packages[1])
        guesses = [f"{n:06d}" for n in range(number * per_tab * 2, 10**6) if f"{n:06d}" not in skip][:per_tab]
        events: list[tuple[str, object]] = []
        for i, guess in enumerate(guesses):
            if i % ROUND == 0:
                events.append((f"{LINK_STATE}.start", {}))
            events.append((f"{LINK_STATE}.submit_code", {"form_data": {"code": guess}}))
        answers.append(tab.call_many(events, path=f"/t/{package.link_token}"))
        tab.close()
    elapsed = time.monotonic() - started
    # 0 entries: no tab was bound to a package, no session row exists for either.
    assert not any("/api/session" in answer for answer in answers)
    for package in packages:
        assert query(
            portal, "SELECT count(*) FROM recipientsession WHERE transaction_pk = ?", package.pk
        ) == [(0,)]
    # The budgets engaged: the address is out of wrong codes, and staff see a package locked.
    ((address_uses,),) = query(
        portal, "SELECT count(*) FROM rateevent WHERE bucket = ?", f"otp-wrong:{ATTACKER}"
    )
    assert address_uses == 30
    standings = [_staff_view(portal, package) for package in packages]
    assert sum(s.wrong_codes for s in standings) == 30
    assert otp.CodeLock.WRONG_CODES in {s.lock for s in standings}
    # No package was sent more codes than its day allows.
    assert all(s.sent_today <= otp.CODES_PER_DAY for s in standings)
    print(f"\n{GUESSES} guesses over 4 tabs in {elapsed:.1f} s; wrong codes checked: 30, entries: 0")
