"""Staff sign-in page: password, then the 6-digit code; the first time, the QR code to enrol.

After an admin's reset, the enrolment code the admin handed over comes before the QR code.
"""

from __future__ import annotations

import reflex as rx

from iep_app.components.form import code_input
from iep_app.components.layout import notice, page_frame
from iep_app.services.staff.accounts import TOTP_DIGITS
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
    label: rx.Var | str,
    field: str,
    control: rx.Component,
    button: rx.Component,
    on_submit: rx.EventHandler,
) -> rx.Component:
    """One short step of the sign-in: a few words, one labelled field, one button."""
    return rx.form(
        rx.vstack(*intro, rx.el.label(label, html_for=field), control, button, spacing="2"),
        on_submit=on_submit,
        reset_on_submit=True,
    )


def _code_form() -> rx.Component:
    return _step_form(
        label=T["admin.login.code"].replace("{digits}", str(TOTP_DIGITS)),
        field="totp",
        control=code_input(digits=TOTP_DIGITS, id="totp", test_id="totp"),
        button=rx.button(T["admin.login.verify"], type="submit", size="3", data_testid="verify-totp"),
        on_submit=AdminLoginState.submit_code,
    )


def _enrolment_code_form() -> rx.Component:
    """After an admin's reset: the one-time code the admin handed over, before any QR code."""
    return _step_form(
        rx.text(T["admin.login.enrolment_code_intro"]),
        label=T["admin.login.enrolment_code"],
        field="enrolment-code",
        control=rx.input(
            id="enrolment-code",
            name="enrolment_code",
            size="3",
            auto_focus=True,
            data_testid="enrolment-code",
            auto_complete="off",
            auto_capitalize="characters",
            spell_check=False,
            max_length=32,
            placeholder="ABCDE-FGHJK",
        ),
        button=rx.button(
            T["admin.login.continue"], type="submit", size="3", data_testid="verify-enrolment-code"
        ),
        on_submit=AdminLoginState.submit_enrolment_code,
    )


def _enrolment() -> rx.Component:
    return rx.vstack(
        rx.text(T["admin.login.enrol_intro"].replace("{digits}", str(TOTP_DIGITS))),
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
