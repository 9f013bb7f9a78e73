"""The individuals directory: a search page, and one page per individual."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_contact import contact_fields
from iep_app.components.admin_layout import admin_frame
from iep_app.components.admin_tables import plain_headers, transactions_table
from iep_app.components.layout import notice
from iep_app.states.staff.individuals import AdminIndividualsState, AdminIndividualState

T = AdminIndividualsState.tr


def _person_row(person: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(rx.cond(person["name"] != "", person["name"], person["email"]), href=person["url"])
        ),
        rx.table.cell(person["email"]),
        rx.table.cell(person["auth"]),
        data_testid="person-row",
    )


def admin_individuals_page() -> rx.Component:
    s = AdminIndividualsState
    return admin_frame(
        rx.form(
            rx.hstack(
                rx.input(
                    name="query",
                    default_value=s.query,
                    placeholder=T["admin.send.find_hint"],
                    width="24em",
                    data_testid="people-search",
                ),
                rx.button(T["admin.list.search"], type="submit"),
            ),
            on_submit=s.search,
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(T[k])
                        for k in ("admin.list.recipient", "admin.tx.email", "admin.tx.auth")
                    ]
                )
            ),
            rx.table.body(rx.foreach(s.people, _person_row)),
            width="100%",
            variant="surface",
        ),
        title=T["admin.nav.individuals"],
    )


def _edit_form() -> rx.Component:
    s = AdminIndividualState
    return rx.form(
        rx.vstack(
            contact_fields(s.contact, s.auth_method, s.language, s.choose_method),
            rx.text(T["admin.person.open_follow"], size="2", color_scheme="gray"),
            rx.button(T["admin.person.save"], type="submit", data_testid="person-save"),
            spacing="3",
            width="100%",
        ),
        on_submit=s.save,
        key=s.contact_version.to_string(),
        width="100%",
    )


def admin_individual_page() -> rx.Component:
    s = AdminIndividualState
    return admin_frame(
        rx.cond(
            s.found,
            rx.vstack(
                rx.heading(s.title, size="5", data_testid="person-title"),
                notice(s.notice, tone="teal", test_id="person-notice"),
                notice(s.error, test_id="person-error"),
                rx.card(_edit_form(), width="100%"),
                rx.heading(T["admin.list.total"].replace("{count}", s.total.to_string()), size="3"),
                transactions_table(s.rows, plain_headers()),
                spacing="4",
                width="100%",
            ),
            rx.text(T["admin.person.not_found"]),
        ),
        title=T["admin.nav.individuals"],
    )
