"""The frame of every staff page: navigation, who is signed in, and the page's content."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.models import DisplayStatus
from iep_app.states.staff.common import AdminState

T = AdminState.tr

# (catalogue key, route, icon, admins only)
NAVIGATION: list[tuple[str, str, str, bool]] = [
    ("admin.nav.dashboard", routes.ADMIN, "layout-dashboard", False),
    ("admin.nav.send", routes.ADMIN_SEND, "send", False),
    ("admin.nav.transactions", routes.ADMIN_TRANSACTIONS, "list", False),
    ("admin.nav.individuals", routes.ADMIN_INDIVIDUALS, "users", False),
    ("admin.nav.outbox", routes.ADMIN_OUTBOX, "mail", False),
    ("admin.nav.audit", routes.ADMIN_AUDIT, "file-text", False),
    ("admin.nav.organisation", routes.ADMIN_ORGANISATION, "building-2", True),
    ("admin.nav.staff", routes.ADMIN_STAFF, "shield", True),
]


def _nav_item(key: str, route: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(T[key], size="2"), align="center", spacing="2"),
        href=route,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="0.35em 0.6em",
        border_radius="6px",
        _hover={"background": rx.color("gray", 4)},
        data_testid=f"nav-{route.rsplit('/', 1)[-1] or 'admin'}",
    )


def _navigation() -> rx.Component:
    items = []
    for key, route, icon, admins_only in NAVIGATION:
        item = _nav_item(key, route, icon)
        items.append(rx.cond(AdminState.staff_is_admin, item, rx.fragment()) if admins_only else item)
    # A column beside the page on a desktop; on a phone a wrapped row above it, so the page
    # keeps the whole width.
    return rx.flex(
        *items,
        direction=rx.breakpoints(initial="row", md="column"),
        wrap=rx.breakpoints(initial="wrap", md="nowrap"),
        gap="1",
        width="100%",
    )


def _header() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.icon("shield-check", size=20, color=rx.color("teal", 10)),
            rx.text(T["admin.title"], weight="bold", size="3"),
            align="center",
            spacing="2",
        ),
        rx.spacer(),
        rx.cond(
            AdminState.signed_in,
            rx.hstack(
                rx.text(AdminState.staff_name, size="2", data_testid="staff-name"),
                rx.button(
                    T["admin.sign_out"],
                    variant="soft",
                    size="1",
                    on_click=AdminState.sign_out,
                    data_testid="sign-out",
                ),
                align="center",
            ),
            rx.fragment(),
        ),
        padding="0.7em 1.2em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
        width="100%",
    )


def admin_frame(*children: rx.Component, title: rx.Var | str) -> rx.Component:
    """A staff page: nothing but a spinner until the session check on load succeeded."""
    return rx.box(
        _header(),
        rx.flex(
            rx.box(
                _navigation(),
                width=rx.breakpoints(initial="100%", md="13em"),
                padding=rx.breakpoints(initial="0.5em 0.6em 0", md="1em 0.6em"),
                flex_shrink="0",
            ),
            rx.box(
                rx.cond(
                    AdminState.signed_in,
                    rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4"),
                    rx.center(rx.spinner(), padding="3em"),
                ),
                flex="1",
                min_width="0",
                width="100%",
                padding=rx.breakpoints(initial="1em 0.8em 3em", md="1em 1.5em 3em"),
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            align="start",
            width="100%",
        ),
        min_height="100vh",
        background=rx.color("gray", 1),
    )


def field(label: rx.Var | str, control: rx.Component, width: str = "auto") -> rx.Component:
    """A labelled form control."""
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width=width)


STATUS_COLOURS = {
    DisplayStatus.WAITING: "gray",
    DisplayStatus.OPENED: "blue",
    DisplayStatus.VERIFIED: "cyan",
    DisplayStatus.VIEWED: "teal",
    DisplayStatus.DOWNLOADED: "green",
    DisplayStatus.FORWARDED: "violet",
    DisplayStatus.DECLINED: "orange",
    DisplayStatus.REVOKED: "red",
    DisplayStatus.EXPIRED: "brown",
}


def status_badge(status: rx.Var) -> rx.Component:
    """A transaction status as a coloured badge (labels from the catalogue)."""
    return rx.badge(
        T["admin.status." + status.to(str)],
        color_scheme=rx.match(status, *((s.value, colour) for s, colour in STATUS_COLOURS.items()), "gray"),
        data_testid="status",
    )


def series_card(series: rx.Var, caption: rx.Var, test_id: str = "series") -> rx.Component:
    """A series: its thumbnail (from the staff-only endpoint), title and a caption."""
    return rx.card(
        rx.vstack(
            rx.cond(
                series["thumbnail"] != "",
                rx.image(src=series["thumbnail"], width="96px", height="96px", background="black", alt=""),
                rx.fragment(),
            ),
            rx.text(series["title"], size="2", weight="medium"),
            rx.text(caption, size="1", color_scheme="gray"),
            spacing="1",
        ),
        data_testid=test_id,
    )
