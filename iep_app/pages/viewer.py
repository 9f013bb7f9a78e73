"""The viewer page: each series of the package with one rendered image."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.layout import page_frame
from iep_app.states.viewer import ViewerState


def _series_card(series: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.image(
                src=series["image"],
                alt=series["title"],
                width="100%",
                max_width="512px",
                background="black",
                data_testid="series-image",
            ),
            rx.hstack(
                rx.badge(series["modality"]),
                rx.text(series["title"], weight="bold"),
                rx.text(series["count"] + " images", color_scheme="gray", size="2"),
                spacing="2",
                align="center",
            ),
        ),
        width="100%",
    )


def viewer_page() -> rx.Component:
    return page_frame(
        rx.link("← Back", href=routes.PACKAGE),
        rx.cond(
            ViewerState.loaded,
            rx.vstack(rx.foreach(ViewerState.series, _series_card), spacing="3", width="100%"),
            rx.spinner(),
        ),
        title="Images",
    )
