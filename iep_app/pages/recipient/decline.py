"""The decline confirmation dialog: the warning, an optional reason, Cancel and Decline."""

from __future__ import annotations

import reflex as rx

from iep_app.components.layout import notice
from iep_app.services.transactions.declining import MAX_OTHER_TEXT, REASONS
from iep_app.states.recipient.decline import DeclineState
from iep_app.states.recipient.package import PackageState

T = DeclineState.tr


def _reason(code: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=code, data_testid=f"decline-reason-{code}"),
            rx.text(T[f"decline.reason.{code}"]),
            spacing="2",
        )
    )


def decline_dialog() -> rx.Component:
    """The dialog; DeclineState.open shows it."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["action.decline"]),
            rx.alert_dialog.description(
                T["decline.warning"].replace("{organisation}", PackageState.organisation),
                data_testid="decline-warning",
            ),
            rx.vstack(
                rx.text(T["decline.reason_optional"], weight="bold", margin_top="1em"),
                rx.radio_group.root(
                    rx.vstack(*[_reason(code) for code in REASONS], spacing="2"),
                    value=DeclineState.reason,
                    on_change=DeclineState.set_reason,
                ),
                rx.cond(
                    DeclineState.reason == "other",
                    rx.text_area(
                        value=DeclineState.other,
                        on_change=DeclineState.set_other,
                        placeholder=T["decline.other_label"],
                        aria_label=T["decline.other_label"],
                        max_length=MAX_OTHER_TEXT,
                        width="100%",
                        data_testid="decline-other",
                    ),
                    rx.fragment(),
                ),
                notice(DeclineState.error, test_id="decline-error"),
                rx.hstack(
                    rx.alert_dialog.cancel(
                        rx.button(T["wizard.cancel"], variant="soft", data_testid="decline-cancel")
                    ),
                    rx.button(
                        T["action.decline"],
                        color_scheme="red",
                        on_click=DeclineState.confirm,
                        loading=DeclineState.busy,
                        data_testid="decline-confirm",
                    ),
                    justify="end",
                    width="100%",
                    margin_top="1em",
                ),
                width="100%",
            ),
        ),
        open=DeclineState.open,
        on_open_change=DeclineState.set_open,
    )
