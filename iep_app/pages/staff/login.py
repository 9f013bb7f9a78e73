"""Staff sign-in page: password, then the 6-digit code; the first time, the QR code to enrol.

After an admin's reset, the enrolment code the admin handed over comes before the QR code.
"""

from __future__ import annotations

import reflex as rx

from iep_app.components.layout import notice, page_frame
from iep_app.states.staff.login import AdminLoginState

T = AdminLoginState.tr


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(T["admin.login.username"], html_for="username"),
            rx.input(
                id="username",
                name="username",
                auto_complete="username",
                size="3",
                width="100%",
                auto_focus=True,
                data_testid="username",
            ),
            rx.el.label(T["admin.login.password"], html_for="password"),
            rx.input(
                id="password",
                name="password",
                type="password",
                auto_complete="current-password",
                size="3",
                width="100%",
                data_testid="password",
            ),
            rx.button(T["admin.login.continue"], type="submit", size="3", data_testid="login"),
            spacing="2",
            width="100%",
        ),
        on_submit=AdminLoginState.submit_password,
        reset_on_submit=True,
        width="100%",
    )


def _step_form(
    *intro: rx.Component,
    label: str,
    field: str,
    name: str,
    button: rx.Component,
    on_submit: rx.EventHandler,
    **props: object,
) -> rx.Component:
    """One short step of the sign-in: a few words, one field (its id is its test id), one button."""
    return rx.form(
        rx.vstack(
            *intro,
            rx.el.label(T[label], html_for=field),
            rx.input(id=field, name=name, size="3", auto_focus=True, data_testid=field, **props),
            button,
            spacing="2",
        ),
        on_submit=on_submit,
        reset_on_submit=True,
    )


def _code_form() -> rx.Component:
    return _step_form(
        label="admin.login.code",
        field="totp",
        name="code",
        button=rx.button(T["admin.login.verify"], type="submit", size="3", data_testid="verify-totp"),
        on_submit=AdminLoginState.submit_code,
        input_mode="numeric",
        auto_complete="one-time-code",
        max_length=6,
        placeholder="123456",
    )


def _enrolment_code_form() -> rx.Component:
    """After an admin's reset: the one-time code the admin handed over, before any QR code."""
    return _step_form(
        rx.text(T["admin.login.enrolment_code_intro"]),
        label="admin.login.enrolment_code",
        field="enrolment-code",
        name="enrolment_code",
        button=rx.button(
            T["admin.login.continue"], type="submit", size="3", data_testid="verify-enrolment-code"
        ),
        on_submit=AdminLoginState.submit_enrolment_code,
        auto_complete="off",
        auto_capitalize="characters",
        spell_check=False,
        max_length=32,
        placeholder="ABCDE-FGHJK",
    )


def _enrolment() -> rx.Component:
    return rx.vstack(
        rx.text(T["admin.login.enrol_intro"]),
        rx.image(
            src=AdminLoginState.qr,
            alt=T["admin.login.qr_alt"],
            width="220px",
            height="220px",
            background="white",
            data_testid="totp-qr",
        ),
        rx.text(T["admin.login.secret"], size="2"),
        rx.code(AdminLoginState.secret, size="3", data_testid="totp-secret"),
        _code_form(),
        spacing="3",
    )


def admin_login_page() -> rx.Component:
    return page_frame(
        rx.match(
            AdminLoginState.phase,
            ("password", _password_form()),
            ("enrolment_code", _enrolment_code_form()),
            ("enrol", _enrolment()),
            ("code", _code_form()),
            rx.spinner(),
        ),
        notice(AdminLoginState.error, test_id="login-error"),
        title=T["admin.login.title"],
    )
