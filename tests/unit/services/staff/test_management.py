"""Admins manage staff accounts: disable, reset the second factor, change role; never the last admin."""

from __future__ import annotations

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, utcnow
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed, SessionEnded, SignInFailed
from iep_app.services.staff import accounts, management, sessions
from tests.unit.services.admin_factories import PASSWORD, make_staff, sign_in, totp_secret


def _password(session, settings, username="alice", password=PASSWORD):
    accepted = accounts.sign_in_password(
        session=session,
        secret_key=settings.secret_key,
        username=username,
        password=password,
        now=utcnow(),
        ip="10.0.0.7",
    )
    session.commit()
    return accepted


def _actions(session):
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_disabling_ends_sessions_and_refuses_sign_in(session, settings):
    admin = make_staff(session, username="root", admin=True)
    user = make_staff(session)
    _, by = sign_in(session, settings, admin)
    token, _ = sign_in(session, settings, user)
    management.set_disabled(session=session, by=by, staff_pk=user.id, disabled=True, now=utcnow())
    session.commit()
    with pytest.raises(SessionEnded):
        sessions.authorise(session=session, secret_key=settings.secret_key, token=token, now=utcnow())
    with pytest.raises(SignInFailed):
        _password(session, settings)
    management.set_disabled(session=session, by=by, staff_pk=user.id, disabled=False, now=utcnow())
    session.commit()
    _password(session, settings)


def test_resetting_the_second_factor_asks_for_a_new_enrolment(session, settings):
    admin = make_staff(session, username="root", admin=True)
    user = make_staff(session)
    _, by = sign_in(session, settings, admin)
    token, _ = sign_in(session, settings, user)
    old_secret = totp_secret(user)
    management.reset_second_factor(
        session=session, secret_key=settings.secret_key, by=by, staff_pk=user.id, now=utcnow()
    )
    session.commit()
    session.refresh(user)
    assert totp_secret(user) != old_secret and not user.totp_confirmed
    with pytest.raises(SessionEnded):
        sessions.authorise(session=session, secret_key=settings.secret_key, token=token, now=utcnow())
    assert _password(session, settings).needs_enrolment
    assert Action.STAFF_2FA_RESET in _actions(session)


def test_only_admins_manage_staff_and_the_last_admin_stays(session, settings):
    admin = make_staff(session, username="root", admin=True)
    user = make_staff(session)
    _, as_admin = sign_in(session, settings, admin)
    _, as_staff = sign_in(session, settings, user)
    with pytest.raises(NotAllowed):
        management.set_disabled(session=session, by=as_staff, staff_pk=admin.id, disabled=True, now=utcnow())
    with pytest.raises(NotAllowed):
        management.reset_second_factor(
            session=session, secret_key=settings.secret_key, by=as_staff, staff_pk=admin.id, now=utcnow()
        )
    with pytest.raises(NotAllowed):
        management.set_disabled(session=session, by=as_admin, staff_pk=admin.id, disabled=True, now=utcnow())
    with pytest.raises(NotAllowed):
        management.set_admin(session=session, by=as_admin, staff_pk=admin.id, is_admin=False, now=utcnow())
    management.set_admin(session=session, by=as_admin, staff_pk=user.id, is_admin=True, now=utcnow())
    management.set_admin(session=session, by=as_admin, staff_pk=admin.id, is_admin=False, now=utcnow())
    session.commit()
    assert [u.is_admin for u in management.list_staff(session=session)] == [True, False]
