"""The action chooser: View and Download, with the transaction ID, sender and availability."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.layout import notice, page_frame
from iep_app.states.package import PackageState

T = PackageState.tr


def _choice(icon: str, label: rx.Var, detail: str, **props) -> rx.Component:  # type: ignore[no-untyped-def]
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
        justify="start",
        height="auto",
        padding="0.8em 1em",
        **props,
    )


def _chooser() -> rx.Component:
    return rx.vstack(
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label("Transaction"),
                rx.data_list.value(PackageState.public_id, data_testid="public-id"),
            ),
            rx.data_list.item(rx.data_list.label("Sender"), rx.data_list.value(PackageState.organisation)),
            rx.data_list.item(
                rx.data_list.label("Available until"),
                rx.data_list.value(PackageState.available_until),
            ),
        ),
        rx.link(
            _choice(
                "eye",
                T["action.view"],
                "Look at the images in your browser.",
                data_testid="action-view",
                as_child=False,
            ),
            href=routes.VIEWER,
            width="100%",
        ),
        rx.link(
            _choice(
                "download",
                T["action.download"],
                T["download.intro"],
                data_testid="action-download",
                as_child=False,
            ),
            href=routes.DOWNLOAD,
            width="100%",
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
        title="Your images",
    )
