"""Directory, organisation, staff and outbox handlers with signed-in tabs: admins act, plain staff
get nothing from the admin-only pages."""

from __future__ import annotations

import pytest
import reflex as rx
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app.db import session_scope
from iep_app.models import AuthMethod, OutboxMessage, OutboxStatus, StaffUser, Transaction
from iep_app.services import organisation
from iep_app.services.transactions import sharing
from iep_app.settings import get_settings
from iep_app.states.staff.individuals import AdminIndividualState
from iep_app.states.staff.outbox import AdminOutboxState
from iep_app.states.staff.settings import AdminOrganisationState, AdminStaffState
from tests.unit.services.admin_factories import make_staff, sign_in
from tests.unit.services.factories import make_transaction
from tests.unit.states.staff.test_guard import _arguments, _run, _snapshot


def _tab(cls, engine, *, admin: bool):
    settings = get_settings()
    with session_scope(engine) as session:
        token, _ = sign_in(session, settings, make_staff(session, username="someone", admin=admin))
        organisation.current(session=session, settings=settings)
    state = rx.State(_reflex_internal_init=True).get_substate(cls.get_full_name().split(".")[1:])
    state._staff_token = token
    return state


@pytest.mark.parametrize("cls", [AdminOrganisationState, AdminStaffState])
async def test_admin_pages_give_plain_staff_nothing(use_engine, cls):
    state = _tab(cls, use_engine, admin=False)
    before = _snapshot(use_engine)
    for name, handler in cls.event_handlers.items():
        if name != "setvar":
            await _run(handler.fn(state, *_arguments(handler)))
    assert _snapshot(use_engine) == before
    shown = state.dict()[cls.get_full_name()]
    assert not shown.get("accounts") and not shown.get("values")


def test_admins_change_the_organisation_and_manage_accounts(use_engine):
    org = _tab(AdminOrganisationState, use_engine, admin=True)
    AdminOrganisationState.event_handlers["on_load"].fn(org)
    values = {**org.values, "transaction_prefix": "SE", "retention_days": "21"}
    AdminOrganisationState.event_handlers["save"].fn(org, values)
    assert org.values["transaction_prefix"] == "SE" and "Saved" in org.notice
    AdminOrganisationState.event_handlers["save"].fn(org, {**values, "retention_days": "x"})
    assert "between 1 day" in org.error
    accounts = org.parent_state.get_substate([AdminStaffState.get_name()])
    AdminStaffState.event_handlers["add"].fn(
        accounts, {"username": "newbie", "password": "a long new password", "admin": "on"}
    )
    assert [a["username"] for a in accounts.accounts] == ["newbie", "someone"]
    newbie = accounts.accounts[0]
    AdminStaffState.event_handlers["set_disabled"].fn(accounts, int(newbie["pk"]), True)
    assert accounts.accounts[0]["state"] == "disabled"
    mine = accounts.accounts[1]
    AdminStaffState.event_handlers["set_disabled"].fn(accounts, int(mine["pk"]), True)
    assert "one active admin" in accounts.error
    AdminStaffState.event_handlers["add"].fn(accounts, {"username": "x", "password": "short"})
    assert "Usernames" in accounts.error
    with session_scope(use_engine) as session:
        assert session.exec(select(StaffUser).where(StaffUser.username == "newbie")).one().is_admin


async def test_editing_an_individual_through_the_page(use_engine):
    settings = get_settings()
    with session_scope(use_engine) as session:
        t = make_transaction(session, settings).transaction
    page = _tab(AdminIndividualState, use_engine, admin=False)
    page._individual_pk = t.recipient_pk
    save = AdminIndividualState.event_handlers["save"].fn
    AdminIndividualState.event_handlers["choose_method"].fn(page, "sms")
    form = {"email": "pat@example.org", "first_name": "Pat", "auth_mobile": "+447911123457"}
    await _run(save(page, form))
    assert "Saved" in page.notice and page.title == "Pat" and page.total == 1
    with session_scope(use_engine) as session:
        assert session.get(Transaction, t.id).auth_method == AuthMethod.SMS
    await _run(save(page, {**form, "auth_mobile": "123"}))
    assert "international form" in page.error
    await _run(save(page, {**form, "email": "pat.new@example.org"}))
    assert "earlier links no longer work" in page.notice and page.error == ""
    with session_scope(use_engine) as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "link")).all()
        assert [(m.to_address, m.status) for m in sent] == [
            ("pat.new@example.org", OutboxStatus.NOT_DELIVERED)
        ]


async def test_retrying_a_failed_link_email_from_the_outbox(use_engine):
    settings = get_settings()
    with session_scope(use_engine) as session:
        created = make_transaction(session, settings)
        queued = sharing.queue_link_email(
            session=session,
            settings=settings,
            transaction=created.transaction,
            link_token=created.link_token,
        )
        session.get(OutboxMessage, queued.outbox_pk).status = OutboxStatus.FAILED
    page = _tab(AdminOutboxState, use_engine, admin=False)
    AdminOutboxState.event_handlers["on_load"].fn(page)
    assert [r["retry"] for r in page.rows] == ["yes"]
    await _run(AdminOutboxState.event_handlers["retry"].fn(page, queued.outbox_pk))
    assert [r["status"] for r in page.rows] == ["not_delivered", "failed"]
    assert [r["retry"] for r in page.rows] == ["", ""]
    await _run(AdminOutboxState.event_handlers["retry"].fn(page, queued.outbox_pk))
    assert "not sent again" in page.error
