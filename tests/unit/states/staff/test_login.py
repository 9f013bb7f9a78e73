"""The sign-in handlers: the only admin handlers open to anyone, and what they give."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app import db, routes
from iep_app.models import StaffSession, utcnow
from iep_app.services.staff import second_factor
from iep_app.states.staff.dashboard import AdminDashboardState
from iep_app.states.staff.login import AdminLoginState
from tests.unit.services.admin_factories import PASSWORD, code_for, make_staff, totp_secret, wrong_code_for


@pytest.fixture
def login(use_engine):
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(AdminLoginState.get_full_name().split(".")[1:])


def _submit_password(login, form) -> None:
    """The password handler runs scrypt in a thread, so it is a coroutine."""
    asyncio.run(AdminLoginState.event_handlers["submit_password"].fn(login, form))


def test_password_then_code_signs_the_tab_in(login, use_engine):
    with db.session_scope(use_engine) as session:
        user = make_staff(session)
    asyncio.run(
        AdminLoginState.event_handlers["submit_password"].fn(
            login, {"username": "alice", "password": PASSWORD}
        )
    )
    assert login.phase == "enrol" and login.secret == totp_secret(user)
    assert login._staff_token == "" and login._pending_token
    result = AdminLoginState.event_handlers["submit_code"].fn(login, {"code": code_for(user, utcnow())})
    assert result is not None  # the script that fetches the HttpOnly cookie
    assert login._staff_token and login.signed_in and login.staff_name == "alice"
    dashboard = login.parent_state.get_substate([AdminDashboardState.get_name()])
    AdminDashboardState.event_handlers["on_load"].fn(dashboard)
    assert dashboard.signed_in and set(dashboard.totals) == {
        "sent",
        "opened",
        "downloaded",
        "declined",
        "expired",
    }
    with db.session_scope(use_engine) as session:
        row = session.exec(select(StaffSession)).one()
        assert row.second_factor_at is not None and row.grant_hash is not None


def test_a_code_without_the_password_step_does_nothing(login, use_engine):
    with db.session_scope(use_engine) as session:
        user = make_staff(session)
    login.phase = "code"  # a client cannot set this, but even so:
    AdminLoginState.event_handlers["submit_code"].fn(login, {"code": code_for(user, utcnow())})
    assert not login._staff_token and not login.signed_in
    with db.session_scope(use_engine) as session:
        assert not session.exec(select(StaffSession)).all()


@pytest.mark.parametrize("form", [None, "alice", ["alice"], {"username": ["a"], "password": 3}])
def test_malformed_sign_in_data_is_refused_quietly(login, use_engine, form):
    with db.session_scope(use_engine) as session:
        make_staff(session)
    _submit_password(login, form)
    assert login.phase == "password" and login.error
    assert AdminLoginState.event_handlers["cookie_ready"].fn(login, 200) is None


def test_wrong_code_says_how_many_tries_are_left(login, use_engine):
    with db.session_scope(use_engine) as session:
        user = make_staff(session)
    asyncio.run(
        AdminLoginState.event_handlers["submit_password"].fn(
            login, {"username": "alice", "password": PASSWORD}
        )
    )
    wrong = wrong_code_for(user, utcnow())
    AdminLoginState.event_handlers["submit_code"].fn(login, {"code": wrong})
    assert "4 tries left" in login.error
    assert not login._staff_token


@pytest.mark.parametrize(
    "target,ok",
    [
        ("/admin", True),
        ("/admin/transactions/NS000001", True),
        ("https://evil.example/admin", False),
        ("//evil.example/admin", False),
        ("/admin//evil.example", False),
        ("/administrator", False),
        ("/t/token", False),
    ],
)
def test_sign_in_only_returns_to_admin_pages(target, ok):
    assert routes.is_admin_path(target) is ok


def test_a_secret_sealed_with_another_key_is_refused_plainly(login, use_engine):
    with db.session_scope(use_engine) as session:
        user = make_staff(session)
        user.totp_secret = second_factor.sealed_secret("another-key-" * 4, user.id, "JBSWY3DPEHPK3PXP")
    _submit_password(login, {"username": "alice", "password": PASSWORD})
    assert login.phase == "password" and "Ask an admin to reset it" in login.error
    assert not login.secret and not login._pending_token
