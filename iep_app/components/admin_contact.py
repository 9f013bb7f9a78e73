"""The contact and authentication fields of an individual, shared by Send and the directory."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import field
from iep_app.i18n import SUPPORTED_LANGUAGES, catalogue
from iep_app.states.staff.common import AdminState

T = AdminState.tr


def _input(contact: rx.Var, name: str, label_key: str, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    control = rx.input(
        name=name, default_value=contact[name], width="100%", data_testid=f"send-{name}", **props
    )
    return field(T[label_key], control, width="100%")


def contact_fields(
    contact: rx.Var, auth_method: rx.Var, language: rx.Var, on_method: rx.EventHandler
) -> rx.Component:
    """Email, names, phone, address, language, and how the one-time password travels.

    Inputs are uncontrolled (named, read on submit); put the form under a `key` that
    changes when `contact` is refilled, so the fields show the new values.
    """
    languages = [rx.el.option(catalogue(lang)["language.name"], value=lang) for lang in SUPPORTED_LANGUAGES]
    methods = (("email", "admin.send.by_email"), ("sms", "admin.send.by_sms"))
    return rx.vstack(
        rx.grid(
            _input(contact, "email", "admin.send.email", type="email"),
            _input(contact, "first_name", "admin.send.first_name"),
            _input(contact, "last_name", "admin.send.last_name"),
            _input(contact, "phone", "admin.send.phone"),
            _input(contact, "address", "admin.send.address"),
            field(
                T["language.preferred"],
                rx.el.select(
                    *languages,
                    name="preferred_language",
                    default_value=language,
                    style={"height": "2em"},
                ),
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        field(
            T["admin.send.auth"],
            rx.radio_group.root(
                rx.hstack(
                    *[
                        rx.text(
                            rx.hstack(rx.radio_group.item(value=method), T[key], spacing="2"),
                            as_="label",
                            data_testid=f"send-auth-{method}",
                        )
                        for method, key in methods
                    ],
                    spacing="4",
                ),
                value=auth_method,
                on_change=on_method,
            ),
        ),
        rx.cond(
            auth_method == "sms",
            _input(contact, "auth_mobile", "admin.send.auth_mobile", placeholder="+447700900123"),
            _input(contact, "auth_email", "admin.send.auth_email", type="email"),
        ),
        spacing="3",
        width="100%",
    )
