"""The download page: DICOM media or pictures, for the whole package or one series."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import pk
from iep_app.services.errors import PackageUnavailable, SessionEnded
from iep_app.services.images import studies
from iep_app.services.recipient import downloads
from iep_app.services.recipient.downloads import DownloadKind
from iep_app.states.recipient.package import PackageState

# A rendered JPEG of a 512x512 slice at the quality used is 40-80 KB; shown as an estimate.
PICTURE_BYTES_ESTIMATE = 60_000


def human_size(size: int) -> str:
    """Bytes as a person reads them: 840 KB, 31.2 MB, 1.6 GB."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("bytes", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"


class DownloadState(rx.State):
    """Lists what can be downloaded; the bytes come from the HTTP API, never state."""

    loaded: bool = False
    dicom_size: str = ""
    pictures_size: str = ""
    image_count: int = 0
    series: list[dict[str, str]] = []

    @rx.event
    async def on_load(self):
        package = await self.get_state(PackageState)
        try:
            with session_scope() as session:
                transaction = package._transaction(session)
                contents = studies.contents(session=session, transaction_pk=pk(transaction))
        except (SessionEnded, PackageUnavailable) as error:
            package._close_for(error)
            return rx.redirect(routes.PACKAGE)
        self.image_count = sum(s.image_count for s in contents.series)
        self.dicom_size = human_size(contents.total_bytes)
        self.pictures_size = human_size(self.image_count * PICTURE_BYTES_ESTIMATE)
        self.series = [
            {
                "key": str(view.series_pk),
                "title": view.description or f"Series {view.series_number}",
                "modality": view.modality,
                "count": str(view.image_count),
            }
            for view in contents.series
        ]
        self.loaded = True

    @rx.event
    async def download(self, kind: str, series_key: str = ""):
        """Start a download after re-checking the session; the cookie guards the bytes too."""
        # Any JSON value can arrive over the websocket: a dict or list would not even hash.
        if not isinstance(kind, str) or not isinstance(series_key, str) or kind not in set(DownloadKind):
            return None
        package = await self.get_state(PackageState)
        try:
            with session_scope() as session:
                transaction = package._transaction(session)
                public_id = transaction.public_id or ""
        except (SessionEnded, PackageUnavailable) as error:
            package._close_for(error)
            return rx.redirect(routes.PACKAGE)
        series_pk = None
        if series_key:
            if series_key not in {s["key"] for s in self.series}:
                return None
            series_pk = int(series_key)
        name = downloads.file_name(public_id, DownloadKind(kind), series=series_pk is not None)
        return rx.download(url=routes.download_url(public_id, kind, series_pk), filename=name)
