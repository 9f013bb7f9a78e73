"""Tables the staff pages share: transactions as the list shows them."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import status_badge
from iep_app.states.staff.common import AdminState

T = AdminState.tr


def _two_lines(first: rx.Var, second: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.cond(first != "", rx.text(first), rx.fragment()),
        rx.text(second, size="1", color_scheme="gray"),
        spacing="0",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["public_id"], href=row["url"], data_testid="row-id")),
        rx.table.cell(_two_lines(row["recipient"], row["email"])),
        rx.table.cell(_two_lines(row["patient"], row["patient_id"])),
        rx.table.cell(row["created"]),
        rx.table.cell(row["until"]),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["activity"]),
        data_testid="transaction-row",
    )


def plain_headers() -> list[rx.Component]:
    """The transaction columns' headers, not sortable."""
    keys = (
        "admin.list.id",
        "admin.list.recipient",
        "admin.list.patient",
        "admin.list.created",
        "admin.list.until",
        "admin.list.status",
        "admin.list.activity",
    )
    return [rx.table.column_header_cell(T[k]) for k in keys]


def transactions_table(rows: rx.Var, headers: list[rx.Component]) -> rx.Component:
    """Rows made by states.staff.rows.row_view, under the given header cells."""
    return rx.table.root(
        rx.table.header(rx.table.row(*headers)),
        rx.table.body(rx.foreach(rows, _row)),
        width="100%",
        variant="surface",
    )
