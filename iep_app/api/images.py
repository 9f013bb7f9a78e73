"""Rendered frames and thumbnails of a verified package's images."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from iep_app.api.guard import PATIENT_DATA, Denied, authorised_instance
from iep_app.dicom.render import RenderError, Window, cached_frame, render_frame, render_thumbnail
from iep_app.services.images import files
from iep_app.services.validation import whole_number

_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _window(request: Request) -> Window | None:
    center, width = request.query_params.get("wc"), request.query_params.get("ww")
    if center is None or width is None:
        return None
    try:
        window = Window(center=float(center), width=float(width))
    except ValueError:
        raise Denied(400) from None
    if not (math.isfinite(window.center) and math.isfinite(window.width)) or window.width <= 0:
        raise Denied(400)
    return window


def _int_param(request: Request, name: str, default: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    number = whole_number(raw, low=1, high=high)
    if number is None:
        raise Denied(400)
    return number


@dataclass(frozen=True)
class _FrameRequest:
    """A checked request for one rendered frame."""

    path: Path
    frame: int
    window: Window | None
    fmt: str
    quality: int
    max_size: int | None
    invert: bool

    def options(self) -> dict:
        return {
            "frame": self.frame,
            "window": self.window,
            "fmt": self.fmt,
            "quality": self.quality,
            "max_size": self.max_size,
            "invert": self.invert,
        }


def _checked_frame_request(request: Request) -> _FrameRequest:
    """Authorise (one indexed query) and validate; raises Denied."""
    instance = authorised_instance(request)
    fmt = request.path_params["fmt"]
    if fmt not in _MEDIA_TYPES:
        raise Denied(404)
    number = request.path_params["frame"]
    if number >= instance.number_of_frames:
        raise Denied(404)
    return _FrameRequest(
        path=files.store().path_of(instance.storage_key),
        frame=number,
        window=_window(request),
        fmt="png" if fmt == "png" else "jpeg",
        quality=_int_param(request, "q", 90, 100),
        max_size=_int_param(request, "size", 0, 8192) or None,
        invert=request.query_params.get("invert") == "1",
    )


def _image(data: bytes, fmt: str) -> Response:
    return Response(data, media_type=_MEDIA_TYPES[fmt], headers={"Cache-Control": PATIENT_DATA})


def _rendered(asked: _FrameRequest) -> Response:
    try:
        return _image(render_frame(asked.path, **asked.options()), asked.fmt)
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")


def _thumbnail(request: Request) -> Response:
    try:
        instance = authorised_instance(request)
        data = render_thumbnail(files.store().path_of(instance.storage_key))
    except Denied as denied:
        return denied.response()
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": PATIENT_DATA})


# The thumbnail's session check and render both block: one trip to a worker thread does both.
async def frame(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/frames/{frame}.{fmt}[?wc=&ww=&invert=1&size=&q=]

    The session check is one indexed query, done here; a frame already rendered with these
    settings is answered at once, and only a new render goes to a worker thread (the hop
    costs more than the check and the cache look-up together).
    """
    try:
        asked = _checked_frame_request(request)
    except Denied as denied:
        return denied.response()
    cached = cached_frame(asked.path, **asked.options())
    if cached is not None:
        return _image(cached, asked.fmt)
    return await run_in_threadpool(_rendered, asked)


async def thumbnail(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/thumbnail.jpg"""
    return await run_in_threadpool(_thumbnail, request)
