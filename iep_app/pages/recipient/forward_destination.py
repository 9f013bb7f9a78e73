"""Step 1 of the forward wizard: an individual already in the directory (by full address), or a new one."""

from __future__ import annotations

import reflex as rx

from iep_app.components.form import labelled
from iep_app.i18n import language_names
from iep_app.states.recipient.forward import ForwardState

T = ForwardState.tr
F = ForwardState.form
E = ForwardState.errors


def text_field(
    name: str,
    label_key: str,
    *,
    test_id: str,
    input_type: str = "text",
    area: bool = False,
    hint: rx.Var | None = None,
    **props,  # type: ignore[no-untyped-def]
) -> rx.Component:
    """A wizard field bound to ForwardState.form[name], with its label and error."""
    common = {
        "id": name,
        "value": F[name],
        "on_change": lambda value: ForwardState.set_field(name, value),
        "aria_invalid": E.get(name, "") != "",
        "aria_describedby": f"{name}-error",
        "data_testid": test_id,
        "width": "100%",
        **props,
    }
    control = rx.text_area(rows="4", **common) if area else rx.input(type=input_type, **common)
    return labelled(T[label_key], control, name=name, error=E.get(name, ""), hint=hint)


def _existing() -> rx.Component:
    # No suggestions and no names: the directory holds patients' contacts, so a recipient types
    # the full address and learns only whether it is known.
    return rx.vstack(
        labelled(
            T["forward.recipient_email"],
            rx.input(
                id="recipient_email",
                type="email",
                value=F["recipient_email"],
                on_change=lambda value: ForwardState.set_field("recipient_email", value),
                auto_complete="off",
                aria_invalid=E.get("recipient_email", "") != "",
                aria_describedby="recipient_email-error",
                data_testid="recipient-email",
                width="100%",
            ),
            name="recipient_email",
            error=E.get("recipient_email", ""),
            hint=T["forward.recipient_hint"],
        ),
        rx.hstack(
            rx.button(
                T["forward.check_recipient"],
                variant="soft",
                on_click=ForwardState.check_recipient,
                data_testid="check-recipient",
            ),
            rx.cond(
                ForwardState.known_recipient != "",
                rx.text(
                    T["forward.recipient_known"],
                    size="2",
                    color_scheme="teal",
                    role="status",
                    data_testid="recipient-known",
                ),
                rx.fragment(),
            ),
            spacing="3",
            align="center",
        ),
        rx.button(
            T["forward.create_new"],
            variant="outline",
            on_click=ForwardState.create_new,
            data_testid="create-new",
        ),
        spacing="3",
        width="100%",
    )


def _language_select() -> rx.Component:
    return labelled(
        T["language.preferred"],
        rx.el.select(
            *[rx.el.option(name, value=code) for code, name in language_names().items()],
            id="preferred_language",
            value=F["preferred_language"],
            on_change=lambda value: ForwardState.set_field("preferred_language", value),
            data_testid="preferred-language",
            style={
                "padding": "0.4em",
                "border_radius": "6px",
                "border": f"1px solid {rx.color('gray', 7)}",
                "background": "white",
            },
        ),
        name="preferred_language",
        error=E.get("preferred_language", ""),
    )


def _authentication() -> rx.Component:
    def choice(value: str, key: str, test_id: str) -> rx.Component:
        return rx.el.label(
            rx.hstack(rx.radio_group.item(value=value, data_testid=test_id), rx.text(T[key]), spacing="2")
        )

    return rx.vstack(
        rx.text(T["contact.auth_title"], weight="bold"),
        rx.radio_group.root(
            rx.hstack(
                choice("sms", "contact.auth_sms", "auth-sms"),
                choice("email", "contact.auth_email", "auth-by-email"),
                spacing="5",
            ),
            value=F["auth_method"],
            on_change=lambda value: ForwardState.set_field("auth_method", value),
        ),
        rx.cond(
            F["auth_method"] == "sms",
            text_field(
                "auth_mobile",
                "contact.auth_mobile_field",
                test_id="auth-mobile",
                input_type="tel",
                hint=T["contact.auth_hint"],
            ),
            text_field(
                "auth_email",
                "contact.auth_email_field",
                test_id="auth-email",
                input_type="email",
                hint=T["contact.auth_hint"],
            ),
        ),
        spacing="2",
        width="100%",
    )


def _new_individual() -> rx.Component:
    return rx.vstack(
        rx.heading(T["forward.new_title"], size="4", as_="h2"),
        text_field("email", "contact.email", test_id="new-email", input_type="email"),
        text_field("confirm_email", "contact.confirm_email", test_id="confirm-email", input_type="email"),
        rx.hstack(
            text_field("first_name", "contact.first_name", test_id="first-name"),
            text_field("last_name", "contact.last_name", test_id="last-name"),
            width="100%",
        ),
        text_field("address", "contact.address", test_id="address", area=True),
        text_field("phone", "contact.phone", test_id="phone", input_type="tel"),
        _language_select(),
        _authentication(),
        rx.button(
            T["forward.choose_existing"],
            variant="ghost",
            on_click=ForwardState.choose_existing,
            data_testid="choose-existing",
        ),
        spacing="3",
        width="100%",
    )


def destination_step() -> rx.Component:
    return rx.vstack(
        rx.text(T["forward.to_whom"], weight="bold", data_testid="to-whom"),
        rx.cond(F["mode"] == "new", _new_individual(), _existing()),
        spacing="3",
        width="100%",
    )
