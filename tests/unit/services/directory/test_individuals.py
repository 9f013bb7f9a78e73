"""The individuals directory for staff: search, edit, and open packages following new details."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import col, select

from iep_app.models import AuditEvent, AuthMethod, TransactionStatus, utcnow
from iep_app.services.audit import Action
from iep_app.services.directory import individuals
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import (
    LinkNotFound,
    NotAllowed,
    PackageUnavailable,
    SessionEnded,
    ValidationFailed,
)
from iep_app.services.recipient import sessions
from iep_app.services.transactions import records
from tests.support.packages import verify_link
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction


def _people(session, settings):
    a = make_transaction(session, settings, email="jane.doe@example.org").transaction
    b = make_transaction(session, settings, email="sam@example.org").transaction
    for t, (first, last) in ((a, ("Jane", "Doe")), (b, ("Sam", "Smith"))):
        person = individuals.get(session=session, individual_pk=t.recipient_pk)
        person.first_name, person.last_name = first, last
    session.commit()
    return a, b


def _save(session, settings, individual_pk, **change) -> individuals.Updated:
    """Save an individual's details with some fields changed, as staff would, committed."""
    details = individuals.details_of(individuals.get(session=session, individual_pk=individual_pk))
    updated = individuals.update(
        session=session,
        settings=settings,
        individual_pk=individual_pk,
        details=ContactDetails(**{**vars(details), **change}),
        by=as_staff(session),
        now=utcnow(),
    )
    session.commit()
    return updated


@pytest.mark.parametrize(
    "text,expected",
    [
        ("jane", ["jane.doe@example.org"]),
        ("SMITH sam", ["sam@example.org"]),
        ("example.org", ["jane.doe@example.org", "sam@example.org"]),
        ("%", []),
        ("", ["jane.doe@example.org", "sam@example.org"]),
    ],
)
def test_search_by_email_or_names(session, settings, text, expected):
    _people(session, settings)
    assert [p.email for p in individuals.search(session=session, text=text)] == expected


def test_unknown_individuals_are_refused(session):
    with pytest.raises(NotAllowed):
        individuals.get(session=session, individual_pk=99)
    with pytest.raises(NotAllowed):
        individuals.get(session=session, individual_pk="1")  # type: ignore[arg-type]


def test_update_validates_and_moves_open_packages_to_the_new_channel(session, settings):
    open_one, _ = _people(session, settings)
    closed = make_transaction(session, settings, email="jane.doe@example.org").transaction
    closed.available_until = utcnow() - timedelta(days=1)
    session.commit()
    updated = _save(
        session, settings, open_one.recipient_pk, auth_method=AuthMethod.SMS, auth_mobile="+44 7911 123457"
    )
    assert updated.moved == 1 and updated.relinked == ()
    assert (open_one.auth_method, open_one.auth_destination) == (AuthMethod.SMS, "+447911123457")
    assert closed.auth_method == AuthMethod.EMAIL
    actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions.count(Action.INDIVIDUAL_UPDATED) == 1 and actions.count(Action.AUTH_CHANGED) == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"email": "sam@example.org"}, "email_taken"),
        ({"email": "not an email"}, "email"),
        ({"auth_email": "jane.doe@example.org"}, "auth_email"),
        ({"auth_method": AuthMethod.SMS, "auth_mobile": "07911"}, "auth_mobile"),
    ],
)
def test_update_refuses_bad_or_taken_details(session, settings, change, field):
    a, _ = _people(session, settings)
    with pytest.raises(ValidationFailed) as refused:
        _save(session, settings, a.recipient_pk, **change)
    assert refused.value.field == field


def _can_open(session, settings, token) -> bool:
    try:
        records.by_link(session=session, secret_key=settings.secret_key, token=token)
    except LinkNotFound:
        return False
    return True


def _session_open(session, settings, session_token) -> bool:
    try:
        sessions.resolve_session(
            session=session, secret_key=settings.secret_key, session_token=session_token, now=utcnow()
        )
    except (SessionEnded, PackageUnavailable):
        return False
    return True


def test_a_new_address_withdraws_links_ends_sessions_and_sends_fresh_links(session, settings):
    jane, sam = _people(session, settings)
    jane_open = make_transaction(session, settings, email="jane.doe@example.org")
    expired = make_transaction(session, settings, email="jane.doe@example.org")
    declined = make_transaction(session, settings, email="jane.doe@example.org")
    verified = verify_link(session, settings, jane_open.link_token)
    sams = verify_link(
        session, settings, make_transaction(session, settings, email="sam@example.org").link_token
    )
    expired.transaction.available_until = utcnow() - timedelta(days=1)
    declined.transaction.status = TransactionStatus.DECLINED
    session.commit()

    updated = _save(session, settings, jane.recipient_pk, email="Jane.New@example.org")

    # Whoever reads the old mailbox can open nothing, and a session opened from it has ended.
    for old in (jane_open, expired):
        assert not _can_open(session, settings, old.link_token)
    assert not _session_open(session, settings, verified)
    # Each open package gets one fresh link, to the new address; the expired one waits for staff.
    assert sorted(o.to for o in updated.relinked) == ["jane.new@example.org"] * 2
    fresh = [re.search(r"/t/([A-Za-z0-9_\-]+)", o.message.text).group(1) for o in updated.relinked]
    assert {records.by_link(session=session, secret_key=settings.secret_key, token=t).id for t in fresh} == {
        jane.id,
        jane_open.transaction.id,
    }
    # Someone else's packages are untouched; a declined package keeps its history as it was.
    assert _session_open(session, settings, sams)
    assert _can_open(session, settings, declined.link_token)
    events = session.exec(select(AuditEvent).where(col(AuditEvent.transaction_pk).is_not(None))).all()
    withdrawn = {e.transaction_pk for e in events if e.action == Action.LINKS_WITHDRAWN}
    assert withdrawn == {jane.id, jane_open.transaction.id, expired.transaction.id}
    ended = [json.loads(e.detail) for e in events if e.action == Action.SESSION_ENDED]
    assert ended == [{"sessions": 1, "why": "address changed"}]


def test_other_changes_keep_the_links(session, settings):
    jane, _ = _people(session, settings)
    token = make_transaction(session, settings, email="jane.doe@example.org").link_token
    updated = _save(session, settings, jane.recipient_pk, first_name="Janet", email="JANE.DOE@example.org")
    assert updated.relinked == () and _can_open(session, settings, token)
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == Action.LINKS_WITHDRAWN)).all()
