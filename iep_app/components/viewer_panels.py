"""The viewer page's side panels: the study and series browser, and the DICOM tag panel."""

from __future__ import annotations

import reflex as rx

from iep_app.states.recipient.viewer import ViewerState

T = ViewerState.tr


def _series_item(row: rx.Var) -> rx.Component:
    selected = ViewerState.pane_series[ViewerState.active] == row["key"]
    return rx.fragment(
        rx.cond(
            row["first_in_study"] == "1",
            rx.text(
                row["study"],
                size="1",
                weight="bold",
                color_scheme="gray",
                padding_top="0.4em",
                display=["none", "none", "block"],
            ),
            rx.fragment(),
        ),
        rx.el.button(
            rx.image(
                src=row["thumbnail"],
                alt="",
                width="56px",
                height="56px",
                object_fit="contain",
                background="black",
                border_radius="4px",
                flex_shrink="0",
                data_testid="series-image",
            ),
            rx.vstack(
                rx.text(row["study"], size="1", color_scheme="gray", display=["block", "block", "none"]),
                rx.text(row["title"], size="2", weight="bold", trim="both"),
                rx.hstack(
                    rx.badge(row["modality"], variant="soft"),
                    rx.text(row["count"], size="1", color_scheme="gray"),
                    spacing="1",
                    align="center",
                ),
                spacing="1",
                align="start",
                min_width="0",
            ),
            on_click=ViewerState.open_series(row["key"]),
            aria_pressed=rx.cond(selected, "true", "false"),
            data_testid="series-item",
            style={
                "display": "flex",
                "gap": "0.6em",
                "align_items": "center",
                "text_align": "left",
                "padding": "0.4em",
                "border_radius": "8px",
                "cursor": "pointer",
                "min_width": ["220px", "220px", "0"],
                "width": "100%",
                "background": rx.cond(selected, rx.color("accent", 4), "transparent"),
                "border": rx.cond(
                    selected,
                    f"2px solid {rx.color('accent', 9)}",
                    f"2px solid {rx.color('gray', 4)}",
                ),
                "color": rx.color("gray", 12),
                "_focus_visible": {"outline": f"3px solid {rx.color('accent', 9)}"},
            },
        ),
    )


def _object_item(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("file-text", size=18, aria_hidden="true"),
        rx.vstack(
            rx.text(row["title"], size="2", weight="bold"),
            rx.cond(
                row["url"] != "",
                rx.link(
                    T["viewer.open_document"],
                    href=row["url"],
                    is_external=True,
                    size="2",
                    data_testid="open-document",
                ),
                rx.text(row["detail"], size="1", color_scheme="gray"),
            ),
            spacing="0",
            align="start",
        ),
        spacing="2",
        align="center",
        padding="0.3em 0.4em",
        data_testid="object-item",
    )


def series_browser() -> rx.Component:
    """Every study of the package, its series with thumbnails, and its other objects."""
    return rx.el.nav(
        rx.heading(T["viewer.series_list"], size="3", as_="h2"),
        rx.box(
            rx.foreach(ViewerState.series, _series_item),
            display="flex",
            flex_direction=["row", "row", "column"],
            gap="0.4em",
            overflow_x=["auto", "auto", "visible"],
            padding_bottom="0.3em",
        ),
        rx.cond(
            ViewerState.objects.length() > 0,
            rx.vstack(
                rx.heading(T["viewer.other_objects"], size="2", as_="h3"),
                rx.foreach(ViewerState.objects, _object_item),
                spacing="1",
            ),
            rx.fragment(),
        ),
        rx.text(T["viewer.thumbnail_note"], size="1", color_scheme="gray"),
        aria_label=T["viewer.series_list"],
        style={"display": "flex", "flex_direction": "column", "gap": "0.5em", "min_width": "0"},
    )


def _tag_row(row: rx.Var) -> rx.Component:
    cell = {"padding": "0.15em 0.4em", "vertical_align": "top", "font_size": "12px"}
    return rx.el.tr(
        rx.el.td(row["tag"], style={**cell, "font_family": "monospace", "white_space": "nowrap"}),
        rx.el.td(row["name"], style={**cell, "padding_left": row["indent"]}),
        rx.el.td(row["vr"], style={**cell, "font_family": "monospace"}),
        rx.el.td(row["value"], style={**cell, "word_break": "break-word"}),
        data_testid="tag-row",
    )


def tag_panel() -> rx.Component:
    """The current image's header, searchable; it follows the active viewport."""
    return rx.el.aside(
        rx.hstack(
            rx.heading(T["viewer.tags"], size="3", as_="h2"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=16),
                variant="ghost",
                on_click=ViewerState.toggle_tags,
                aria_label=T["viewer.tags_close"],
                data_testid="tags-close",
            ),
            align="center",
            width="100%",
        ),
        rx.text(ViewerState.tag_title, size="1", color_scheme="gray"),
        rx.input(
            placeholder=T["viewer.tags_search"],
            aria_label=T["viewer.tags_search"],
            on_change=ViewerState.search_tags.debounce(250),
            type="search",
            data_testid="tags-search",
        ),
        rx.box(
            rx.cond(
                ViewerState.tag_rows.length() > 0,
                rx.el.table(
                    rx.el.tbody(rx.foreach(ViewerState.tag_rows, _tag_row)),
                    style={"width": "100%", "border_collapse": "collapse"},
                ),
                rx.text(T["viewer.tags_empty"], size="2", color_scheme="gray"),
            ),
            overflow_y="auto",
            flex="1",
            min_height="0",
            max_height=["60vh", "60vh", "none"],
        ),
        aria_label=T["viewer.tags"],
        data_testid="tag-panel",
        style={
            "display": "flex",
            "flex_direction": "column",
            "gap": "0.5em",
            "min_height": "0",
            "width": ["100%", "100%", "380px"],
            "flex_shrink": "0",
            "padding": "0.6em",
            "border": f"1px solid {rx.color('gray', 6)}",
            "border_radius": "8px",
            "background": rx.color("gray", 1),
        },
    )
