"""The staff home page (the dashboard comes with slice 4)."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame
from iep_app.states.admin_common import AdminState

T = AdminState.tr


def admin_home_page() -> rx.Component:
    return admin_frame(
        rx.text(T["admin.home.welcome"].replace("{name}", AdminState.staff_name)),
        title=T["admin.nav.dashboard"],
    )
