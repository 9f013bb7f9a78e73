"""After an admin's reset, the new secret is shown only for the password AND a one-time enrolment code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, StaffUser, utcnow
from iep_app.services import ratelimit
from iep_app.services.audit import Action
from iep_app.services.errors import AccountLocked, EnrolmentCodeExpired, SignInFailed, SignInThrottled
from iep_app.services.staff import accounts, management, second_factor
from tests.unit.services.admin_factories import PASSWORD, as_staff, code_for, make_staff, sign_in, totp_secret

IP = "10.0.0.9"


def _reset(session, settings, user, now=None):
    code = management.reset_second_factor(
        session=session,
        secret_key=settings.secret_key,
        by=as_staff(session),
        staff_pk=user.id,
        now=now or utcnow(),
    )
    session.commit()
    return code


def _password(session, settings, now):
    accepted = accounts.sign_in_password(
        session=session, secret_key=settings.secret_key, username="alice", password=PASSWORD, now=now, ip=IP
    )
    session.commit()
    return accepted


def _show(session, settings, token, code, now):
    return accounts.pending_enrolment(
        session=session,
        secret_key=settings.secret_key,
        session_token=token,
        now=now,
        issuer="iep",
        enrolment_code=code,
        ip=IP,
    )


def _actions(session):
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_reset_gives_a_one_time_code_kept_only_as_a_keyed_hash(session, settings):
    user = make_staff(session)
    now = utcnow()
    issued = _reset(session, settings, user, now)
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}", issued.code)
    assert issued.username == "alice" and issued.expires_at == now + timedelta(hours=72)
    session.refresh(user)
    assert user.enrolment_code_hash and len(user.enrolment_code_hash) == 64
    assert issued.code.replace("-", "") not in user.enrolment_code_hash
    assert Action.STAFF_2FA_RESET in _actions(session)


def test_after_a_reset_the_password_alone_shows_no_secret(session, settings):
    user = make_staff(session)
    sign_in(session, settings, user)
    _reset(session, settings, user)
    now = utcnow()
    accepted = _password(session, settings, now)
    assert accepted.needs_enrolment and accepted.needs_enrolment_code
    with pytest.raises(SignInFailed) as missing:
        _show(session, settings, accepted.session_token, "", now)
    assert missing.value.remaining == 4  # counted like a wrong password


def test_the_password_and_the_code_show_the_new_secret_and_the_totp_code_enrols(session, settings):
    user = make_staff(session)
    sign_in(session, settings, user)
    issued = _reset(session, settings, user)
    now = utcnow()
    token = _password(session, settings, now).session_token
    typed = " " + issued.code.lower().replace("-", " ") + " "  # case, spaces and dashes do not matter
    shown = _show(session, settings, token, typed, now)
    assert shown is not None and shown.secret == totp_secret(user)
    accounts.sign_in_code(
        session=session,
        secret_key=settings.secret_key,
        session_token=token,
        code=code_for(user, now),
        now=now,
    )
    session.commit()
    session.refresh(user)
    assert user.totp_confirmed and user.enrolment_code_hash is None
    actions = _actions(session)
    after_reset = actions[actions.index(Action.STAFF_2FA_RESET) :]
    assert after_reset.index(Action.STAFF_ENROLMENT_CODE_USED) < after_reset.index(Action.STAFF_ENROLLED)


def test_a_code_shows_the_secret_once(session, settings):
    user = make_staff(session)
    issued = _reset(session, settings, user)
    now = utcnow()
    _show(session, settings, _password(session, settings, now).session_token, issued.code, now)
    # The person did not finish: the password alone still shows nothing, nor the same code.
    again = _password(session, settings, now)
    assert again.needs_enrolment_code
    with pytest.raises(EnrolmentCodeExpired):
        _show(session, settings, again.session_token, issued.code, now)
    fresh = _reset(session, settings, user, now)
    assert _show(session, settings, _password(session, settings, now).session_token, fresh.code, now)


def test_a_code_past_its_72_hours_is_refused(session, settings):
    user = make_staff(session)
    issued = _reset(session, settings, user)
    later = utcnow() + timedelta(hours=72, minutes=1)
    with pytest.raises(EnrolmentCodeExpired):
        _show(session, settings, _password(session, settings, later).session_token, issued.code, later)


def test_a_new_reset_voids_the_earlier_code(session, settings):
    user = make_staff(session)
    first = _reset(session, settings, user)
    _reset(session, settings, user)
    now = utcnow()
    with pytest.raises(SignInFailed):
        _show(session, settings, _password(session, settings, now).session_token, first.code, now)


def test_wrong_codes_lock_the_account_and_spend_the_address_budget(session, settings):
    user = make_staff(session)
    issued = _reset(session, settings, user)
    now = utcnow()
    token = _password(session, settings, now).session_token
    budget = ratelimit.remaining(session=session, policy=accounts.FAILURES_PER_ADDRESS, key=IP, now=now)
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(SignInFailed) as wrong:
            _show(session, settings, token, "ABCDE-FGHJK", now)
        assert wrong.value.remaining == left
    assert (
        ratelimit.remaining(session=session, policy=accounts.FAILURES_PER_ADDRESS, key=IP, now=now)
        == budget - 5
    )
    with pytest.raises(AccountLocked):
        _show(session, settings, token, issued.code, now)
    session.refresh(user)
    assert user.locked_until is not None and not user.totp_confirmed


def test_a_code_hash_copied_to_another_account_matches_nothing(session, settings):
    alice = make_staff(session)
    bob = make_staff(session, username="bob")
    issued = _reset(session, settings, bob)
    second_factor.new_secret(alice, secret_key=settings.secret_key)
    alice.enrolment_code_hash, alice.enrolment_code_expires_at = bob.enrolment_code_hash, issued.expires_at
    session.commit()
    now = utcnow()
    with pytest.raises(SignInFailed):
        _show(session, settings, _password(session, settings, now).session_token, issued.code, now)


def test_an_account_added_by_an_admin_needs_its_code_but_one_from_the_cli_does_not(session, settings):
    now = utcnow()
    issued = management.add_by_admin(
        session=session,
        secret_key=settings.secret_key,
        by=as_staff(session),
        username="alice",
        password=PASSWORD,
        is_admin=False,
        now=now,
    )
    session.commit()
    assert _password(session, settings, now).needs_enrolment_code
    assert _show(session, settings, _password(session, settings, now).session_token, issued.code, now)
    make_staff(session, username="carol")  # `iep staff add`: the secret was shown at the terminal
    carol = session.exec(select(StaffUser).where(StaffUser.username == "carol")).one()
    assert not second_factor.needs_enrolment_code(carol)


def test_an_address_out_of_budget_is_refused_even_the_right_code(session, settings, monkeypatch):
    user = make_staff(session)
    issued = _reset(session, settings, user)
    now = utcnow()
    token = _password(session, settings, now).session_token
    monkeypatch.setattr(
        accounts, "FAILURES_PER_ADDRESS", ratelimit.Policy("staff-sign-in", 1, timedelta(minutes=15))
    )
    with pytest.raises(SignInFailed):
        _show(session, settings, token, "ABCDE-FGHJK", now)
    with pytest.raises(SignInThrottled):
        _show(session, settings, token, issued.code, now)
