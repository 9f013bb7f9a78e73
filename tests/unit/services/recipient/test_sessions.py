"""Verified sessions: idle limit, re-checks of the package, and the HTTP cookie grant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iep_app.models import TransactionStatus, utcnow
from iep_app.services.errors import NotAllowed, PackageUnavailable, SessionEnded
from iep_app.services.recipient import sessions
from tests.support.packages import send_code, verify_link
from tests.unit.services.factories import make_transaction


def test_session_ends_after_fifteen_idle_minutes(session, settings):
    created = make_transaction(session, settings)
    token = verify_link(session, settings, created.link_token)
    later = utcnow() + timedelta(minutes=15, seconds=1)
    with pytest.raises(SessionEnded):
        sessions.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=later
        )


def test_activity_keeps_the_session_alive(session, settings):
    created = make_transaction(session, settings)
    token = verify_link(session, settings, created.link_token)
    moment = utcnow()
    for _ in range(4):
        moment += timedelta(minutes=10)
        sessions.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=moment
        )
        session.commit()


def test_revoked_and_expired_packages_refuse_everything(session, settings):
    created = make_transaction(session, settings)
    token = verify_link(session, settings, created.link_token)
    created.transaction.status = TransactionStatus.REVOKED
    session.add(created.transaction)
    session.commit()
    with pytest.raises(PackageUnavailable) as unavailable:
        sessions.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
        )
    assert unavailable.value.reason == "revoked"
    with pytest.raises(PackageUnavailable):
        send_code(session, settings, created.link_token)
    expiring = make_transaction(session, settings, days=1, email="other@example.org")
    with pytest.raises(PackageUnavailable) as expired:
        send_code(session, settings, expiring.link_token, now=utcnow() + timedelta(days=2))
    assert expired.value.reason == "expired"


def test_cookie_grant_is_single_use_and_bound_to_its_package(session, settings):
    created = make_transaction(session, settings)
    other = make_transaction(session, settings, email="someone@example.org")
    token = verify_link(session, settings, created.link_token)
    grant = sessions.issue_cookie_grant(
        session=session, secret_key=settings.secret_key, session_token=token, now=utcnow()
    )
    session.commit()
    cookie, transaction = sessions.redeem_cookie_grant(
        session=session, secret_key=settings.secret_key, grant=grant, now=utcnow()
    )
    session.commit()
    assert transaction.id == created.transaction.id
    with pytest.raises(SessionEnded):
        sessions.redeem_cookie_grant(
            session=session, secret_key=settings.secret_key, grant=grant, now=utcnow()
        )
    found = sessions.resolve_http_session(
        session=session,
        secret_key=settings.secret_key,
        cookie=cookie,
        public_id=created.transaction.public_id,
        now=utcnow(),
    )
    assert found.id == created.transaction.id
    with pytest.raises(NotAllowed):
        sessions.resolve_http_session(
            session=session,
            secret_key=settings.secret_key,
            cookie=cookie,
            public_id=other.transaction.public_id,
            now=utcnow(),
        )
