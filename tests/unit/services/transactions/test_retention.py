"""Staff extend, shorten and revoke a package, optionally with every onward forward."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, AuthMethod, TransactionStatus, utcnow
from iep_app.services import audit, organisation
from iep_app.services.audit import Action
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import PackageUnavailable, ValidationFailed
from iep_app.services.recipient import links
from iep_app.services.transactions import records, retention
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction


def _forward(session, settings, parent, email):
    org = organisation.current(session=session, settings=settings)
    person = contacts.find_or_create(
        session=session,
        details=ContactDetails(email=email, auth_method=AuthMethod.EMAIL, auth_email="c@example.org"),
    )
    created = records.create(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        recipient=person,
        instances=[],
        available_until=parent.available_until,
        sent_by="someone",
        parent=parent,
        now=utcnow(),
    )
    session.commit()
    return created.transaction


def _change(session, settings, transaction, day, by, now=None):
    org = organisation.current(session=session, settings=settings)
    return retention.change_until(
        session=session,
        transaction=transaction,
        until=day,
        organisation=org,
        by=by,
        now=now or utcnow(),
    )


def test_extend_and_shorten_to_the_end_of_a_day_and_audit(session, settings):
    t = make_transaction(session, settings).transaction
    by = as_staff(session)
    today = utcnow().date()
    _change(session, settings, t, today + timedelta(days=60), by)
    session.commit()
    assert t.available_until.date() == today + timedelta(days=60)
    assert (t.available_until.hour, t.available_until.minute) == (23, 59)
    _change(session, settings, t, today, by)
    session.commit()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == Action.RETENTION_CHANGED)).all()
    assert len(event) == 2 and event[-1].actor == audit.staff_actor("root")
    assert f'"after": "{today.isoformat()}"' in event[-1].detail


def test_retention_limits(session, settings):
    t = make_transaction(session, settings).transaction
    by = as_staff(session)
    today = utcnow().date()
    with pytest.raises(ValidationFailed):
        _change(session, settings, t, today - timedelta(days=1), by)
    with pytest.raises(ValidationFailed):
        _change(session, settings, t, today + timedelta(days=91), by)
    _change(session, settings, t, today + timedelta(days=90), by)


def test_extending_reopens_an_expired_package_but_not_a_revoked_one(session, settings):
    t = make_transaction(session, settings).transaction
    by = as_staff(session)
    t.available_until = utcnow() - timedelta(days=1)
    session.commit()
    assert records.unavailable_reason(t, utcnow()) == "expired"
    _change(session, settings, t, utcnow().date() + timedelta(days=3), by)
    assert records.unavailable_reason(t, utcnow()) is None
    retention.revoke(session=session, transaction=t, by=by, onward=False, now=utcnow())
    with pytest.raises(PackageUnavailable):
        _change(session, settings, t, utcnow().date() + timedelta(days=3), by)
    with pytest.raises(PackageUnavailable):
        retention.revoke(session=session, transaction=t, by=by, onward=False, now=utcnow())


def test_revoke_alone_leaves_forwards_alone(session, settings):
    root = make_transaction(session, settings).transaction
    child = _forward(session, settings, root, "gp@example.org")
    by = as_staff(session)
    assert retention.revoke(session=session, transaction=root, by=by, onward=False, now=utcnow()) == [
        root.public_id
    ]
    session.commit()
    assert root.status == TransactionStatus.REVOKED and child.status == TransactionStatus.ACTIVE


def test_revoke_with_onward_forwards_reaches_every_level(session, settings):
    root = make_transaction(session, settings).transaction
    child = _forward(session, settings, root, "gp@example.org")
    grandchild = _forward(session, settings, child, "specialist@example.org")
    sibling = _forward(session, settings, root, "family@example.org")
    declined = _forward(session, settings, child, "other@example.org")
    declined.status = TransactionStatus.DECLINED
    session.commit()
    by = as_staff(session)
    revoked = retention.revoke(session=session, transaction=root, by=by, onward=True, now=utcnow())
    session.commit()
    assert revoked == [root.public_id, child.public_id, grandchild.public_id, sibling.public_id]
    assert declined.status == TransactionStatus.DECLINED
    audits = session.exec(select(AuditEvent).where(AuditEvent.action == Action.REVOKED)).all()
    assert len(audits) == 4
    assert sum(f'"with": "{root.public_id}"' in a.detail for a in audits) == 3


def test_a_revoked_link_shows_withdrawn_to_the_recipient(session, settings):
    created = make_transaction(session, settings)
    retention.revoke(
        session=session,
        transaction=created.transaction,
        by=as_staff(session),
        onward=False,
        now=utcnow(),
    )
    session.commit()
    org = organisation.current(session=session, settings=settings)
    with pytest.raises(PackageUnavailable) as closed:
        links.open_link(
            session=session,
            secret_key=settings.secret_key,
            organisation=org,
            token=created.link_token,
            now=utcnow(),
        )
    assert closed.value.reason == "revoked"
