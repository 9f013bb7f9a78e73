"""This week at a glance: packages sent, opened, downloaded, declined and expired, per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from iep_app.models import AuditEvent, Transaction, TransactionStatus
from iep_app.services.audit import Action

MEASURES = ("sent", "opened", "downloaded", "declined", "expired")
_EVENTS = {
    Action.LINK_OPENED: "opened",
    Action.DOWNLOADED: "downloaded",
    Action.DECLINED: "declined",
}


@dataclass(frozen=True)
class Week:
    """Totals for the week and the same counts day by day (Monday first, UTC)."""

    start: date
    totals: dict[str, int]
    days: list[tuple[date, dict[str, int]]]


def week_start(now: datetime) -> date:
    """The Monday of this week (UTC)."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=today.weekday())


def this_week(*, session: Session, now: datetime) -> Week:
    """Count this week's activity.

    A package counts once per measure and day: opened twice on Tuesday is one opening.
    "Expired" counts packages whose availability ended this week without being declined or
    revoked.
    """
    monday = week_start(now)
    since = datetime.combine(monday, time(), UTC)
    days = {monday + timedelta(days=n): dict.fromkeys(MEASURES, 0) for n in range(7)}
    seen: set[tuple[str, date, int]] = set()

    def count(measure: str, moment: datetime, pk: int) -> None:
        day = moment.date()
        if day in days and (measure, day, pk) not in seen:
            seen.add((measure, day, pk))
            days[day][measure] += 1

    for created, pk in session.exec(
        select(Transaction.created_at, Transaction.id).where(col(Transaction.created_at) >= since)
    ):
        count("sent", created, pk or 0)
    for at, action, pk in session.exec(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.transaction_pk).where(
            col(AuditEvent.at) >= since, col(AuditEvent.action).in_(list(_EVENTS))
        )
    ):
        count(_EVENTS[action], at, pk or 0)
    for until, pk in session.exec(
        select(Transaction.available_until, Transaction.id).where(
            col(Transaction.available_until) >= since,
            col(Transaction.available_until) <= now,
            col(Transaction.status) == TransactionStatus.ACTIVE,
        )
    ):
        count("expired", until, pk or 0)
    totals = {m: sum(d[m] for d in days.values()) for m in MEASURES}
    return Week(start=monday, totals=totals, days=sorted(days.items()))
