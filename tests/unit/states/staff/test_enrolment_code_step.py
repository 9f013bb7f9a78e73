"""The enrolment-code step after an admin's reset, its handlers called directly as any client could."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import reflex as rx
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app import db
from iep_app.models import StaffUser, utcnow
from iep_app.services.staff import management
from iep_app.settings import get_settings
from iep_app.states.staff.login import AdminLoginState
from iep_app.states.staff.settings import AdminStaffState
from tests.unit.services.admin_factories import PASSWORD, as_staff, code_for, make_staff, sign_in, totp_secret

LOGIN = AdminLoginState.event_handlers


def _tab():
    return rx.State(_reflex_internal_init=True).get_substate(AdminLoginState.get_full_name().split(".")[1:])


@pytest.fixture
def reset_code(use_engine):
    """Alice, enrolled once, then reset by an admin: the code the admin was shown."""
    with db.session_scope(use_engine) as session:
        sign_in(session, get_settings(), make_staff(session))
        user = session.exec(select(StaffUser).where(StaffUser.username == "alice")).one()
        issued = management.reset_second_factor(
            session=session,
            secret_key=get_settings().secret_key,
            by=as_staff(session),
            staff_pk=user.id,
            now=utcnow(),
        )
    return issued.code


def _password(tab) -> None:
    asyncio.run(LOGIN["submit_password"].fn(tab, {"username": "alice", "password": PASSWORD}))


def _alice(engine) -> StaffUser:
    with db.session_scope(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.username == "alice")).one()


def test_the_password_alone_asks_for_the_enrolment_code_and_shows_no_secret(use_engine, reset_code):
    tab = _tab()
    _password(tab)
    assert tab.phase == "enrolment_code" and not tab.secret and not tab.qr and tab._pending_token


def test_the_code_shows_the_secret_and_the_totp_code_signs_in(use_engine, reset_code):
    tab = _tab()
    _password(tab)
    LOGIN["submit_enrolment_code"].fn(tab, {"enrolment_code": reset_code})
    alice = _alice(use_engine)
    assert tab.phase == "enrol" and tab.secret == totp_secret(alice) and tab.qr and not tab.error
    assert LOGIN["submit_code"].fn(tab, {"code": code_for(alice, utcnow())}) is not None
    assert tab.signed_in and _alice(use_engine).enrolment_code_hash is None


@pytest.mark.parametrize("form", [{"enrolment_code": "ABCDE-FGHJK"}, {"enrolment_code": ""}, {}, None, "x"])
def test_a_wrong_or_missing_code_counts_as_a_failure(use_engine, reset_code, form):
    tab = _tab()
    _password(tab)
    LOGIN["submit_enrolment_code"].fn(tab, form)
    assert tab.phase == "enrolment_code" and "4 tries left" in tab.error
    assert not tab.secret and not tab.qr
    assert _alice(use_engine).failed_logins == 1


def test_an_expired_code_sends_the_person_back_to_an_admin(use_engine, reset_code, monkeypatch):
    tab = _tab()
    _password(tab)
    later = utcnow() + timedelta(hours=72, seconds=1)
    monkeypatch.setattr("iep_app.states.staff.login.now", lambda: later)
    monkeypatch.setattr("iep_app.services.staff.sessions.SECOND_FACTOR_WINDOW", timedelta(days=4))
    LOGIN["submit_enrolment_code"].fn(tab, {"enrolment_code": reset_code})
    assert tab.phase == "password" and "Ask an admin" in tab.error and not tab.secret


def test_a_code_used_in_one_tab_does_not_work_in_another(use_engine, reset_code):
    first, second = _tab(), _tab()
    _password(first)
    _password(second)
    LOGIN["submit_enrolment_code"].fn(first, {"enrolment_code": reset_code})
    assert first.phase == "enrol"
    LOGIN["submit_enrolment_code"].fn(second, {"enrolment_code": reset_code})
    assert second.phase == "password" and "used already" in second.error and not second.secret


def test_the_code_step_cannot_be_skipped_or_taken_out_of_turn(use_engine, reset_code):
    tab = _tab()
    LOGIN["submit_enrolment_code"].fn(tab, {"enrolment_code": reset_code})  # no password yet
    assert tab.phase == "password" and not tab.secret
    _password(tab)
    tab.phase = "enrol"  # a client cannot set this, but even so the secret was never sent
    LOGIN["submit_code"].fn(tab, {"code": "123456"})
    assert not tab.signed_in and not tab.secret
    tab.phase = "code"
    LOGIN["submit_enrolment_code"].fn(tab, {"enrolment_code": reset_code})
    assert not tab.secret and _alice(use_engine).enrolment_code_expires_at > utcnow()


def test_the_admin_sees_the_code_once(use_engine):
    settings = get_settings()
    with db.session_scope(use_engine) as session:
        token, _ = sign_in(session, settings, make_staff(session, username="root", admin=True))
    page = rx.State(_reflex_internal_init=True).get_substate(AdminStaffState.get_full_name().split(".")[1:])
    page._staff_token = token
    AdminStaffState.event_handlers["add"].fn(page, {"username": "newbie", "password": "a long new password"})
    assert len(page.enrolment_code) == 11 and "newbie" in page.enrolment_text
    added = page.enrolment_code
    newbie = next(a for a in page.accounts if a["username"] == "newbie")
    AdminStaffState.event_handlers["reset_second_factor"].fn(page, int(newbie["pk"]))
    assert page.enrolment_code not in ("", added) and "Second factor reset" in page.notice
    AdminStaffState.event_handlers["on_load"].fn(page)
    assert page.enrolment_code == "" and page.enrolment_text == ""
