"""The audit trail as CSV for a date range, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from iep_app.models import AuditEvent, Transaction
from iep_app.services import audit
from iep_app.services.audit import Action
from iep_app.services.errors import invalid
from iep_app.services.staff.sessions import StaffIdentity

HEADER = ["time_utc", "transaction", "actor", "action", "detail", "ip"]
MAX_DAYS = 3660  # ten years: a range, not "everything since forever by accident"
_BATCH = 1000


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs: keep it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def check_range(start: date | None, end: date | None) -> tuple[date, date]:
    """Both days given, in order, and not too far apart.

    Raises:
        ValidationFailed: a day is missing, or the range is backwards or too long.
    """
    if start is None or end is None:
        raise invalid("range", "invalid.range_missing")
    if end < start or (end - start).days > MAX_DAYS:
        raise invalid("range", "invalid.range_order")
    return start, end


def record_export(
    *, session: Session, by: StaffIdentity, start: date, end: date, now: datetime, ip: str = ""
) -> None:
    """Audit the export itself (who took the trail out, for which days)."""
    audit.record(
        session=session,
        now=now,
        action=Action.AUDIT_EXPORTED,
        actor=by.actor,
        ip=ip,
        start=start.isoformat(),
        end=end.isoformat(),
    )


def csv_lines(*, session: Session, start: date, end: date) -> Iterator[str]:
    """CSV text of every event from the first day's start to the last day's end (UTC).

    Rows are read in batches by ID, so memory stays flat however long the range.
    """
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    last_pk = 0
    while True:
        batch = session.exec(
            select(AuditEvent, Transaction.public_id)
            .outerjoin(Transaction, col(Transaction.id) == col(AuditEvent.transaction_pk))
            .where(
                col(AuditEvent.at) >= since,
                col(AuditEvent.at) < until,
                col(AuditEvent.id) > last_pk,
            )
            .order_by(col(AuditEvent.id))
            .limit(_BATCH)
        ).all()
        for event, public_id in batch:
            moment = event.at.isoformat(timespec="seconds")
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        moment,
                        public_id or "",
                        event.actor,
                        event.action,
                        event.detail,
                        event.ip,
                    )
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < _BATCH:
            return
        last_pk = batch[-1][0].id or last_pk
