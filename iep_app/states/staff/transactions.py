"""The staff list of transactions: search, filters, sort and keyset pages."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from iep_app.services.staff.search import SORTS, STATUSES, ListPage, ListQuery, list_transactions
from iep_app.states.common import now
from iep_app.states.staff.common import AdminState
from iep_app.states.staff.rows import row_view
from iep_app.vocabulary import parse_iso_day


class AdminTransactionsState(AdminState):
    """Which page of which search a staff tab is looking at."""

    rows: list[dict[str, str]] = []
    total: int = 0
    has_next: bool = False
    has_previous: bool = False
    search: str = ""
    status: str = ""
    created_from: str = ""
    created_to: str = ""
    sort: str = "created"
    descending: bool = True
    _first_cursor: str = ""
    _last_cursor: str = ""

    def _query(self) -> ListQuery:
        return ListQuery(
            search=self.search,
            status=self.status,
            created_from=parse_iso_day(self.created_from),
            created_to=parse_iso_day(self.created_to),
            sort=self.sort,
            descending=self.descending,
        )

    def _show(self, page: ListPage) -> None:
        self.rows = [row_view(r, self.lang) for r in page.rows]
        self.total = page.total
        self.has_next, self.has_previous = page.has_next, page.has_previous
        self._first_cursor, self._last_cursor = page.first_cursor, page.last_cursor

    def _page(self, session: Session, *, after: str = "", before: str = "", last: bool = False) -> None:
        page = list_transactions(
            session=session, query=self._query(), now=now(), after=after, before=before, last=last
        )
        self._show(page)

    def _move(self, *, after: str = "", before: str = "", last: bool = False):  # type: ignore[no-untyped-def]
        return self._as_staff(lambda s: self._page(s, after=after, before=before, last=last))

    @rx.event
    def on_load(self):
        return self._move()

    @rx.event
    def apply(self, form_data: dict):
        """Search and filter; starts again at the first page."""
        data = form_data if isinstance(form_data, dict) else {}

        def search(session: Session) -> None:
            status = str(data.get("status", ""))
            self.search = str(data.get("search", ""))[:100].strip()
            self.status = status if status in STATUSES else ""
            found = [parse_iso_day(data.get(k)) for k in ("created_from", "created_to")]
            self.created_from, self.created_to = (d.isoformat() if d else "" for d in found)
            self._page(session)

        return self._as_staff(search)

    @rx.event
    def clear(self):
        return self.apply({})

    @rx.event
    def sort_by(self, column: str):
        """Sort by a column; the same column again flips the direction."""

        def sort(session: Session) -> None:
            if column in SORTS:
                self.descending = not self.descending if column == self.sort else True
                self.sort = column
                self._page(session)

        return self._as_staff(sort)

    @rx.event
    def first_page(self):
        return self._move()

    @rx.event
    def next_page(self):
        return self._move(after=self._last_cursor) if self._last_cursor else self._move()

    @rx.event
    def previous_page(self):
        return self._move(before=self._first_cursor) if self._first_cursor else self._move()

    @rx.event
    def last_page(self):
        return self._move(last=True)
