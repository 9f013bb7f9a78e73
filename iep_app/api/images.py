"""Rendered frames and thumbnails of a verified package's images."""

from __future__ import annotations

import math

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from iep_app.api.guard import PATIENT_DATA, Denied, authorised_instance
from iep_app.dicom.render import RenderError, Window, render_frame, render_thumbnail
from iep_app.dicom.store import FileStore
from iep_app.settings import get_settings

_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _store() -> FileStore:
    return FileStore(get_settings().store_dir)


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
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise Denied(400)
    return int(raw)


def _frame(request: Request) -> Response:
    try:
        instance = authorised_instance(request)
        fmt = request.path_params["fmt"]
        if fmt not in _MEDIA_TYPES:
            raise Denied(404)
        number = request.path_params["frame"]
        if number >= instance.number_of_frames:
            raise Denied(404)
        window = _window(request)
        quality = _int_param(request, "q", 90, 100)
        size = _int_param(request, "size", 0, 8192) or None
        data = render_frame(
            _store().path_of(instance.storage_key),
            frame=number,
            window=window,
            fmt="png" if fmt == "png" else "jpeg",
            quality=quality,
            max_size=size,
            invert=request.query_params.get("invert") == "1",
        )
    except Denied as denied:
        return denied.response()
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")
    return Response(data, media_type=_MEDIA_TYPES[fmt], headers={"Cache-Control": PATIENT_DATA})


def _thumbnail(request: Request) -> Response:
    try:
        instance = authorised_instance(request)
        data = render_thumbnail(_store().path_of(instance.storage_key))
    except Denied as denied:
        return denied.response()
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": PATIENT_DATA})


# The session check (a database query) and the render both block: one trip to a worker
# thread does both, so the event loop never waits on either.
async def frame(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/frames/{frame}.{fmt}[?wc=&ww=&invert=1&size=&q=]"""
    return await run_in_threadpool(_frame, request)


async def thumbnail(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/thumbnail.jpg"""
    return await run_in_threadpool(_thumbnail, request)
