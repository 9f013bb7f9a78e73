"""The staff list of transactions: search box, filters, sortable columns, pages."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame, field
from iep_app.components.admin_tables import transactions_table
from iep_app.services.staff.search import STATUSES
from iep_app.states.staff.transactions import AdminTransactionsState as S

T = S.tr


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            field(
                T["admin.list.search"],
                rx.input(
                    name="search",
                    default_value=S.search,
                    placeholder=T["admin.list.search_hint"],
                    width="22em",
                    data_testid="list-search",
                ),
            ),
            field(
                T["admin.list.status"],
                rx.el.select(
                    rx.el.option(T["admin.list.any"], value=""),
                    *[rx.el.option(T[f"admin.status.{s}"], value=s) for s in STATUSES],
                    name="status",
                    default_value=S.status,
                    data_testid="list-status",
                    style={"height": "2em"},
                ),
            ),
            field(
                T["admin.list.from"],
                rx.input(type="date", name="created_from", default_value=S.created_from),
            ),
            field(
                T["admin.list.to"],
                rx.input(type="date", name="created_to", default_value=S.created_to),
            ),
            rx.button(T["admin.list.apply"], type="submit", data_testid="list-apply"),
            rx.button(T["admin.list.clear"], type="button", variant="soft", on_click=S.clear),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=S.apply,
    )


def _sortable(label_key: str, column: str) -> rx.Component:
    arrow = rx.cond(S.sort == column, rx.cond(S.descending, " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        rx.link(
            T[label_key],
            arrow,
            on_click=S.sort_by(column),
            cursor="pointer",
            data_testid=f"sort-{column}",
        )
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(
            T["admin.list.total"].replace("{count}", S.total.to_string()),
            size="2",
            data_testid="list-total",
        ),
        rx.spacer(),
        rx.button(T["admin.list.first"], variant="soft", on_click=S.first_page, disabled=~S.has_previous),
        rx.button(
            T["admin.list.previous"],
            variant="soft",
            on_click=S.previous_page,
            disabled=~S.has_previous,
        ),
        rx.button(
            T["admin.list.next"],
            variant="soft",
            on_click=S.next_page,
            disabled=~S.has_next,
            data_testid="list-next",
        ),
        rx.button(T["admin.list.last"], variant="soft", on_click=S.last_page, disabled=~S.has_next),
        width="100%",
        align="center",
    )


def admin_transactions_page() -> rx.Component:
    return admin_frame(
        _filters(),
        transactions_table(
            S.rows,
            [
                _sortable("admin.list.id", "id"),
                rx.table.column_header_cell(T["admin.list.recipient"]),
                rx.table.column_header_cell(T["admin.list.patient"]),
                _sortable("admin.list.created", "created"),
                _sortable("admin.list.until", "available_until"),
                rx.table.column_header_cell(T["admin.list.status"]),
                _sortable("admin.list.activity", "last_activity"),
            ],
        ),
        _pager(),
        title=T["admin.nav.transactions"],
    )
