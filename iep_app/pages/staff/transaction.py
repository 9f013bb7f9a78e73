"""One transaction for staff: details, images, actions, message thread, forward tree, timeline."""

from __future__ import annotations

import reflex as rx

from iep_app.components.admin_layout import admin_frame, series_card, status_badge
from iep_app.components.layout import notice
from iep_app.states.staff.transaction import AdminTransactionState as S

T = S.tr
# Side by side on a desktop, one under the other on a phone.
_TWO_ON_DESKTOP = rx.breakpoints(initial="1", md="2")


def _item(label_key: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(T[label_key]), rx.data_list.value(value))


def _details() -> rx.Component:
    info = S.info
    return rx.card(
        rx.data_list.root(
            _item(
                "admin.list.recipient",
                rx.link(
                    rx.cond(info["recipient"] != "", info["recipient"], info["email"]),
                    href=info["recipient_url"],
                ),
            ),
            _item("admin.tx.email", info["email"]),
            _item("admin.tx.auth", info["auth"]),
            _item("admin.list.patient", info["patient"]),
            _item("admin.list.created", info["created"]),
            _item("admin.list.until", rx.text(info["until"], data_testid="tx-until")),
            _item("admin.list.activity", info["activity"]),
            _item("admin.tx.sent_by", info["sent_by"]),
            _item("admin.tx.codes", info["codes"]),
            _item("admin.tx.codes_today", info["codes_today"]),
            _item("admin.tx.wrong_codes", rx.text(info["wrong_codes"], data_testid="wrong-codes")),
            rx.cond(
                info["parent"] != "",
                _item("admin.tx.parent", rx.link(info["parent"], href=info["parent_url"])),
                rx.fragment(),
            ),
            rx.cond(
                info["decline_reason"] != "",
                _item("admin.tx.decline_reason", info["decline_reason"]),
                rx.fragment(),
            ),
        ),
    )


def _series_card(series: rx.Var) -> rx.Component:
    caption = T["admin.tx.images"].replace("{count}", series["images"])
    return series_card(series, caption, test_id="tx-series")


def _revoke_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(T["admin.tx.revoke"], color_scheme="red", data_testid="revoke")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(T["admin.tx.revoke_title"].replace("{id}", S.public_id)),
            rx.alert_dialog.description(T["admin.tx.revoke_warning"]),
            rx.form(
                rx.vstack(
                    rx.cond(
                        S.onward_count > 0,
                        rx.el.label(
                            rx.hstack(
                                rx.checkbox(name="onward", data_testid="revoke-onward"),
                                rx.text(
                                    T["admin.tx.revoke_onward"].replace("{count}", S.onward_count.to_string())
                                ),
                                spacing="2",
                            )
                        ),
                        rx.fragment(),
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button(T["admin.cancel"], variant="soft", type="button")),
                        rx.alert_dialog.action(
                            rx.button(
                                T["admin.tx.revoke"],
                                color_scheme="red",
                                type="submit",
                                data_testid="revoke-confirm",
                            )
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=S.revoke,
            ),
        ),
    )


def _actions() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.tx.actions"], size="3"),
            rx.hstack(
                rx.button(
                    T["admin.tx.resend"],
                    on_click=S.resend_link,
                    loading=S.busy,
                    disabled=~S.is_open,
                    data_testid="resend-link",
                ),
                rx.button(
                    T["admin.tx.unlock"],
                    variant="soft",
                    on_click=S.unlock_codes,
                    disabled=~S.is_open,
                    data_testid="unlock-codes",
                ),
                rx.cond(S.is_open, _revoke_dialog(), rx.fragment()),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(
                S.codes_lock != "",
                rx.text(S.codes_lock, size="2", color_scheme="orange", data_testid="codes-lock"),
                rx.fragment(),
            ),
            rx.form(
                rx.hstack(
                    rx.text(T["admin.tx.retention"], size="2"),
                    rx.input(
                        type="date",
                        name="until",
                        default_value=S.until,
                        key=S.until,
                        data_testid="retention-date",
                    ),
                    rx.button(
                        T["admin.tx.change"],
                        type="submit",
                        variant="soft",
                        disabled=~S.is_open,
                        data_testid="retention-save",
                    ),
                    align="center",
                    spacing="2",
                ),
                on_submit=S.change_retention,
            ),
            spacing="3",
        ),
    )


def _thread() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.tx.thread"], size="3"),
            rx.foreach(
                S.thread,
                lambda m: rx.box(
                    rx.text(m["author"], " · ", m["at"], size="1", color_scheme="gray"),
                    rx.text(m["text"], white_space="pre-wrap"),
                    data_testid="thread-message",
                ),
            ),
            rx.form(
                rx.vstack(
                    rx.text_area(
                        name="text",
                        placeholder=T["admin.tx.message_hint"],
                        width="100%",
                        data_testid="message-text",
                    ),
                    rx.button(
                        T["admin.tx.add_message"],
                        type="submit",
                        variant="soft",
                        data_testid="message-add",
                    ),
                    width="100%",
                ),
                on_submit=S.add_message,
                reset_on_submit=True,
                width="100%",
            ),
            width="100%",
        ),
    )


def _tree() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.tx.tree"], size="3"),
            rx.foreach(
                S.tree,
                lambda n: rx.hstack(
                    rx.cond(
                        n["this"] != "",
                        rx.text(n["public_id"], weight="bold"),
                        rx.link(n["public_id"], href=n["url"]),
                    ),
                    rx.text(n["email"], size="2"),
                    status_badge(n["status"]),
                    padding_left=n["indent"],
                    align="center",
                    data_testid="tree-node",
                ),
            ),
        ),
    )


def _timeline() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["admin.tx.timeline"], size="3"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(T[k])
                            for k in (
                                "admin.tx.when",
                                "admin.tx.event",
                                "admin.tx.detail",
                                "admin.tx.by",
                                "admin.tx.ip",
                            )
                        ]
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        S.timeline,
                        lambda e: rx.table.row(
                            rx.table.cell(e["at"]),
                            rx.table.cell(e["event"]),
                            rx.table.cell(e["detail"]),
                            rx.table.cell(e["actor"]),
                            rx.table.cell(e["ip"]),
                            data_testid="timeline-event",
                        ),
                    )
                ),
                size="1",
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
    )


def _found() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.public_id, size="5", data_testid="tx-id"),
            status_badge(S.status),
            align="center",
        ),
        notice(S.notice, tone="teal", test_id="tx-notice"),
        notice(S.error, test_id="tx-error"),
        rx.grid(_details(), _actions(), columns=_TWO_ON_DESKTOP, spacing="4", width="100%"),
        rx.hstack(rx.foreach(S.series, _series_card), wrap="wrap", spacing="3"),
        rx.grid(_thread(), _tree(), columns=_TWO_ON_DESKTOP, spacing="4", width="100%"),
        _timeline(),
        spacing="4",
        width="100%",
    )


def admin_transaction_page() -> rx.Component:
    return admin_frame(
        rx.cond(S.found, _found(), rx.text(T["admin.tx.not_found"], data_testid="tx-missing")),
        title=T["admin.tx.title"],
    )
