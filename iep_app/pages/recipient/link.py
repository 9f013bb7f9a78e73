"""The emailed link's page: the organisation, "Click here to start", and the one-time password box."""

from __future__ import annotations

import reflex as rx

from iep_app.components.form import code_input
from iep_app.components.layout import notice, page_frame
from iep_app.services.recipient.otp import OTP_DIGITS
from iep_app.states.recipient.link import LinkState

T = LinkState.tr


def _start() -> rx.Component:
    return rx.vstack(
        rx.text(T["start.intro"].replace("{organisation}", LinkState.organisation)),
        rx.text(
            T["package.available_until"].replace("{date}", LinkState.available_until),
            color_scheme="gray",
            size="2",
        ),
        rx.button(
            T["start.button"],
            on_click=LinkState.start,
            loading=LinkState.busy,
            size="3",
            data_testid="start",
        ),
        spacing="3",
    )


def _code() -> rx.Component:
    return rx.vstack(
        notice(LinkState.message, tone="teal", test_id="sent"),
        rx.form(
            rx.vstack(
                rx.el.label(T["otp.label"], html_for="code", style={"font_weight": "600"}),
                code_input(
                    digits=OTP_DIGITS,
                    id="code",
                    test_id="code",
                    pattern=f"[0-9]{{{OTP_DIGITS}}}",
                    aria_label=T["otp.label"],
                ),
                rx.button(T["otp.verify"], type="submit", size="3", data_testid="verify"),
                spacing="2",
            ),
            on_submit=LinkState.submit_code,
            reset_on_submit=True,
        ),
        rx.button(
            T["otp.request_new"],
            variant="ghost",
            on_click=LinkState.start,
            loading=LinkState.busy,
            data_testid="resend",
        ),
        spacing="3",
        width="100%",
    )


def link_page() -> rx.Component:
    return page_frame(
        rx.match(
            LinkState.phase,
            ("checking", rx.spinner()),
            ("start", _start()),
            ("code", _code()),
            ("verified", rx.spinner()),
            (
                "closed",
                rx.callout(LinkState.closed_text, color_scheme="gray", data_testid="closed"),
            ),
            rx.fragment(),
        ),
        notice(LinkState.error, test_id="error"),
        title=LinkState.organisation,
    )
