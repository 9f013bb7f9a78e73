"""The staff list of transactions: search, filters, sort and keyset pagination that stay fast."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, tuple_, union_all
from sqlmodel import Session, col, select

from iep_app.models import DisplayStatus, Individual, Patient, Progress, Transaction, TransactionStatus
from iep_app.services.transactions.records import unavailable_reason
from iep_app.settings import TRANSACTION_PREFIX_MAX_LENGTH

STATUSES = [s.value for s in DisplayStatus]
# The sorts staff may choose, and the Transaction attribute each orders by.
SORTS = {
    "created": "created_at",
    "available_until": "available_until",
    "last_activity": "last_activity_at",
    "id": "id",
}
PAGE_SIZE = 25
MAX_SEARCH = 100
_PUBLIC_ID = re.compile(rf"[A-Za-z]{{1,{TRANSACTION_PREFIX_MAX_LENGTH}}}\d{{6,}}")


def display_status(transaction: Transaction, now: datetime) -> DisplayStatus:
    """One word for staff: declined, revoked or expired, else how far the recipient got."""
    return unavailable_reason(transaction, now) or DisplayStatus(transaction.progress.value)


@dataclass(frozen=True)
class ListQuery:
    """What the staff asked the list for; every field comes from a person and is checked."""

    search: str = ""
    status: str = ""
    created_from: date | None = None
    created_to: date | None = None
    sort: str = "created"
    descending: bool = True
    recipient_pk: int | None = None


@dataclass(frozen=True)
class Row:
    """One line of the list."""

    public_id: str
    recipient_pk: int
    recipient_name: str
    recipient_email: str
    patient_id: str
    patient_name: str
    created_at: datetime
    available_until: datetime
    last_activity_at: datetime
    status: DisplayStatus


@dataclass(frozen=True)
class ListPage:
    """One page, with the cursors to move from it and the number of matches."""

    rows: list[Row]
    total: int
    has_previous: bool
    has_next: bool
    first_cursor: str = ""
    last_cursor: str = ""


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive 'contains', with % and _ in the text taken literally."""
    return func.lower(column).contains(text.lower(), autoescape=True)


def _search_clause(search: str) -> ColumnElement[bool]:
    text = search.strip()[:MAX_SEARCH]
    id_like = bool(_PUBLIC_ID.fullmatch(text))
    # Names hold no digits and no "@": such words only look for IDs and addresses.
    names = [w for w in text.split() if "@" not in w and not any(ch.isdigit() for ch in w)]
    by_email = not id_like and not any(ch.isspace() for ch in text)
    people: list[ColumnElement[bool]] = [contains_text(Individual.email, text)] if by_email else []
    patients: list[ColumnElement[bool]] = [col(Patient.patient_id) == text]
    if names and "@" not in text:
        people.append(
            and_(
                *[
                    or_(
                        contains_text(Individual.first_name, w),
                        contains_text(Individual.last_name, w),
                    )
                    for w in names
                ]
            )
        )
        # DICOM names are "FAMILY^GIVEN": every typed word must appear in them somewhere.
        patients.append(and_(*[contains_text(Patient.patient_name, w) for w in names]))
    # Each branch finds transaction IDs through its own index (public_id, id, recipient_pk,
    # patient_pk); a UNION of them stays fast where one OR across columns scans every row.
    branches = [
        select(Transaction.id).where(
            col(Transaction.patient_pk).in_(select(Patient.id).where(or_(*patients)))
        )
    ]
    if people:
        branches.append(
            select(Transaction.id).where(
                col(Transaction.recipient_pk).in_(select(Individual.id).where(or_(*people)))
            )
        )
    if id_like:
        branches.append(select(Transaction.id).where(col(Transaction.public_id) == text.upper()))
    if text.isdigit() and len(text) <= 12:
        branches.append(select(Transaction.id).where(col(Transaction.id) == int(text)))
    return col(Transaction.id).in_(union_all(*branches))


def _status_clause(status: str, now: datetime) -> ColumnElement[bool]:
    if status in (DisplayStatus.DECLINED, DisplayStatus.REVOKED):
        return col(Transaction.status) == TransactionStatus(status)
    active = col(Transaction.status) == TransactionStatus.ACTIVE
    if status == DisplayStatus.EXPIRED:
        return and_(active, col(Transaction.available_until) <= now)
    if status in STATUSES:
        return and_(
            active,
            col(Transaction.available_until) > now,
            col(Transaction.progress) == Progress(status),
        )
    return false()


def _filters(query: ListQuery, now: datetime) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.search.strip():
        found.append(_search_clause(query.search))
    if query.status:
        found.append(_status_clause(query.status, now))
    if query.created_from:
        found.append(col(Transaction.created_at) >= datetime.combine(query.created_from, time(), UTC))
    if query.created_to:
        end = datetime.combine(query.created_to + timedelta(days=1), time(), UTC)
        found.append(col(Transaction.created_at) < end)
    if query.recipient_pk is not None:
        found.append(col(Transaction.recipient_pk) == query.recipient_pk)
    return found


def _cursor_of(row: Transaction, sort: str) -> str:
    value = getattr(row, SORTS[sort])
    if isinstance(value, datetime):
        value = value.isoformat()
    return f"{value}~{row.id}"


def _parse_cursor(cursor: str, sort: str) -> tuple[Any, int] | None:
    value, _, pk = cursor.rpartition("~")
    try:
        parsed: Any = int(value) if sort == "id" else datetime.fromisoformat(value)
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            return None  # not a cursor of ours: _cursor_of writes aware times
        return parsed, int(pk)
    except ValueError:
        return None


def list_transactions(
    *,
    session: Session,
    query: ListQuery,
    now: datetime,
    after: str = "",
    before: str = "",
    last: bool = False,
    limit: int = PAGE_SIZE,
) -> ListPage:
    """A page of transactions in the asked order, found by keyset (never by OFFSET).

    Args:
        session: the database session.
        query: search words, status, creation dates, sort column and direction.
        now: the time that decides "expired".
        after: the cursor of the row before the page (next page).
        before: the cursor of the row after the page (previous page).
        last: the last page instead of the first (when no cursor is given).
        limit: rows per page.

    Returns:
        The rows, how many transactions match, whether pages exist on either side, and the
        cursors of the first and last rows.
    """
    sort = query.sort if query.sort in SORTS else "created"
    column = col(getattr(Transaction, SORTS[sort]))
    filters = _filters(query, now)
    backwards = bool(before) or (last and not after)
    descending = query.descending != backwards  # walking backwards flips the order
    statement = (
        select(Transaction, Individual, Patient)
        .join(Individual, col(Individual.id) == col(Transaction.recipient_pk))
        .outerjoin(Patient, col(Patient.id) == col(Transaction.patient_pk))
        .where(*filters)
    )
    cursor = _parse_cursor(after or before, sort) if (after or before) else None
    if cursor is not None:
        key = tuple_(column, Transaction.id)
        statement = statement.where(key < tuple_(*cursor) if descending else key > tuple_(*cursor))
    order = (
        [col(column).desc(), col(Transaction.id).desc()] if descending else [col(column), col(Transaction.id)]
    )
    found = list(session.exec(statement.order_by(*order).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    if backwards:
        found.reverse()
    total = session.exec(select(func.count()).select_from(Transaction).where(*filters)).one()
    rows = [_row(t, i, p, now) for t, i, p in found]
    came_from_cursor = cursor is not None
    return ListPage(
        rows=rows,
        total=total,
        has_previous=more if backwards else came_from_cursor,
        has_next=came_from_cursor if backwards else more,
        first_cursor=_cursor_of(found[0][0], sort) if found else "",
        last_cursor=_cursor_of(found[-1][0], sort) if found else "",
    )


def _row(transaction: Transaction, person: Individual, patient: Patient | None, now: datetime) -> Row:
    assert person.id is not None
    return Row(
        public_id=transaction.public_id or "",
        recipient_pk=person.id,
        recipient_name=" ".join(p for p in (person.first_name, person.last_name) if p),
        recipient_email=person.email,
        patient_id=patient.patient_id if patient else "",
        patient_name=patient.patient_name if patient else "",
        created_at=transaction.created_at,
        available_until=transaction.available_until,
        last_activity_at=transaction.last_activity_at,
        status=display_status(transaction, now),
    )
