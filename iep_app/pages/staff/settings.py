"""Admins only: the organisation's settings, and the staff accounts."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame, field
from iep_app.components.layout import notice
from iep_app.settings import TRANSACTION_PREFIX_MAX_LENGTH
from iep_app.states.staff.settings import AdminOrganisationState as O
from iep_app.states.staff.settings import AdminStaffState as St

T = O.tr


def _org_input(name: str, key: str, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    return field(
        T[key],
        rx.input(name=name, default_value=O.values[name], data_testid=f"org-{name}", **props),
        width="100%",
    )


def admin_organisation_page() -> rx.Component:
    return admin_frame(
        notice(O.notice, tone="teal", test_id="org-notice"),
        notice(O.error, test_id="org-error"),
        rx.form(
            rx.vstack(
                _org_input("name", "admin.org.name"),
                _org_input("email", "admin.org.email", type="email"),
                _org_input("retention_days", "admin.org.retention", type="number", min=1),
                _org_input("max_retention_days", "admin.org.max_retention", type="number", min=1),
                _org_input(
                    "transaction_prefix", "admin.org.prefix", max_length=TRANSACTION_PREFIX_MAX_LENGTH
                ),
                rx.button(T["admin.person.save"], type="submit", data_testid="org-save"),
                spacing="3",
                max_width="32em",
            ),
            on_submit=O.save,
            key=O.version.to_string(),
        ),
        title=T["admin.nav.organisation"],
    )


def _account(row: rx.Var) -> rx.Component:
    pk = row["pk"].to(int)
    return rx.table.row(
        rx.table.cell(row["username"]),
        rx.table.cell(row["name"]),
        rx.table.cell(T["admin.staff.role_" + row["role"].to(str)]),
        rx.table.cell(T["admin.staff.state_" + row["state"].to(str)]),
        rx.table.cell(
            rx.cond(row["enrolled"] != "", T["admin.staff.enrolled"], T["admin.staff.not_enrolled"])
        ),
        rx.table.cell(row["last_login"]),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row["state"] == "disabled",
                    rx.button(
                        T["admin.staff.enable"],
                        size="1",
                        variant="soft",
                        on_click=St.set_disabled(pk, False),
                    ),
                    rx.button(
                        T["admin.staff.disable"],
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=St.set_disabled(pk, True),
                    ),
                ),
                rx.button(
                    T["admin.staff.reset"],
                    size="1",
                    variant="soft",
                    on_click=St.reset_second_factor(pk),
                ),
                rx.cond(
                    row["role"] == "admin",
                    rx.button(
                        T["admin.staff.make_staff"],
                        size="1",
                        variant="soft",
                        on_click=St.set_admin(pk, False),
                    ),
                    rx.button(
                        T["admin.staff.make_admin"],
                        size="1",
                        variant="soft",
                        on_click=St.set_admin(pk, True),
                    ),
                ),
                spacing="2",
            )
        ),
        data_testid="staff-row",
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            field(T["admin.login.username"], rx.input(name="username", data_testid="new-username")),
            field(T["admin.staff.display_name"], rx.input(name="display_name")),
            field(
                T["admin.login.password"],
                rx.input(
                    name="password",
                    type="password",
                    auto_complete="new-password",
                    data_testid="new-password",
                ),
            ),
            rx.el.label(
                rx.hstack(rx.checkbox(name="admin"), rx.text(T["admin.staff.role_admin"]), align="center")
            ),
            rx.button(T["admin.staff.add"], type="submit", data_testid="new-add"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=St.add,
        reset_on_submit=True,
    )


def _enrolment_code() -> rx.Component:
    """A new one-time enrolment code, for the admin to hand over; shown only this once."""
    return rx.cond(
        St.enrolment_code != "",
        rx.callout.root(
            rx.vstack(
                rx.callout.text(St.enrolment_text),
                rx.code(St.enrolment_code, size="6", data_testid="enrolment-code"),
                spacing="2",
            ),
            color_scheme="amber",
            role="alert",
            width="100%",
            data_testid="enrolment-code-notice",
        ),
        rx.fragment(),
    )


def admin_staff_page() -> rx.Component:
    headers = (
        "admin.login.username",
        "admin.staff.display_name",
        "admin.staff.role",
        "admin.list.status",
        "admin.staff.second_factor",
        "admin.staff.last_login",
    )
    return admin_frame(
        notice(St.notice, tone="teal", test_id="staff-notice"),
        notice(St.error, test_id="staff-error"),
        _enrolment_code(),
        rx.card(rx.vstack(rx.heading(T["admin.staff.add"], size="3"), _add_form()), width="100%"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(T[k]) for k in headers],
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(St.accounts, _account)),
            width="100%",
            variant="surface",
        ),
        title=T["admin.nav.staff"],
    )
