"""Organisation settings (admins only) and the weekly dashboard counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from iep_app.models import AuditEvent, TransactionStatus, utcnow
from iep_app.services import audit, organisation
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed, ValidationFailed
from iep_app.services.staff import dashboard
from tests.unit.services.admin_factories import as_staff
from tests.unit.services.factories import make_transaction

GOOD = {
    "name": "St Elsewhere NHS Trust",
    "email": "Declines@StElsewhere.example.org",
    "retention_days": 30,
    "max_retention_days": 120,
    "transaction_prefix": "SE",
}


def test_admins_change_the_organisation_and_new_ids_use_the_prefix(session, settings):
    organisation.current(session=session, settings=settings)
    org = organisation.update(session=session, by=as_staff(session), now=utcnow(), **GOOD)
    session.commit()
    assert (org.email, org.transaction_prefix, org.retention_days) == (
        "declines@stelsewhere.example.org",
        "SE",
        30,
    )
    created = make_transaction(session, settings)
    assert created.transaction.public_id.startswith("SE")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == Action.ORGANISATION_UPDATED)).one()
    assert "transaction_prefix" in event.detail and event.actor == audit.staff_actor("root")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"name": " "}, "name"),
        ({"email": "nope"}, "email"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 200}, "retention_days"),
        ({"max_retention_days": 5000}, "max_retention_days"),
        ({"transaction_prefix": "se"}, "transaction_prefix"),
        ({"transaction_prefix": "TOOLONG"}, "transaction_prefix"),
    ],
)
def test_bad_settings_are_refused(session, settings, change, field):
    organisation.current(session=session, settings=settings)
    with pytest.raises(ValidationFailed) as refused:
        organisation.update(session=session, by=as_staff(session), now=utcnow(), **{**GOOD, **change})
    assert refused.value.field == field


def test_only_admins_change_the_organisation(session, settings):
    organisation.current(session=session, settings=settings)
    with pytest.raises(NotAllowed):
        organisation.update(session=session, by=as_staff(session, admin=False), now=utcnow(), **GOOD)


def test_the_week_counts_each_package_once_per_measure_and_day(session, settings):
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # a Thursday
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    a = make_transaction(session, settings).transaction
    b = make_transaction(session, settings).transaction
    old = make_transaction(session, settings).transaction
    revoked = make_transaction(session, settings).transaction
    a.created_at = b.created_at = monday
    old.created_at = monday - timedelta(days=10)
    old.available_until = monday + timedelta(days=1)  # expired on Tuesday
    revoked.created_at = monday - timedelta(days=10)
    revoked.available_until = monday + timedelta(days=1)
    revoked.status = TransactionStatus.REVOKED
    for pk, action, when in (
        (a.id, Action.LINK_OPENED, monday),
        (a.id, Action.LINK_OPENED, monday + timedelta(hours=2)),
        (b.id, Action.LINK_OPENED, monday + timedelta(days=1)),
        (a.id, Action.DOWNLOADED, monday + timedelta(days=2)),
        (b.id, Action.DECLINED, monday + timedelta(days=2)),
        (old.id, Action.LINK_OPENED, monday - timedelta(days=1)),  # last week
    ):
        audit.record(session=session, now=when, action=action, actor=audit.RECIPIENT, transaction_pk=pk)
    session.commit()
    week = dashboard.this_week(session=session, now=now)
    assert week.start.isoformat() == "2026-11-30"
    assert week.totals == {"sent": 2, "opened": 2, "downloaded": 1, "declined": 1, "expired": 1}
    days = dict(week.days)
    assert days[monday.date()]["opened"] == 1 and days[monday.date()]["sent"] == 2
    assert days[monday.date() + timedelta(days=1)]["expired"] == 1
    assert len(week.days) == 7 and week.days[-1][1]["sent"] == 0
