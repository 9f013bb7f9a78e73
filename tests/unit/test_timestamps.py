"""Every timestamp column gives back aware UTC times, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select as sql_select
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from iep_app.models import AuditEvent, UtcDateTime

PARIS_WINTER = timezone(timedelta(hours=1))
MOMENT = datetime(2026, 3, 12, 14, 5, 6, 789000, tzinfo=PARIS_WINTER)


def _stored(session: Session, at: datetime) -> int:
    event = AuditEvent(at=at, actor="system", action="test")
    session.add(event)
    session.commit()
    assert event.id is not None
    return event.id


def test_a_stored_time_comes_back_aware_utc_and_equal(engine, session):
    pk = _stored(session, MOMENT)
    with Session(engine) as fresh:
        event = fresh.get(AuditEvent, pk)
        assert event is not None
        assert event.at == MOMENT
        assert event.at.utcoffset() == timedelta(0)
        assert event.at == datetime(2026, 3, 12, 13, 5, 6, 789000, tzinfo=UTC)


def test_a_core_query_on_the_table_gets_aware_times_too(engine, session):
    _stored(session, MOMENT)
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        (at,) = connection.execute(sql_select(table.c.at)).one()
    assert at == MOMENT
    assert at.tzinfo is not None


def test_aware_times_compare_as_instants_in_queries(session):
    _stored(session, MOMENT)
    just_before = MOMENT.astimezone(UTC) - timedelta(seconds=1)
    just_after = datetime(2026, 3, 12, 9, 5, 7, tzinfo=timezone(timedelta(hours=-4)))
    assert session.exec(select(AuditEvent).where(col(AuditEvent.at) > just_before)).all() != []
    assert session.exec(select(AuditEvent).where(col(AuditEvent.at) > just_after)).all() == []


def test_a_naive_time_is_refused_not_guessed(session):
    # Naive times would be read as UTC by SQLite and in the server's zone by PostgreSQL.
    session.add(AuditEvent(at=datetime(2026, 3, 12, 14, 5), actor="system", action="test"))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_a_naive_time_is_refused_in_a_query_too(session):
    with pytest.raises(StatementError, match="naive datetime"):
        session.exec(select(AuditEvent).where(col(AuditEvent.at) > datetime(2026, 3, 12))).all()


def test_missing_times_stay_missing():
    column = UtcDateTime()
    assert column.process_bind_param(None, None) is None  # type: ignore[arg-type]
    assert column.process_result_value(None, None) is None  # type: ignore[arg-type]
