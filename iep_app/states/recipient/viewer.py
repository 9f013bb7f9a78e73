"""The viewer of a verified package: series browser, layout, window choice, overlays, tags.

Only per-gesture facts live here. Frames, scrolling, window/level dragging, zoom and
measurements happen in the browser component (components/viewer_viewport.py), which
fetches bytes from api/viewer.py; this state hears when an image settles or a window was
dragged. Every handler re-checks the tab's session and validates its arguments: any of
them can be called over the websocket with anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import InstanceKind, Transaction, pk
from iep_app.services.errors import NotAllowed, PackageUnavailable, SessionEnded
from iep_app.services.images import files
from iep_app.services.recipient import viewer_rows, viewing
from iep_app.services.validation import row_id
from iep_app.states.common import I18nState, now
from iep_app.states.recipient.package import PackageState

PANES = 2
MAX_QUERY = 100
T = TypeVar("T")


class _Ended(Exception):
    """The tab's session is over; the handler redirects to the package page."""


def _index(value: object, limit: int) -> int | None:
    """An int in range(limit), or None (bools and strings are not indexes)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit:
        return value
    return None


def _empty_preset(seq: int = 0) -> dict[str, Any]:
    return {"seq": seq, "kind": viewer_rows.DEFAULT_WINDOW, "index": 0, "center": 0.0, "width": 0.0}


class ViewerState(I18nState):
    """One tab's viewer. Lists per pane are indexed by viewport number (0 left, 1 right)."""

    loaded: bool = False
    series: list[dict[str, str]] = []
    objects: list[dict[str, str]] = []
    layout: int = 1
    active: int = 0
    pane_series: list[str] = ["", ""]
    pane_src: list[str] = ["", ""]
    pane_title: list[str] = ["", ""]
    pane_options: list[list[dict[str, str]]] = [[], []]
    pane_choice: list[str] = [viewer_rows.DEFAULT_WINDOW, viewer_rows.DEFAULT_WINDOW]
    pane_preset: list[dict[str, Any]] = [_empty_preset(), _empty_preset()]
    overlays: bool = True
    tags_open: bool = False
    tag_query: str = ""
    tag_title: str = ""
    tag_rows: list[dict[str, str]] = []
    _public_id: str = ""
    _pane_modality: list[str] = ["", ""]
    _pane_windows: list[int] = [0, 0]
    _pane_image: list[int] = [0, 0]
    _all_tags: list[dict[str, str]] = []

    async def _checked(self, work: Callable[[Session, Transaction], T]) -> T:
        """Run ``work`` for this tab's verified package, in one database session.

        Raises:
            _Ended: the session ended or the package closed (the package page says why).
        """
        package = await self.get_state(PackageState)
        try:
            with session_scope() as session:
                return work(session, package._transaction(session))
        except (SessionEnded, PackageUnavailable) as error:
            package._close_for(error)
            raise _Ended() from None

    async def _verified(self) -> bool:
        """Whether this tab's session is still live (if not, the package page says why)."""
        try:
            await self._checked(lambda session, transaction: None)
        except _Ended:
            return False
        return True

    @rx.event
    async def on_load(self):
        def open_viewer(session: Session, transaction: Transaction):
            opened = viewing.open_viewer(
                session=session, transaction=transaction, now=now(), lang=self.lang, ip=self._client_ip()
            )
            return transaction.public_id or "", opened

        self.loaded = False
        try:
            self._public_id, opened = await self._checked(open_viewer)
        except _Ended:
            return rx.redirect(routes.PACKAGE)
        ids = {"public_id": self._public_id, "text": self._text}
        self.series = viewer_rows.series_rows(opened.browser, **ids)
        self.objects = viewer_rows.object_rows(opened.browser, **ids)
        self.layout, self.active, self.tags_open, self.tag_query = 1, 0, False, ""
        for pane in range(PANES):
            self._clear_pane(pane)
        if opened.first is not None:
            self._show(0, opened.first)
        self.loaded = True
        return None

    def _put(self, pane: int, **values: Any) -> None:
        """Set one viewport's entry of per-viewport lists (new lists, so changes are sent)."""
        for name, value in values.items():
            items = list(getattr(self, name))
            items[pane] = value
            setattr(self, name, items)

    def _next_preset(self, pane: int, **choice: Any) -> dict[str, Any]:
        return {**_empty_preset(self.pane_preset[pane]["seq"] + 1), **choice}

    def _clear_pane(self, pane: int) -> None:
        self._put(
            pane,
            pane_series="",
            pane_src="",
            pane_title="",
            pane_options=[],
            pane_choice=viewer_rows.DEFAULT_WINDOW,
            pane_preset=self._next_preset(pane),
            _pane_modality="",
            _pane_windows=0,
            _pane_image=0,
        )

    def _show(self, pane: int, images: viewing.SeriesImages) -> None:
        look = viewing.series_look(images, store=files.store())
        series = images.series
        self._put(
            pane,
            pane_series=str(series.id),
            pane_src=routes.series_manifest_url(self._public_id, pk(series)),
            pane_title=series.series_description or series.modality,
            pane_options=viewer_rows.window_options(series.modality, look, text=self._text),
            pane_choice=viewer_rows.DEFAULT_WINDOW,
            pane_preset=self._next_preset(pane),
            _pane_modality=series.modality,
            _pane_windows=len(look.windows),
            _pane_image=pk(images.instances[0]),
        )

    def _series_images(self, key: object) -> Callable[[Session, Transaction], viewing.SeriesImages]:
        series_pk = row_id(key)
        if series_pk is None:
            raise NotAllowed()

        def work(session: Session, transaction: Transaction) -> viewing.SeriesImages:
            return viewing.series_images(session=session, transaction_pk=pk(transaction), series_pk=series_pk)

        return work

    @rx.event
    async def open_series(self, key: str):
        """Show a series of this package in the active viewport."""
        try:
            images = await self._checked(self._series_images(key))
        except _Ended:
            return rx.redirect(routes.PACKAGE)
        except NotAllowed:
            return None
        self._show(self.active if self.layout > 1 else 0, images)
        if self.tags_open:
            await self._load_tags()
        return None

    @rx.event
    async def choose_layout(self, count: int):
        """One viewport or two side by side; the second starts on the next series."""
        if count not in (1, 2) or isinstance(count, bool):
            return None
        keys = [row["key"] for row in self.series]
        current = self.pane_series[0]
        following = keys[(keys.index(current) + 1) % len(keys)] if current in keys else current
        try:
            images = await self._checked(self._series_images(following)) if count == 2 else None
        except _Ended:
            return rx.redirect(routes.PACKAGE)
        except NotAllowed:
            images = None
        self.layout = count
        if count == 1:
            self.active = 0
            self._clear_pane(1)
        elif images is not None and not self.pane_series[1]:
            self._show(1, images)
        return None

    @rx.event
    async def activate(self, viewport: int):
        """The person works in this viewport now: browser clicks and presets go to it."""
        pane = _index(viewport, self.layout)
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        if pane is not None:
            self.active = pane
        return None

    @rx.event
    async def choose_preset(self, viewport: int, key: str):
        """Apply a window choice from the menu of this viewport's series."""
        pane = _index(viewport, self.layout)
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        if pane is None or not self.pane_series[pane] or not isinstance(key, str):
            return None
        modality = self._pane_modality[pane]
        if not viewer_rows.offers_window(key, modality, self._pane_windows[pane]):
            return None
        resolved = viewer_rows.window_values(key, modality)
        self._put(pane, pane_preset=self._next_preset(pane, **resolved), pane_choice=key)
        return None

    @rx.event
    async def window_changed(self, viewport: int, kind: str):
        """The component reports a dragged (custom) or reset (default) window."""
        pane = _index(viewport, self.layout)
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        if (
            pane is not None
            and kind in (viewer_rows.CUSTOM_WINDOW, viewer_rows.DEFAULT_WINDOW)
            and self.pane_series[pane]
        ):
            self._put(pane, pane_choice=kind)
        return None

    @rx.event
    async def image_changed(self, viewport: int, instance: int, frame: int):
        """The image a viewport settled on; the tag panel follows the active one."""
        pane = _index(viewport, self.layout)
        if pane is None or not self.pane_series[pane] or _index(instance, 1 << 62) is None:
            return None
        series_pk = int(self.pane_series[pane])

        def check(session: Session, transaction: Transaction) -> bool:
            found = viewing.package_instance(
                session=session,
                transaction_pk=pk(transaction),
                instance_pk=instance,
                kind=InstanceKind.IMAGE,
            )
            return found.series_pk == series_pk and _index(frame, found.number_of_frames) is not None

        try:
            valid = await self._checked(check)
        except _Ended:
            return rx.redirect(routes.PACKAGE)
        except NotAllowed:
            return None
        if valid:
            self._put(pane, _pane_image=instance)
            if self.tags_open and pane == self.active:
                await self._load_tags()
        return None

    @rx.event
    async def toggle_overlays(self):
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        self.overlays = not self.overlays
        return None

    @rx.event
    async def toggle_tags(self):
        """Open or close the tag panel of the active viewport's image."""
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        self.tags_open = not self.tags_open
        try:
            if self.tags_open:
                await self._load_tags()
        except _Ended:
            self.tags_open = False
            return rx.redirect(routes.PACKAGE)
        if not self.tags_open:
            self._all_tags, self.tag_rows = [], []
        return None

    @rx.event
    async def search_tags(self, query: str):
        """Filter the tag panel; every word must match the tag, its name or value."""
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        self.tag_query = query[:MAX_QUERY] if isinstance(query, str) else ""
        self._filter_tags()
        return None

    def _filter_tags(self) -> None:
        self.tag_rows = viewer_rows.filter_lines(self._all_tags, self.tag_query)

    async def _load_tags(self) -> None:
        instance_pk = self._pane_image[self.active]

        def find(session: Session, transaction: Transaction):
            return viewing.package_instance(
                session=session, transaction_pk=pk(transaction), instance_pk=instance_pk
            )

        try:
            instance = await self._checked(find)
            rows = viewing.instance_tags(instance, store=files.store())
        except (NotAllowed, viewing.RenderError):
            self._all_tags, self.tag_rows, self.tag_title = [], [], ""
            return
        self._all_tags = viewer_rows.tag_lines(rows)
        self.tag_title = self._text("viewer.tags_of", number=instance.instance_number or "?")
        self._filter_tags()

    @rx.event
    async def session_ended(self, viewport: int):
        """An image request was refused: confirm, and send the tab to the package page."""
        if not await self._verified():
            return rx.redirect(routes.PACKAGE)
        return None
