"""The forward and decline handlers, called directly as a client could call them over the websocket."""

from __future__ import annotations

import pytest
from reflex.state import State
from sqlmodel import select

import iep_app.db
import iep_app.states.common
from iep_app.models import OutboxMessage, Transaction, TransactionStatus, utcnow
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
    await wizard.type_recipient("gp@")
    assert wizard.suggestions == [GP]
    await wizard.pick_suggestion("someone.else@example.org")  # not offered: ignored
    assert wizard.form["recipient_email"] == "gp@"
    await wizard.pick_suggestion(GP)
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


async def test_cancel_creates_nothing_and_forgets_what_was_typed(session, verified):
    tab, parent = verified
    wizard = tab[ForwardState]
    await wizard.on_load()
    key = wizard._key
    await wizard.type_recipient(GP)
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
    await wizard.type_recipient("gp@")
    assert wizard.suggestions == []
    wizard.phase = "wizard"
    await wizard.type_recipient("gp@")
    assert wizard.suggestions == [] and wizard.phase == "closed"
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
