"""Staff sign-in (password + TOTP), lockout and account management, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, StaffSession, utcnow
from iep_app.services import audit, ratelimit
from iep_app.services.audit import Action
from iep_app.services.errors import (
    AccountLocked,
    SessionEnded,
    SignInFailed,
    SignInThrottled,
    ValidationFailed,
)
from iep_app.services.staff import accounts, sessions
from iep_app.settings import get_settings
from tests.unit.services.admin_factories import (
    PASSWORD,
    code_for,
    make_staff,
    sign_in,
    totp_secret,
    wrong_code_for,
)


def _password(session, settings, username="alice", password=PASSWORD, now=None):
    accepted = accounts.sign_in_password(
        session=session,
        secret_key=settings.secret_key,
        username=username,
        password=password,
        now=now or utcnow(),
        ip="10.0.0.7",
    )
    session.commit()
    return accepted


def _code(session, settings, token, code, now=None):
    return accounts.sign_in_code(
        session=session,
        secret_key=settings.secret_key,
        session_token=token,
        code=code,
        now=now or utcnow(),
        ip="10.0.0.7",
    )


def _actions(session):
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_new_account_has_an_unconfirmed_secret_and_is_audited(session):
    user = make_staff(session, username="Alice.Smith", admin=True)
    assert user.username == "alice.smith"
    assert user.is_admin and not user.totp_confirmed
    assert len(totp_secret(user)) == 32
    assert PASSWORD not in user.password_hash
    assert _actions(session) == [Action.STAFF_ADDED]


def test_usernames_are_checked_and_unique(session):
    make_staff(session)
    with pytest.raises(ValidationFailed):
        make_staff(session, username="ALICE")
    with pytest.raises(ValidationFailed):
        make_staff(session, username="a b")
    with pytest.raises(ValidationFailed):
        make_staff(session, username="bob", password="short")


def test_unknown_user_and_wrong_password_get_the_same_answer(session, settings):
    make_staff(session)
    with pytest.raises(SignInFailed) as unknown:
        _password(session, settings, username="mallory")
    with pytest.raises(SignInFailed) as wrong:
        _password(session, settings, password="not the password")
    assert unknown.value.remaining is None and wrong.value.remaining is None
    assert _actions(session).count(Action.STAFF_SIGN_IN_FAILED) == 2
    assert not session.exec(select(StaffSession)).all()


def test_first_sign_in_shows_the_enrolment_and_the_code_completes_it(session, settings):
    user = make_staff(session)
    now = utcnow()
    accepted = _password(session, settings, now=now)
    assert accepted.needs_enrolment
    shown = accounts.pending_enrolment(
        session=session,
        secret_key=settings.secret_key,
        session_token=accepted.session_token,
        now=now,
        issuer="iep St Elsewhere",
    )
    assert shown.secret == totp_secret(user)
    assert shown.uri.startswith("otpauth://totp/") and f"secret={shown.secret}" in shown.uri
    assert shown.qr_data_uri.startswith("data:image/svg+xml")
    who = _code(session, settings, accepted.session_token, code_for(user, now), now)
    session.commit()
    assert who.username == "alice" and who.actor == audit.staff_actor("alice")
    session.refresh(user)
    assert user.totp_confirmed
    assert Action.STAFF_ENROLLED in _actions(session)
    later = now + timedelta(minutes=1)
    again = _password(session, settings, now=later)
    assert not again.needs_enrolment
    assert (
        accounts.pending_enrolment(
            session=session,
            secret_key=settings.secret_key,
            session_token=again.session_token,
            now=later,
            issuer="x",
        )
        is None
    )


def test_a_password_alone_opens_nothing(session, settings):
    make_staff(session)
    accepted = _password(session, settings)
    with pytest.raises(SessionEnded):
        sessions.authorise(
            session=session,
            secret_key=settings.secret_key,
            token=accepted.session_token,
            now=utcnow(),
        )


def test_one_step_of_clock_drift_is_allowed_but_not_two(session, settings):
    user = make_staff(session)
    now = utcnow()
    token = _password(session, settings, now=now).session_token
    with pytest.raises(SignInFailed) as too_old:
        _code(session, settings, token, code_for(user, now, offset=-2), now)
    assert too_old.value.remaining == 4
    _code(session, settings, token, code_for(user, now, offset=-1), now)


def test_a_code_is_good_only_once(session, settings):
    user = make_staff(session)
    now = utcnow()
    first = _password(session, settings, now=now).session_token
    _code(session, settings, first, code_for(user, now), now)
    session.commit()
    second = _password(session, settings, now=now).session_token
    with pytest.raises(SignInFailed):
        _code(session, settings, second, code_for(user, now), now)


def test_the_code_must_come_within_five_minutes(session, settings):
    user = make_staff(session)
    now = utcnow()
    token = _password(session, settings, now=now).session_token
    late = now + timedelta(minutes=5)
    with pytest.raises(SessionEnded):
        _code(session, settings, token, code_for(user, late), late)


def test_five_failures_lock_the_account_for_fifteen_minutes(session, settings):
    user = make_staff(session)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(SignInFailed):
            _password(session, settings, password="wrong password!!", now=now)
    token = _password(session, settings, now=now).session_token
    with pytest.raises(SignInFailed) as fourth:
        _code(session, settings, token, wrong_code_for(user, now), now)
    assert fourth.value.remaining == 1
    with pytest.raises(SignInFailed):
        _password(session, settings, password="wrong password!!", now=now)
    assert Action.STAFF_LOCKED in _actions(session)
    # While locked even the right password gets the wrong-password answer: "locked" would
    # tell a stranger that the username exists.
    with pytest.raises(SignInFailed):
        _password(session, settings, now=now + timedelta(minutes=14))
    with pytest.raises(AccountLocked):
        _code(session, settings, token, code_for(user, now), now)
    accepted = _password(session, settings, now=now + timedelta(minutes=15))
    _code(
        session,
        settings,
        accepted.session_token,
        code_for(user, now + timedelta(minutes=15)),
        now + timedelta(minutes=15),
    )


def test_a_success_resets_the_failure_count(session, settings):
    user = make_staff(session)
    now = utcnow()
    for _ in range(4):
        with pytest.raises(SignInFailed):
            _password(session, settings, password="wrong password!!", now=now)
    sign_in(session, settings, user, now=now)
    session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_the_enrolment_uri_works_in_an_authenticator(session):
    user = make_staff(session)
    shown = accounts.enrolment(user, secret_key=get_settings().secret_key, issuer="iep")
    parsed = pyotp.parse_uri(shown.uri)
    assert parsed.now() == pyotp.TOTP(totp_secret(user)).now()


@pytest.mark.parametrize("ip", ["198.51.100.4", ""])
def test_failures_from_one_address_are_budgeted_across_usernames(session, settings, monkeypatch, ip):
    # "" too: a request whose address is unknown must not skip the budget
    monkeypatch.setattr(
        accounts, "FAILURES_PER_ADDRESS", ratelimit.Policy("staff-sign-in", 3, timedelta(minutes=15))
    )
    make_staff(session)
    now = utcnow()
    for username in ("mallory", "alice", "eve"):
        with pytest.raises(SignInFailed):
            accounts.sign_in_password(
                session=session,
                secret_key=settings.secret_key,
                username=username,
                password="not the password",
                now=now,
                ip=ip,
            )
    with pytest.raises(SignInThrottled):
        accounts.sign_in_password(
            session=session,
            secret_key=settings.secret_key,
            username="alice",
            password=PASSWORD,
            now=now,
            ip=ip,
        )
    other = accounts.sign_in_password(
        session=session,
        secret_key=settings.secret_key,
        username="alice",
        password=PASSWORD,
        now=now,
        ip="198.51.100.5",
    )
    assert other.session_token
    later = accounts.sign_in_password(
        session=session,
        secret_key=settings.secret_key,
        username="alice",
        password=PASSWORD,
        now=now + timedelta(minutes=16),
        ip=ip,
    )
    assert later.session_token


def test_failures_seen_by_two_workers_at_once_both_count(session, settings, engine):
    from sqlmodel import Session

    from iep_app.models import StaffUser

    user = make_staff(session)
    session.commit()
    now = utcnow()
    # Two workers each loaded the account before either counted its failure.
    with Session(engine) as first, Session(engine) as second:
        mine = first.get(StaffUser, user.id)
        theirs = second.get(StaffUser, user.id)
        accounts._count_failure(first, mine, now, "", "password")
        accounts._count_failure(second, theirs, now, "", "password")
    session.expire_all()
    assert session.get(StaffUser, user.id).failed_logins == 2
