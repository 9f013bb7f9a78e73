"""Send a study: drop files, watch the upload, check the ingest report, choose the recipient, Send."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_contact import contact_fields
from iep_app.components.admin_layout import admin_frame, field, series_card
from iep_app.components.layout import notice
from iep_app.states.staff.send import UPLOAD_ID
from iep_app.states.staff.send import AdminSendState as S

T = S.tr


def _drop_zone() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.icon("upload", size=28),
                rx.text(T["admin.send.drop"]),
                rx.text(T["admin.send.drop_hint"], size="1", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            multiple=True,
            border=f"2px dashed {rx.color('gray', 7)}",
            border_radius="10px",
            padding="2.5em",
            width="100%",
            data_testid="drop-zone",
        ),
        rx.text(
            T["admin.send.selected"].replace("{count}", rx.selected_files(UPLOAD_ID).length().to_string()),
            size="2",
            data_testid="selected-count",
        ),
        rx.button(
            T["admin.send.upload"],
            on_click=S.receive(rx.upload_files_chunk(upload_id=UPLOAD_ID, on_upload_progress=S.on_progress)),
            disabled=rx.selected_files(UPLOAD_ID).length() == 0,
            data_testid="upload",
        ),
        rx.cond(S.progress > 0, _progress(), rx.fragment()),
        notice(S.upload_error, test_id="upload-error"),
        width="100%",
        spacing="3",
    )


def _progress() -> rx.Component:
    return rx.vstack(
        rx.progress(value=S.progress, max=100, width="100%", data_testid="upload-bar"),
        rx.hstack(
            rx.text(S.progress.to_string() + "%", data_testid="upload-progress"),
            rx.cond(S.phase == "ingesting", rx.text(T["admin.send.ingesting"]), rx.fragment()),
            rx.cond(S.phase == "ingesting", rx.spinner(), rx.fragment()),
            spacing="2",
            align="center",
        ),
        width="100%",
    )


def _series_card(series: rx.Var) -> rx.Component:
    caption = T["admin.send.files"].replace("{count}", series["count"])
    return series_card(series, caption, test_id="report-series")


def _report() -> rx.Component:
    return rx.vstack(
        _progress(),
        rx.heading(T["admin.send.report"], size="4"),
        rx.foreach(
            S.studies,
            lambda s: rx.text(
                s["date"],
                " · ",
                s["description"],
                " · ",
                s["accession"],
                " · ",
                s["patient"],
                data_testid="report-study",
            ),
        ),
        rx.hstack(rx.foreach(S.series, _series_card), wrap="wrap", spacing="3"),
        rx.cond(
            S.mismatch,
            rx.callout(
                rx.vstack(
                    rx.text(T["admin.send.mismatch"], weight="bold"),
                    rx.foreach(S.patients, lambda p: rx.text("• ", p)),
                    spacing="1",
                ),
                color_scheme="orange",
                icon="triangle_alert",
                data_testid="mismatch",
            ),
            rx.fragment(),
        ),
        rx.cond(
            S.rejected.length() > 0,
            rx.vstack(
                rx.text(T["admin.send.rejected"], weight="bold"),
                rx.foreach(
                    S.rejected,
                    lambda r: rx.text(
                        rx.code(r["name"]), " ", r["reason"], size="2", data_testid="rejected-file"
                    ),
                ),
                spacing="1",
            ),
            rx.fragment(),
        ),
        rx.button(T["admin.send.start_over"], variant="soft", on_click=S.start_over),
        spacing="3",
        width="100%",
    )


def _directory_search() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="query",
                    placeholder=T["admin.send.find_hint"],
                    width="22em",
                    data_testid="find-person",
                ),
                rx.button(T["admin.list.search"], type="submit", variant="soft"),
            ),
            on_submit=S.find_people,
        ),
        rx.foreach(
            S.people,
            lambda p: rx.hstack(
                rx.text(p["name"]),
                rx.text(p["email"], color_scheme="gray", size="2"),
                rx.button(
                    T["admin.send.choose"],
                    size="1",
                    variant="soft",
                    on_click=S.choose_person(p["pk"].to(int)),
                ),
                align="center",
                data_testid="person-result",
            ),
        ),
    )


def _recipient_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            contact_fields(S.contact, S.auth_method, S.language, S.choose_method),
            field(
                T["admin.send.message"],
                rx.text_area(name="message", width="100%", data_testid="send-message"),
                width="100%",
            ),
            field(
                T["admin.send.until"],
                rx.input(
                    type="date",
                    name="until",
                    default_value=S.until,
                    min=S.until_min,
                    max=S.until_max,
                    data_testid="send-until",
                ),
            ),
            rx.cond(
                S.mismatch,
                rx.el.label(
                    rx.hstack(
                        rx.checkbox(name="confirm_mismatch", data_testid="confirm-mismatch"),
                        rx.text(T["admin.send.confirm"]),
                    ),
                ),
                rx.fragment(),
            ),
            notice(S.send_error, test_id="send-error"),
            rx.button(T["admin.send.send"], type="submit", size="3", loading=S.busy, data_testid="send"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.send,
        key=S.contact_version.to_string(),
        width="100%",
    )


def _sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            T["admin.send.sent"].replace("{id}", S.sent_id),
            color_scheme="teal",
            icon="check",
            data_testid="sent-notice",
        ),
        rx.text(T["admin.send.sent_id"], " ", rx.link(S.sent_id, href=S.sent_url, data_testid="sent-id")),
        notice(S.send_error, test_id="send-error"),
        rx.button(T["admin.send.another"], on_click=S.start_over, data_testid="send-another"),
        spacing="3",
    )


def admin_send_page() -> rx.Component:
    return admin_frame(
        rx.match(
            S.phase,
            ("upload", _drop_zone()),
            ("uploading", _progress()),
            ("ingesting", _progress()),
            (
                "report",
                rx.vstack(
                    _report(),
                    rx.divider(),
                    rx.heading(T["admin.send.recipient"], size="4"),
                    _directory_search(),
                    _recipient_form(),
                    spacing="4",
                    width="100%",
                ),
            ),
            ("sent", _sent()),
            rx.spinner(),
        ),
        title=T["admin.nav.send"],
    )
