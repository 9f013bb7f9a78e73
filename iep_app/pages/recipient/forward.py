"""The forward wizard: stepper, patient header, the four steps, Cancel / Previous / Next / Finish."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.form import field_error
from iep_app.components.layout import notice, page_frame, thread_item
from iep_app.pages.recipient.forward_destination import destination_step, text_field
from iep_app.states.recipient.forward import ForwardState

T = ForwardState.tr
F = ForwardState.form
E = ForwardState.errors
STEP_KEYS = (
    "forward.choose_destination",
    "forward.additional_info",
    "forward.messages",
    "forward.retention",
)


def _stepper() -> rx.Component:
    def item(number: int, key: str) -> rx.Component:
        current = ForwardState.step == number
        return rx.text(
            f"{number}. ",
            T[key],
            weight=rx.cond(current, "bold", "regular"),
            color_scheme=rx.cond(current, "teal", "gray"),
            aria_current=rx.cond(current, "step", "false"),
            data_testid=f"step-{number}",
        )

    return rx.el.nav(
        rx.hstack(*[item(n, key) for n, key in enumerate(STEP_KEYS, start=1)], spacing="4", wrap="wrap"),
        aria_label=T["action.forward"],
    )


def _header() -> rx.Component:
    def item(key: str, value: rx.Var, test_id: str) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(T[key]), rx.data_list.value(value, data_testid=test_id))

    H = ForwardState.header
    return rx.card(
        rx.data_list.root(
            item("package.transaction_label", H["public_id"], "header-transaction"),
            item("header.patient_id", H["patient_id"], "header-patient-id"),
            item("header.patient_name", H["patient_name"], "header-patient-name"),
            item("header.birth_date", H["birth_date"], "header-birth-date"),
            item("header.gender", H["sex"], "header-gender"),
            size="1",
        ),
        variant="surface",
        width="100%",
    )


def _additional_info() -> rx.Component:
    return rx.vstack(
        text_field("nhs_number", "forward.nhs_number", test_id="nhs-number", hint=T["forward.nhs_hint"]),
        text_field("clinical_context", "forward.clinical_context", test_id="clinical-context", area=True),
        spacing="3",
        width="100%",
    )


def _messages() -> rx.Component:
    return rx.vstack(
        rx.el.label(T["forward.type_message"], html_for="draft", style={"font_weight": "600"}),
        rx.text_area(
            id="draft",
            value=F["draft"],
            on_change=lambda value: ForwardState.set_field("draft", value),
            rows="3",
            width="100%",
            data_testid="message-draft",
        ),
        field_error(E.get("draft", ""), name="draft"),
        rx.button(T["forward.add"], on_click=ForwardState.add_message, data_testid="message-add"),
        rx.cond(
            ForwardState.added.length() > 0,
            rx.vstack(
                rx.text(T["forward.added_messages"], weight="bold"),
                rx.foreach(
                    ForwardState.added,
                    lambda text, index: rx.hstack(
                        rx.text(text, white_space="pre-wrap", flex="1", data_testid="added-message"),
                        rx.button(
                            T["forward.remove"],
                            variant="ghost",
                            color_scheme="red",
                            size="1",
                            on_click=ForwardState.remove_message(index),
                            data_testid="remove-message",
                        ),
                        width="100%",
                    ),
                ),
                width="100%",
            ),
            rx.fragment(),
        ),
        rx.separator(),
        rx.text(T["forward.existing_messages"], weight="bold"),
        rx.cond(
            ForwardState.thread.length() > 0,
            rx.vstack(rx.foreach(ForwardState.thread, thread_item), spacing="3", width="100%"),
            rx.text(T["forward.no_messages"], color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def _retention() -> rx.Component:
    return rx.vstack(
        rx.text(
            T["forward.available_until"].replace("{date}", ForwardState.until_display),
            data_testid="retention-text",
        ),
        text_field(
            "until",
            "forward.until_label",
            test_id="until",
            input_type="datetime-local",
            hint=T["forward.until_hint"].replace("{date}", ForwardState.latest),
            max=ForwardState.latest_value,
        ),
        rx.box(
            rx.text(T["forward.acknowledge"], weight="bold"),
            rx.el.ul(
                rx.el.li(T["forward.acknowledge_1"]),
                rx.el.li(T["forward.acknowledge_2"]),
                rx.el.li(T["forward.acknowledge_3"]),
                style={"padding_left": "1.2em", "list_style": "disc"},
            ),
            data_testid="acknowledgement",
        ),
        spacing="3",
        width="100%",
    )


def _navigation() -> rx.Component:
    last = ForwardState.step == 4
    return rx.hstack(
        rx.button(
            T["wizard.cancel"], variant="ghost", on_click=ForwardState.cancel, data_testid="wizard-cancel"
        ),
        rx.spacer(),
        rx.button(
            T["wizard.previous"],
            variant="soft",
            disabled=ForwardState.step == 1,
            on_click=ForwardState.previous_step,
            data_testid="wizard-previous",
        ),
        rx.cond(
            last,
            rx.button(
                T["wizard.finish"],
                on_click=ForwardState.finish,
                loading=ForwardState.busy,
                data_testid="wizard-finish",
            ),
            rx.button(T["wizard.next"], on_click=ForwardState.next_step, data_testid="wizard-next"),
        ),
        width="100%",
    )


def _wizard() -> rx.Component:
    return rx.vstack(
        _stepper(),
        _header(),
        rx.match(
            ForwardState.step,
            (1, destination_step()),
            (2, _additional_info()),
            (3, _messages()),
            _retention(),
        ),
        notice(ForwardState.error, test_id="wizard-error"),
        _navigation(),
        spacing="4",
        width="100%",
    )


def forward_page() -> rx.Component:
    return page_frame(
        rx.match(
            ForwardState.phase,
            ("wizard", _wizard()),
            (
                "done",
                rx.vstack(
                    rx.callout(ForwardState.done_text, color_scheme="teal", data_testid="forward-done"),
                    rx.link(T["forward.back_to_package"], href=routes.PACKAGE, data_testid="back-to-package"),
                ),
            ),
            (
                "closed",
                rx.callout(ForwardState.closed_text, color_scheme="gray", data_testid="closed"),
            ),
            rx.spinner(),
        ),
        title=T["action.forward"],
    )
