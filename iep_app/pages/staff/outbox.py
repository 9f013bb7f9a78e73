"""The outbox: every email and SMS, its delivery status, and a retry for failed ones."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame
from iep_app.components.layout import notice
from iep_app.services.staff.outbox_view import STATUSES
from iep_app.states.staff.outbox import AdminOutboxState as S

T = S.tr
HEADERS = (
    "admin.tx.when",
    "admin.outbox.channel",
    "admin.outbox.to",
    "admin.outbox.subject",
    "admin.list.status",
    "admin.list.id",
    "",
)


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["at"]),
        rx.table.cell(row["channel"], " · ", row["purpose"]),
        rx.table.cell(row["to"]),
        rx.table.cell(row["subject"]),
        rx.table.cell(
            rx.vstack(
                rx.badge(
                    T["admin.outbox." + row["status"].to(str)],
                    color_scheme=rx.cond(row["status"] == "failed", "red", "gray"),
                ),
                rx.text(row["error"], size="1", color_scheme="red"),
                spacing="1",
            )
        ),
        rx.table.cell(rx.cond(row["url"] != "", rx.link(row["public_id"], href=row["url"]), rx.fragment())),
        rx.table.cell(
            rx.cond(
                row["retry"] != "",
                rx.button(
                    T["admin.outbox.retry"],
                    size="1",
                    on_click=S.retry(row["pk"].to(int)),
                    data_testid="outbox-retry",
                ),
                rx.fragment(),
            )
        ),
        data_testid="outbox-row",
    )


def admin_outbox_page() -> rx.Component:
    return admin_frame(
        rx.hstack(
            rx.el.select(
                rx.el.option(T["admin.list.any"], value=""),
                *[rx.el.option(T[f"admin.outbox.{s}"], value=s) for s in STATUSES],
                on_change=S.filter,
                default_value=S.status,
                style={"height": "2em"},
                data_testid="outbox-status",
            ),
        ),
        notice(S.notice, tone="teal", test_id="outbox-notice"),
        notice(S.error, test_id="outbox-error"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(T[k] if k else "") for k in HEADERS])),
            rx.table.body(rx.foreach(S.rows, _row)),
            width="100%",
            variant="surface",
        ),
        rx.cond(
            S.has_more,
            rx.button(T["admin.outbox.more"], variant="soft", on_click=S.more),
            rx.fragment(),
        ),
        title=T["admin.nav.outbox"],
    )
