"""The action chooser: View, Download, Forward, Decline, with the transaction ID, sender and availability."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.layout import notice, page_frame, thread_item
from iep_app.pages.recipient.decline import decline_dialog
from iep_app.states.recipient.decline import DeclineState
from iep_app.states.recipient.package import PackageState

T = PackageState.tr


def _choice(icon: str, label: rx.Var, detail: rx.Var, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    return rx.button(
        rx.hstack(
            rx.icon(icon, size=22),
            rx.vstack(
                rx.text(label, weight="bold"),
                rx.text(detail, size="1", color_scheme="gray"),
                spacing="0",
                align="start",
            ),
            align="center",
            spacing="3",
        ),
        size="4",
        variant="surface",
        width="100%",
        height="auto",
        padding="0.8em 1em",
        style={"justify_content": "flex-start", "text_align": "left"},
        **props,
    )


def _page_choice(icon: str, action: str, href: str) -> rx.Component:
    """A choice that opens its own page (View, Download, Forward)."""
    return rx.link(
        _choice(
            icon,
            T[f"action.{action}"],
            T[f"action.{action}_detail"],
            data_testid=f"action-{action}",
            as_child=False,
        ),
        href=href,
        width="100%",
    )


def _chooser() -> rx.Component:
    return rx.vstack(
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label(T["package.transaction_label"]),
                rx.data_list.value(PackageState.public_id, data_testid="public-id"),
            ),
            rx.data_list.item(
                rx.data_list.label(T["package.sender_label"]),
                rx.data_list.value(PackageState.organisation),
            ),
            rx.data_list.item(
                rx.data_list.label(T["package.available_label"]),
                rx.data_list.value(PackageState.available_until),
            ),
        ),
        _page_choice("eye", "view", routes.VIEWER),
        _page_choice("download", "download", routes.DOWNLOAD),
        _page_choice("forward", "forward", routes.FORWARD),
        _choice(
            "circle-x",
            T["action.decline"],
            T["action.decline_detail"],
            data_testid="action-decline",
            on_click=DeclineState.set_open(True),
        ),
        decline_dialog(),
        rx.cond(
            PackageState.thread.length() > 0,
            rx.vstack(
                rx.heading(T["forward.messages"], size="3", as_="h2", margin_top="0.5em"),
                rx.foreach(PackageState.thread, thread_item),
                spacing="3",
                width="100%",
                data_testid="package-messages",
            ),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
    )


def package_page() -> rx.Component:
    return page_frame(
        rx.match(
            PackageState.phase,
            ("ready", _chooser()),
            (
                "closed",
                rx.callout(PackageState.closed_text, color_scheme="gray", data_testid="closed"),
            ),
            rx.spinner(),
        ),
        notice(PackageState.error),
        title=T["package.heading"],
    )
