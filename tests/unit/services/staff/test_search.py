"""The staff transaction list: search, status and date filters, sorts and keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iep_app.models import Progress, TransactionStatus, utcnow
from iep_app.services.staff.search import ListQuery, list_transactions
from tests.unit.services.admin_factories import make_patient
from tests.unit.services.factories import make_transaction


@pytest.fixture
def seven(session, settings):
    """Seven transactions a minute apart, NS000001 oldest, with patients and recipients."""
    jane = make_patient(session, patient_id="MRN-1", name="DOE^JANE")
    john = make_patient(session, patient_id="MRN-2", name="ROE^JOHN")
    start = utcnow() - timedelta(days=1)
    made = []
    for n in range(7):
        email = "jane.doe@example.org" if n % 2 == 0 else "sam.smith@example.org"
        t = make_transaction(session, settings, email=email).transaction
        t.created_at = start + timedelta(minutes=n)
        t.patient_pk = (jane if n % 2 == 0 else john).id
        made.append(t)
    made[1].progress = Progress.OPENED
    made[2].progress = Progress.DOWNLOADED
    made[3].status = TransactionStatus.REVOKED
    made[4].available_until = utcnow() - timedelta(hours=1)
    made[5].status = TransactionStatus.DECLINED
    session.commit()
    return made


def _ids(page):
    return [r.public_id for r in page.rows]


def _list(session, **kw):
    paging = {k: kw.pop(k) for k in ("after", "before", "last", "limit") if k in kw}
    return list_transactions(session=session, query=ListQuery(**kw), now=utcnow(), **paging)


def test_newest_first_with_status_words(session, seven):
    page = _list(session)
    assert _ids(page) == [f"NS00000{n}" for n in range(7, 0, -1)]
    assert [r.status for r in page.rows] == [
        "waiting",
        "declined",
        "expired",
        "revoked",
        "downloaded",
        "opened",
        "waiting",
    ]
    assert page.total == 7 and not page.has_next and not page.has_previous
    assert page.rows[0].patient_name == "DOE^JANE" and page.rows[0].recipient_email == "jane.doe@example.org"


@pytest.mark.parametrize(
    "search,expected",
    [
        ("NS000003", ["NS000003"]),
        ("ns000003", ["NS000003"]),
        ("3", ["NS000003"]),
        ("sam.smith@", ["NS000006", "NS000004", "NS000002"]),
        ("MRN-2", ["NS000006", "NS000004", "NS000002"]),
        ("jane doe", ["NS000007", "NS000005", "NS000003", "NS000001"]),
        ("john", ["NS000006", "NS000004", "NS000002"]),
        ("nobody", []),
        ("100%_", []),
    ],
)
def test_search_by_id_email_patient_id_or_name(session, seven, search, expected):
    page = _list(session, search=search)
    assert _ids(page) == expected and page.total == len(expected)


@pytest.mark.parametrize(
    "status,expected",
    [
        ("waiting", ["NS000007", "NS000001"]),
        ("opened", ["NS000002"]),
        ("downloaded", ["NS000003"]),
        ("revoked", ["NS000004"]),
        ("expired", ["NS000005"]),
        ("declined", ["NS000006"]),
        ("viewed", []),
        ("bogus", []),
    ],
)
def test_filter_by_status(session, seven, status, expected):
    assert _ids(_list(session, status=status)) == expected


def test_filter_by_creation_date(session, seven):
    day = seven[0].created_at.date()
    assert len(_list(session, created_from=day, created_to=day).rows) == 7
    assert _list(session, created_from=day + timedelta(days=1)).rows == []
    assert _list(session, created_to=day - timedelta(days=1)).rows == []


def test_keyset_pages_walk_forward_and_back_without_gaps(session, seven):
    first = _list(session, limit=3)
    assert _ids(first) == ["NS000007", "NS000006", "NS000005"]
    assert first.has_next and not first.has_previous
    second = _list(session, limit=3, after=first.last_cursor)
    assert _ids(second) == ["NS000004", "NS000003", "NS000002"]
    assert second.has_next and second.has_previous
    third = _list(session, limit=3, after=second.last_cursor)
    assert _ids(third) == ["NS000001"] and not third.has_next and third.has_previous
    back = _list(session, limit=3, before=third.first_cursor)
    assert _ids(back) == _ids(second) and back.has_previous and back.has_next
    last = _list(session, limit=3, last=True)
    assert _ids(last) == ["NS000003", "NS000002", "NS000001"]
    assert last.has_previous and not last.has_next


@pytest.mark.parametrize("sort", ["created", "available_until", "last_activity", "id"])
def test_every_sort_pages_in_both_directions(session, seven, sort):
    for descending in (True, False):
        seen, cursor = [], ""
        while True:
            page = _list(session, sort=sort, descending=descending, limit=2, after=cursor)
            seen += _ids(page)
            if not page.has_next:
                break
            cursor = page.last_cursor
        assert sorted(seen) == sorted(t.public_id for t in seven) and len(set(seen)) == 7
        full = _ids(_list(session, sort=sort, descending=descending, limit=10))
        assert seen == full


def test_a_forged_cursor_is_ignored(session, seven):
    assert _ids(_list(session, limit=2, after="not~a~cursor")) == ["NS000007", "NS000006"]
    # A time without a zone is not one of ours either (ours are aware UTC).
    assert _ids(_list(session, limit=2, after="2026-01-01T00:00:00~3")) == ["NS000007", "NS000006"]


def test_only_one_recipients_transactions(session, seven):
    page = _list(session, recipient_pk=seven[1].recipient_pk)
    assert _ids(page) == ["NS000006", "NS000004", "NS000002"]
