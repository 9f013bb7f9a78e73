"""Staff sessions: idle end, admin role, sign-out and the HttpOnly cookie grant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, utcnow
from iep_app.services.errors import NotAllowed, SessionEnded
from iep_app.services.staff import sessions
from tests.unit.services.admin_factories import make_staff, sign_in


def _authorise(session, settings, token, now, **kwargs):
    who = sessions.authorise(session=session, secret_key=settings.secret_key, token=token, now=now, **kwargs)
    session.commit()
    return who


def test_thirty_idle_minutes_end_the_session_but_actions_keep_it_alive(session, settings):
    user = make_staff(session)
    start = utcnow()
    token, _ = sign_in(session, settings, user, now=start)
    _authorise(session, settings, token, start + timedelta(minutes=29))
    _authorise(session, settings, token, start + timedelta(minutes=58))
    with pytest.raises(SessionEnded):
        _authorise(session, settings, token, start + timedelta(minutes=88, seconds=1))
    with pytest.raises(SessionEnded):
        _authorise(session, settings, token, start + timedelta(minutes=88, seconds=2))
    idle = session.exec(select(AuditEvent).where(AuditEvent.detail.contains("idle"))).all()
    assert len(idle) == 1


def test_admin_actions_need_the_admin_role(session, settings):
    plain = make_staff(session)
    boss = make_staff(session, username="root", admin=True)
    now = utcnow()
    plain_token, _ = sign_in(session, settings, plain, now=now)
    boss_token, _ = sign_in(session, settings, boss, now=now)
    with pytest.raises(NotAllowed):
        _authorise(session, settings, plain_token, now, admin=True)
    assert _authorise(session, settings, boss_token, now, admin=True).is_admin


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-token"])
def test_missing_or_forged_tokens_are_refused(session, settings, token):
    make_staff(session)
    with pytest.raises(SessionEnded):
        _authorise(session, settings, token, utcnow())


def test_sign_out_ends_the_session_and_its_cookie(session, settings):
    user = make_staff(session)
    now = utcnow()
    token, _ = sign_in(session, settings, user, now=now)
    grant = sessions.issue_cookie_grant(session=session, secret_key=settings.secret_key, token=token, now=now)
    cookie = sessions.redeem_cookie_grant(
        session=session, secret_key=settings.secret_key, grant=grant, now=now
    )
    session.commit()
    assert _authorise(session, settings, cookie, now, cookie=True).username == "alice"
    with pytest.raises(SessionEnded):
        _authorise(session, settings, token, now, cookie=True)  # a tab token is not a cookie
    sessions.end(session=session, secret_key=settings.secret_key, token=token, now=now)
    session.commit()
    for value, is_cookie in ((token, False), (cookie, True)):
        with pytest.raises(SessionEnded):
            _authorise(session, settings, value, now, cookie=is_cookie)


def test_a_cookie_grant_is_single_use_and_short_lived(session, settings):
    user = make_staff(session)
    now = utcnow()
    token, _ = sign_in(session, settings, user, now=now)
    grant = sessions.issue_cookie_grant(session=session, secret_key=settings.secret_key, token=token, now=now)
    sessions.redeem_cookie_grant(session=session, secret_key=settings.secret_key, grant=grant, now=now)
    with pytest.raises(SessionEnded):
        sessions.redeem_cookie_grant(session=session, secret_key=settings.secret_key, grant=grant, now=now)
    late = sessions.issue_cookie_grant(session=session, secret_key=settings.secret_key, token=token, now=now)
    with pytest.raises(SessionEnded):
        sessions.redeem_cookie_grant(
            session=session,
            secret_key=settings.secret_key,
            grant=late,
            now=now + timedelta(seconds=60),
        )
