"""The staff home: this week's numbers and a chart of them by day; and the audit export page."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame, field
from iep_app.components.layout import notice
from iep_app.services.staff.dashboard import MEASURES
from iep_app.states.staff.dashboard import AdminAuditState, AdminDashboardState

S = AdminDashboardState
T = S.tr
COLOURS = {
    "sent": "#0d9488",
    "opened": "#3b82f6",
    "downloaded": "#16a34a",
    "declined": "#ea580c",
    "expired": "#a16207",
}


def _number(measure: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(T[f"admin.dash.{measure}"], size="2", color_scheme="gray"),
            rx.heading(S.totals[measure].to_string(), size="7", data_testid=f"dash-{measure}"),
            spacing="1",
        ),
        min_width="9em",
    )


def _chart() -> rx.Component:
    return rx.recharts.bar_chart(
        *[rx.recharts.bar(data_key=m, name=T[f"admin.dash.{m}"], fill=COLOURS[m]) for m in MEASURES],
        rx.recharts.x_axis(data_key="day"),
        rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        data=S.chart,
        width="100%",
        height=300,
    )


def admin_dashboard_page() -> rx.Component:
    return admin_frame(
        rx.text(T["admin.dash.week"].replace("{date}", S.week), color_scheme="gray"),
        rx.hstack(*[_number(m) for m in MEASURES], wrap="wrap", spacing="3"),
        rx.card(_chart(), width="100%"),
        title=T["admin.nav.dashboard"],
    )


def admin_audit_page() -> rx.Component:
    a = AdminAuditState
    return admin_frame(
        rx.text(T["admin.audit.intro"]),
        rx.form(
            rx.hstack(
                field(
                    T["admin.list.from"],
                    rx.input(type="date", name="from", default_value=a.audit_from, key=a.audit_from),
                ),
                field(
                    T["admin.list.to"],
                    rx.input(type="date", name="to", default_value=a.audit_to, key=a.audit_to),
                ),
                rx.button(T["admin.audit.download"], type="submit", data_testid="audit-download"),
                align="end",
                spacing="3",
            ),
            on_submit=a.export,
        ),
        notice(a.error, test_id="audit-error"),
        title=T["admin.nav.audit"],
    )
