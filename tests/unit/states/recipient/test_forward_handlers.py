"""The forward and decline handlers, called directly as a client could call them over the websocket."""

from __future__ import annotations

import pytest
from reflex.state import State
from sqlmodel import col, select

import iep_app.db
import iep_app.states.common
from iep_app.models import OutboxMessage, RateEvent, Transaction, TransactionStatus, utcnow
from iep_app.services import ratelimit
from iep_app.services.recipient import sessions
from iep_app.states.recipient.decline import DeclineState
from iep_app.states.recipient.forward import ForwardState
from iep_app.states.recipient.package import PackageState
from tests.support.packages import link_token, verify_link
from tests.unit.services.factories import add_individual, make_shared

GP = "gp@surgery.example.org"


@pytest.fixture
def app_db(engine, settings, monkeypatch):
    """The states' database and settings are the test's."""
    monkeypatch.setattr(iep_app.db, "get_engine", lambda: engine)
    monkeypatch.setattr(iep_app.states.common, "get_settings", lambda: settings)
    return engine


def _tab():
    root = State(_reflex_internal_init=True)
    return {
        cls: root.get_substate(cls.get_full_name().split("."))
        for cls in (PackageState, ForwardState, DeclineState)
    }


@pytest.fixture
def verified(session, settings, app_db):
    """A tab verified for a shared package, and the directory holding the GP."""
    shared = make_shared(session, settings)
    add_individual(session, GP)
    tab = _tab()
    tab[PackageState]._session_token = verify_link(session, settings, link_token(shared))
    return tab, shared.transaction


async def _finish(state: ForwardState) -> None:
    async for _ in state.finish():
        pass


def _forwards(session, parent) -> list[Transaction]:
    session.expire_all()
    return list(session.exec(select(Transaction).where(Transaction.parent_pk == parent.id)))


async def test_the_wizard_opens_with_the_patient_header_and_the_thread(verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    assert wizard.phase == "wizard" and wizard.step == 1
    assert wizard.header["public_id"] == parent.public_id
    assert wizard.header["patient_id"] and wizard.header["patient_name"]
    assert [m["text"] for m in wizard.thread] == ["Your scans from Tuesday"]
    assert wizard._key and wizard.form["until"]


async def test_no_handler_skips_a_step(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    await wizard.next_step()
    assert wizard.step == 1 and "recipient_email" in wizard.errors
    await _finish(wizard)  # Finish on step 1
    assert wizard.phase == "wizard" and _forwards(session, parent) == []
    wizard.step = 4  # as if the step had been moved on without passing step one
    await _finish(wizard)
    assert wizard.step == 1 and "recipient_email" in wizard.errors
    await wizard.add_message()  # not on the messages step: refused, nothing changes
    await wizard.remove_message(0)
    await wizard.set_field("forward_key", "chosen-by-client")
    assert wizard.form.get("forward_key") is None and wizard._key != "chosen-by-client"
    assert _forwards(session, parent) == []


async def test_forward_through_the_handlers_happens_once_however_often_finish_comes(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    await wizard.set_field("recipient_email", GP.upper())
    await wizard.check_recipient()
    assert wizard.known_recipient == GP and wizard.errors == {}
    await wizard.next_step()
    await wizard.set_field("nhs_number", "9434765919")
    await wizard.next_step()
    await wizard.set_field("draft", "Please review the knee.")
    await wizard.add_message()
    await wizard.previous_step()
    assert wizard.step == 2 and wizard.form["nhs_number"] == "9434765919"
    await wizard.next_step()
    assert wizard.added == ["Please review the knee."]
    await wizard.next_step()
    assert wizard.step == 4 and wizard.errors == {}

    await _finish(wizard)
    await _finish(wizard)  # the double click: the wizard is done
    wizard.phase = "wizard"  # a replayed event that got past that check: the key holds
    await _finish(wizard)
    forwards = _forwards(session, parent)
    assert len(forwards) == 1 and wizard.phase == "done"
    assert forwards[0].public_id in wizard.done_text and "g***@s***.org" in wizard.done_text
    emails = session.exec(select(OutboxMessage).where(OutboxMessage.to_address == GP)).all()
    assert len(emails) == 1


def _lookups(session) -> int:
    session.expire_all()
    return len(
        session.exec(select(RateEvent).where(col(RateEvent.bucket).startswith("lookup-package:"))).all()
    )


async def test_a_prefix_reveals_nothing_and_only_a_full_known_address_is_confirmed(session, verified):
    tab, _ = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    assert not hasattr(wizard, "suggestions")
    await wizard.set_field("recipient_email", "gp@")
    await wizard.check_recipient()  # not an address: nothing looked up
    assert (
        wizard.known_recipient == ""
        and wizard.errors["recipient_email"] == "This email address is not valid."
    )
    assert _lookups(session) == 0
    await wizard.set_field("recipient_email", "gp@surgery.example.com")
    await wizard.check_recipient()
    assert (
        wizard.known_recipient == ""
        and "No individual has this email address" in wizard.errors["recipient_email"]
    )
    await wizard.set_field("recipient_email", GP)
    await wizard.check_recipient()
    assert wizard.known_recipient == GP and wizard.errors == {}
    assert "Gene" not in str(wizard.dict())  # never a name
    await wizard.set_field("recipient_email", "gp@surgery.example.org.uk")
    assert wizard.known_recipient == ""  # typing again forgets the answer
    await wizard.create_new()
    await wizard.set_field("email", GP)
    await wizard.check_recipient()  # only for an existing individual
    assert wizard.known_recipient == "" and _lookups(session) == 2


async def test_step_one_spends_one_look_up_however_often_it_is_checked(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    await wizard.set_field("recipient_email", GP)
    await wizard.check_recipient()
    await wizard.check_recipient()
    for _ in range(3):
        await wizard.next_step()
    await _finish(wizard)
    assert wizard.phase == "done" and _lookups(session) == 1


async def test_an_address_changed_before_finish_is_looked_up_and_counted(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    await wizard.set_field("recipient_email", GP)
    for _ in range(3):
        await wizard.next_step()
    # A client changing step one's address over the websocket, then calling Finish at once.
    await wizard.set_field("recipient_email", "someone@example.org")
    await _finish(wizard)
    assert wizard.step == 1 and "No individual has this email address" in wizard.errors["recipient_email"]
    assert _forwards(session, parent) == [] and _lookups(session) == 2


async def test_a_spent_budget_says_when_to_try_again(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    for n in range(ratelimit.DIRECTORY_LOOKUPS_PER_PACKAGE.budget):
        await wizard.set_field("recipient_email", f"guess{n}@example.org")
        await wizard.check_recipient()
    await wizard.set_field("recipient_email", GP)
    await wizard.check_recipient()
    assert wizard.known_recipient == ""
    assert "try again after" in wizard.errors["recipient_email"]
    await wizard.next_step()
    assert wizard.step == 1 and "try again after" in wizard.errors["recipient_email"]


async def test_cancel_creates_nothing_and_forgets_what_was_typed(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    key = wizard._key
    await wizard.set_field("recipient_email", GP)
    await wizard.check_recipient()
    wizard.cancel()
    assert wizard.phase == "checking" and wizard.form == {} and wizard._key == ""
    await wizard.next_step()
    await _finish(wizard)
    assert _forwards(session, parent) == []
    await wizard.on_load()
    assert wizard.form["recipient_email"] == "" and wizard._key not in ("", key)


async def test_a_tab_without_a_verified_session_gets_nothing(session, settings, app_db):
    shared = make_shared(session, settings)
    add_individual(session, GP)
    tab = _tab()
    wizard = tab[ForwardState]
    await wizard.on_load()
    assert wizard.phase == "closed" and wizard.header == {} and wizard.thread == []
    await wizard.set_field("recipient_email", GP)
    await wizard.check_recipient()
    assert wizard.known_recipient == ""
    wizard.phase = "wizard"
    await wizard.check_recipient()
    assert wizard.known_recipient == "" and wizard.phase == "closed"
    assert _lookups(session) == 0
    await _finish(wizard)
    assert _forwards(session, shared.transaction) == []


async def test_an_ended_session_closes_the_wizard(session, settings, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    sessions.end_session(
        session=session,
        secret_key=settings.secret_key,
        session_token=tab[PackageState]._session_token,
        now=utcnow(),
    )
    session.commit()
    await wizard.next_step()
    assert wizard.phase == "closed" and wizard.form == {}
    assert wizard.closed_text == "Your session has ended. Open the link from your email again."


async def test_decline_needs_words_for_other_then_ends_access(session, verified):
    tab, parent = verified
    decline, package = tab[DeclineState], tab[PackageState]
    async for _ in decline.confirm():  # the dialog is not open: nothing happens
        pass
    session.refresh(parent)
    assert parent.status == TransactionStatus.ACTIVE
    decline.set_open(True)
    decline.set_reason("not-a-reason")
    assert decline.reason == ""
    decline.set_reason("other")
    async for _ in decline.confirm():
        pass
    assert decline.error == "Please describe the reason." and decline.open
    decline.set_other("Not my patient any more")
    async for _ in decline.confirm():
        pass
    session.refresh(parent)
    assert parent.status == TransactionStatus.DECLINED
    assert parent.decline_reason == "Other: Not my patient any more"
    assert package.phase == "closed" and package.closed_text == "This package has been declined."
    assert not decline.open and package._session_token == ""
    notice = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "decline")).one()
    assert notice.to_address == "imaging@stelsewhere.example.org"
    await tab[ForwardState].on_load()
    assert tab[ForwardState].phase == "closed"
