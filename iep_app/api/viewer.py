"""The viewer's byte endpoints: series manifests, stored grey-scale words, encapsulated PDFs.

Each request re-checks the package's HttpOnly session cookie (``guard``), names only
database ids and the transaction's public id in its URL, and is cached privately.
"""

from __future__ import annotations

import gzip
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from iep_app import routes
from iep_app.api.guard import PATIENT_DATA, Denied, authorised_instance, authorised_transaction
from iep_app.db import session_scope
from iep_app.dicom.display import stored_words
from iep_app.dicom.documents import encapsulated_pdf
from iep_app.dicom.index import InstanceKind
from iep_app.dicom.pixels import RenderError
from iep_app.models import Instance, pk
from iep_app.services.errors import NotAllowed
from iep_app.services.images import files
from iep_app.services.recipient import viewing

# A manifest is rebuilt from headers that never change, but its format may change with
# a new release: cache it for a working session, not for a year.
# zlib level 1: a 512x512 CT slice of 512 KiB shrinks to about 260 KiB, for ~7 ms of a
# core. That pays off below ~200 Mbit/s and costs frames per second above it (on
# localhost it halved the slices a scroll could show), so the browser asks for it
# (?z=1) only after measuring a slow link; manifests are small and always compressed.
GZIP_LEVEL = 1


def _maybe_gzip(request: Request, data: bytes, headers: dict[str, str]) -> bytes:
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return data


def _package_instance(request: Request, kind: str) -> Instance:
    transaction = authorised_transaction(request)
    try:
        with session_scope() as session:
            return viewing.package_instance(
                session=session,
                transaction_pk=pk(transaction),
                instance_pk=request.path_params["instance"],
                kind=kind,
            )
    except NotAllowed:
        raise Denied(404) from None


async def series_manifest(request: Request) -> Response:
    """GET /api/t/{public_id}/series/{series}/manifest.json"""
    try:
        transaction = authorised_transaction(request)
        with session_scope() as session:
            images = viewing.series_images(
                session=session,
                transaction_pk=pk(transaction),
                series_pk=request.path_params["series"],
            )
    except NotAllowed:
        return Denied(404).response()
    except Denied as denied:
        return denied.response()
    urls = routes.viewer_url_templates(transaction.public_id or "")
    body = await run_in_threadpool(
        viewing.manifest, images, store=files.store(), urls=urls, lang=transaction.language
    )
    headers = {"Cache-Control": PATIENT_DATA}
    data = _maybe_gzip(request, json.dumps(body, separators=(",", ":")).encode(), headers)
    return Response(data, media_type="application/json", headers=headers)


def _words(request: Request) -> Response:
    try:
        instance = authorised_instance(request)
        number = request.path_params["frame"]
        if instance.kind != InstanceKind.IMAGE or number >= max(instance.number_of_frames, 1):
            raise Denied(404)
        frame = stored_words(files.store().path_of(instance.storage_key), number)
    except Denied as denied:
        return denied.response()
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")
    headers = {
        "Cache-Control": PATIENT_DATA,
        "X-Iep-Words": frame.code,
        "X-Iep-Shape": f"{frame.rows},{frame.columns}",
    }
    data = frame.data
    if request.query_params.get("z") == "1":
        data = _maybe_gzip(request, frame.data, headers)
    return Response(data, media_type="application/octet-stream", headers=headers)


async def words(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/words/{frame}[?z=1]: stored grey-scale words.

    The body is the frame's words, little endian, row by row; headers say their type
    (X-Iep-Words: u1, i1, u2 or i2) and shape (X-Iep-Shape: rows,columns). With z=1 the
    body is gzip-encoded (Content-Encoding), which the browser undoes by itself. The session
    check and the read run in one worker-thread trip, off the event loop.
    """
    return await run_in_threadpool(_words, request)


async def document(request: Request) -> Response:
    """GET /api/t/{public_id}/instances/{instance}/document.pdf"""
    try:
        instance = _package_instance(request, InstanceKind.PDF)
    except Denied as denied:
        return denied.response()
    try:
        pdf = await run_in_threadpool(encapsulated_pdf, files.store().path_of(instance.storage_key))
    except RenderError as error:
        return Response(str(error), status_code=422, media_type="text/plain")
    headers = {
        "Cache-Control": PATIENT_DATA,
        "Content-Disposition": 'inline; filename="report.pdf"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)
