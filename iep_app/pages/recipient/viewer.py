"""The viewer page: series browser, one or two viewports with their window menus, tag panel."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.viewer_panels import series_browser, tag_panel
from iep_app.components.viewer_viewport import viewport
from iep_app.states.recipient.viewer import ViewerState

T = ViewerState.tr


def _toggle(label: rx.Var, pressed: rx.Var, icon: str, test_id: str, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        label,
        variant=rx.cond(pressed, "solid", "surface"),
        aria_pressed=rx.cond(pressed, "true", "false"),
        size="2",
        data_testid=test_id,
        **props,
    )


def _controls() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            _toggle(
                T["viewer.layout.one"],
                ViewerState.layout == 1,
                "square",
                "layout-1",
                on_click=ViewerState.choose_layout(1),
            ),
            _toggle(
                T["viewer.layout.two"],
                ViewerState.layout == 2,
                "columns-2",
                "layout-2",
                on_click=ViewerState.choose_layout(2),
            ),
            spacing="1",
            role="group",
            aria_label=T["viewer.layout"],
        ),
        _toggle(
            T["viewer.overlays"],
            ViewerState.overlays,
            "type",
            "toggle-overlays",
            on_click=ViewerState.toggle_overlays,
        ),
        _toggle(
            T["viewer.tags"], ViewerState.tags_open, "list", "toggle-tags", on_click=ViewerState.toggle_tags
        ),
        spacing="2",
        wrap="wrap",
    )


def _pane(number: int) -> rx.Component:
    select_id = f"window-choice-{number}"
    return rx.box(
        rx.hstack(
            rx.text(
                ViewerState.pane_title[number],
                weight="bold",
                size="2",
                trim="both",
                flex="1",
                min_width="0",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            rx.hstack(
                rx.el.label(T["viewer.window"], html_for=select_id, style={"font_size": "13px"}),
                rx.el.select(
                    rx.foreach(
                        ViewerState.pane_options[number],
                        lambda option: rx.el.option(
                            option["label"], value=option["key"], disabled=option["key"] == "custom"
                        ),
                    ),
                    id=select_id,
                    value=ViewerState.pane_choice[number],
                    on_change=lambda key: ViewerState.choose_preset(number, key),
                    data_testid=f"window-choice-{number}",
                    style={
                        "min_height": "32px",
                        "max_width": "12em",
                        "min_width": "0",
                        "border_radius": "6px",
                        "border": f"1px solid {rx.color('gray', 7)}",
                        "background": rx.color("gray", 1),
                        "color": rx.color("gray", 12),
                    },
                ),
                align="center",
                spacing="2",
                min_width="0",
            ),
            align="center",
            spacing="2",
            padding="0.2em 0.1em",
            width="100%",
        ),
        rx.box(
            viewport(
                src=ViewerState.pane_src[number],
                preset=ViewerState.pane_preset[number],
                overlays=ViewerState.overlays,
                active=ViewerState.active == number,
                highlight=ViewerState.layout > 1,
                labels=T,
                viewport=number,
                test_id=f"viewport-{number}",
                on_image=ViewerState.image_changed,
                on_window=ViewerState.window_changed,
                on_activate=ViewerState.activate,
                on_session_ended=ViewerState.session_ended,
            ),
            display="flex",
            flex_direction="column",
            flex="1",
            min_height="0",
        ),
        display="flex",
        flex_direction="column",
        flex="1",
        min_width="0",
        # On a phone the viewports stack: each takes most of the screen, two share it.
        min_height=rx.cond(ViewerState.layout == 2, "46dvh", "70dvh"),
        style={"@media (min-width: 48em)": {"min_height": "0"}},
    )


def _workspace() -> rx.Component:
    return rx.box(
        rx.box(
            series_browser(),
            width=["100%", "100%", "250px"],
            flex_shrink="0",
            overflow_y=["visible", "visible", "auto"],
        ),
        rx.box(
            _pane(0),
            rx.cond(ViewerState.layout == 2, _pane(1), rx.fragment()),
            display="flex",
            flex_direction=["column", "column", "row"],
            gap="0.5em",
            flex="1",
            min_width="0",
            min_height="0",
        ),
        rx.cond(ViewerState.tags_open, tag_panel(), rx.fragment()),
        display="flex",
        flex_direction=["column", "column", "row"],
        gap="0.75em",
        flex="1",
        min_height="0",
        padding="0.5em",
    )


def viewer_page() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(
                rx.icon("arrow-left", size=16, aria_hidden="true"),
                T["viewer.back"],
                href=routes.PACKAGE,
                display="inline-flex",
                align_items="center",
                gap="0.3em",
                data_testid="viewer-back",
            ),
            rx.heading(T["viewer.title"], size="5", as_="h1"),
            rx.spacer(),
            _controls(),
            align="center",
            spacing="4",
            wrap="wrap",
            padding="0.5em 0.9em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
        ),
        rx.cond(
            ViewerState.loaded,
            _workspace(),
            rx.center(rx.spinner(size="3"), flex="1"),
        ),
        display="flex",
        flex_direction="column",
        height=["auto", "auto", "100dvh"],
        min_height="100dvh",
        background=rx.color("gray", 2),
    )
