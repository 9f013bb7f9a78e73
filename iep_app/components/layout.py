"""The frame every recipient page sits in: header, a centred card, and a notice area."""

from __future__ import annotations

import reflex as rx


def page_frame(*children: rx.Component, title: rx.Var | str = "") -> rx.Component:
    """A simple, readable page: the portal name on top, content in a card."""
    return rx.box(
        rx.hstack(
            rx.icon("shield-check", size=22, color=rx.color("teal", 10)),
            rx.text("Image Exchange Portal", weight="bold", size="4"),
            padding="0.9em 1.4em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            align="center",
            spacing="2",
        ),
        rx.center(
            rx.card(
                rx.vstack(
                    rx.cond(title != "", rx.heading(title, size="6", as_="h1"), rx.fragment()),
                    *children,
                    spacing="4",
                    width="100%",
                ),
                width="100%",
                max_width="640px",
                padding="1.6em",
            ),
            padding="1.5em 1em",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


def notice(text: rx.Var, *, tone: str = "red", test_id: str = "notice") -> rx.Component:
    """A message for the person, read out by screen readers when it appears."""
    return rx.cond(
        text != "",
        rx.callout(text, color_scheme=tone, role="alert", width="100%", data_testid=test_id),
        rx.fragment(),
    )


def thread_item(message: rx.Var) -> rx.Component:
    """One message of a package's thread: author, transaction ID, date and time, then the text."""
    return rx.box(
        rx.text(
            message["author"],
            " · ",
            message["public_id"],
            " · ",
            message["at"],
            size="1",
            color_scheme="gray",
        ),
        rx.text(message["text"], white_space="pre-wrap"),
        border_left=f"3px solid {rx.color('gray', 6)}",
        padding_left="0.7em",
        width="100%",
        data_testid="thread-message",
    )
