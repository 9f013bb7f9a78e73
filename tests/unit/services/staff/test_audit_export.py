"""The audit CSV: the chosen days only, every column, safe in spreadsheets, in batches."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from iep_app.services import audit
from iep_app.services.errors import ValidationFailed
from iep_app.services.staff import audit_export
from tests.unit.services.factories import make_transaction


def _rows(session, start, end):
    return list(
        csv.reader(io.StringIO("".join(audit_export.csv_lines(session=session, start=start, end=end))))
    )


def test_the_csv_holds_the_range_with_ids_and_ips(session, settings):
    t = make_transaction(session, settings).transaction
    for day, action in ((1, "link_opened"), (2, "code_sent"), (3, "verified")):
        audit.record(
            session=session,
            now=datetime(2026, 3, day, 12, tzinfo=UTC),
            action=action,
            actor=audit.RECIPIENT,
            transaction_pk=t.id,
            ip="203.0.113.5",
            to="c***@e***.org",
        )
    audit.record(
        session=session,
        now=datetime(2026, 3, 2, tzinfo=UTC),
        action="staff_signed_in",
        actor='=HYPERLINK("x")',
    )
    session.commit()
    rows = _rows(session, date(2026, 3, 2), date(2026, 3, 2))
    assert rows[0] == audit_export.HEADER
    assert [r[3] for r in rows[1:]] == ["code_sent", "staff_signed_in"]
    assert rows[1][:2] == ["2026-03-02T12:00:00+00:00", t.public_id] and rows[1][5] == "203.0.113.5"
    assert '"to": "c***@e***.org"' in rows[1][4]
    assert rows[2][2].startswith("'=")  # not a formula in a spreadsheet


def test_large_ranges_stream_in_batches(session, settings, monkeypatch):
    monkeypatch.setattr(audit_export, "_BATCH", 3)
    for n in range(7):
        audit.record(session=session, now=datetime(2026, 1, 1, n, tzinfo=UTC), action="x", actor=audit.CLI)
    session.commit()
    chunks = list(audit_export.csv_lines(session=session, start=date(2026, 1, 1), end=date(2026, 1, 1)))
    assert len(chunks) == 3
    assert len(_rows(session, date(2026, 1, 1), date(2026, 1, 1))) == 8


@pytest.mark.parametrize(
    "start,end",
    [
        (None, date(2026, 1, 1)),
        (date(2026, 1, 2), date(2026, 1, 1)),
        (date(2000, 1, 1), date(2026, 1, 1)),
    ],
)
def test_bad_ranges_are_refused(start, end):
    with pytest.raises(ValidationFailed):
        audit_export.check_range(start, end)
