"""What the link's page tells a recipient when a budget of codes refuses them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import reflex as rx
from sqlalchemy import delete
from sqlmodel import Session, SQLModel

from iep_app.db import get_engine
from iep_app.models import RateEvent, utcnow
from iep_app.services.recipient import otp
from iep_app.settings import get_settings
from iep_app.states.recipient.link import LinkState
from tests.support.packages import enter_wrong_codes
from tests.unit.services.factories import make_transaction
from tests.unit.states.recipient.test_direct_calls import call


def _forget_rate_events() -> None:
    with Session(get_engine()) as session:
        session.exec(delete(RateEvent))
        session.commit()


@pytest.fixture
def link_tab():
    """A tab showing the code box of a link (its token set as on_load does).

    The tab has no client address, so its budget is the shared "unknown" one, on the database
    every state test uses: it starts and ends empty, or one test's wrong codes would refuse
    another's right ones.
    """
    SQLModel.metadata.create_all(get_engine())
    _forget_rate_events()
    state = rx.State(_reflex_internal_init=True).get_substate(LinkState.get_full_name().split(".")[1:])
    state.phase = "code"
    yield state
    _forget_rate_events()


async def test_a_locked_link_says_to_ask_the_sender(link_tab):
    with Session(get_engine()) as session:
        created = make_transaction(session, get_settings())
        before = utcnow() - timedelta(minutes=10)
        enter_wrong_codes(
            session, get_settings(), created.link_token, otp.WRONG_CODES_BEFORE_LOCK, now=before
        )
    link_tab._token = created.link_token
    await call(link_tab, LinkState.submit_code, {"code": "1" * otp.OTP_DIGITS})
    assert (
        link_tab.error
        == "Too many wrong codes have been entered, so this link is locked. Ask the sender to unlock it."
    )
    link_tab.error = ""
    await call(link_tab, LinkState.start)
    assert "Ask the sender" in link_tab.error


async def test_an_address_out_of_wrong_codes_is_told_about_its_network_only(link_tab):
    with Session(get_engine()) as session:
        settings = get_settings()
        before = utcnow() - timedelta(minutes=10)
        for email in ("a@example.org", "b@example.org"):
            spent = make_transaction(session, settings, email=email)
            enter_wrong_codes(session, settings, spent.link_token, 15, now=before)  # no address: "unknown"
        created = make_transaction(session, settings, email="c@example.org")
    link_tab._token = created.link_token
    await call(link_tab, LinkState.submit_code, {"code": "1" * otp.OTP_DIGITS})
    assert link_tab.error == "Too many wrong codes have been entered from your network. Try again in an hour."
