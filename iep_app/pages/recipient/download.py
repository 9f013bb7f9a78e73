"""The download page: a choice of DICOM media or pictures, whole package or per series, sizes shown."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.components.layout import page_frame
from iep_app.services.recipient.downloads import DownloadKind
from iep_app.states.recipient.download import DownloadState
from iep_app.states.recipient.package import PackageState

T = PackageState.tr


def _option(kind: str, title: rx.Var, detail: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(title, weight="bold"),
                rx.text(detail, size="2", color_scheme="gray"),
                spacing="1",
                align="start",
                flex="1",
            ),
            rx.button(
                rx.icon("download"),
                T[f"download.button.{kind}"],
                on_click=DownloadState.download(kind, ""),
                data_testid=f"download-{kind}",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _series_row(series: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.badge(series["modality"]),
        rx.text(series["title"], flex="1"),
        rx.text(series["count"], color_scheme="gray", size="2"),
        rx.button(
            T["download.button.dicom"],
            size="1",
            variant="soft",
            on_click=DownloadState.download(DownloadKind.DICOM.value, series["key"]),
        ),
        rx.button(
            T["download.button.pictures"],
            size="1",
            variant="soft",
            on_click=DownloadState.download(DownloadKind.PICTURES.value, series["key"]),
        ),
        align="center",
        width="100%",
        spacing="2",
    )


def download_page() -> rx.Component:
    return page_frame(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), T["nav.back"], align="center"), href=routes.PACKAGE
        ),
        rx.cond(
            DownloadState.loaded,
            rx.vstack(
                rx.text(T["download.intro"]),
                _option(
                    DownloadKind.DICOM.value,
                    T["download.dicom.title"],
                    T["download.dicom.detail"].replace("{size}", DownloadState.dicom_size),
                ),
                _option(
                    DownloadKind.PICTURES.value,
                    T["download.pictures.title"],
                    T["download.pictures.detail"]
                    .replace("{size}", DownloadState.pictures_size)
                    .replace("{count}", DownloadState.image_count.to_string()),
                ),
                rx.text(T["download.lossy"], size="1", color_scheme="gray"),
                rx.heading(T["download.by_series"], size="3", as_="h2"),
                rx.vstack(rx.foreach(DownloadState.series, _series_row), width="100%", spacing="2"),
                spacing="3",
                width="100%",
            ),
            rx.spinner(),
        ),
        title=T["download.title"],
    )
