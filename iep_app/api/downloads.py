"""Downloads of a verified package: DICOM media (resumable, exact length) and pictures (streamed)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from iep_app.api.guard import Denied, authorised_transaction, client_ip
from iep_app.api.ranges import WhileAllowed, content_disposition, range_response, while_allowed
from iep_app.db import session_scope
from iep_app.dicom.export import build_dicom_media, iter_pictures_zip
from iep_app.dicom.render import render_frame
from iep_app.models import Transaction, utcnow
from iep_app.services import organisation
from iep_app.services.images import files
from iep_app.services.recipient import downloads
from iep_app.services.recipient.downloads import DownloadKind
from iep_app.services.validation import row_id
from iep_app.settings import get_settings

PICTURE_QUALITY = 92


def _series_param(request: Request) -> int | None:
    raw = request.query_params.get("series")
    if raw is None:
        return None
    series_pk = row_id(raw)
    if series_pk is None:
        raise Denied(400)
    return series_pk


def _saved_as(request: Request, transaction: Transaction, kind: DownloadKind) -> str:
    series = request.query_params.get("series") is not None
    return downloads.file_name(transaction.public_id or "", kind, series=series)


def _prepare(request: Request, kind: DownloadKind) -> tuple[Transaction, downloads.Download]:
    """Authorise the request, then let the service list, mark and audit the download."""
    transaction = authorised_transaction(request)
    series_pk = _series_param(request)
    with session_scope() as session:
        download = downloads.start(
            session=session,
            transaction=transaction,
            kind=kind,
            store=files.store(),
            organisation=organisation.current(session=session, settings=get_settings()).name,
            series_pk=series_pk,
            byte_range=request.headers.get("range", ""),
            now=utcnow(),
            ip=client_ip(request),
        )
    if download is None:
        raise Denied(404)
    return transaction, download


def _still_allowed(request: Request) -> Callable[[], bool]:
    """A check that the request's session may still see its package (revoke and decline end it)."""

    def check() -> bool:
        try:
            authorised_transaction(request)
        except Denied:
            return False
        return True

    return check


async def dicom_media(request: Request) -> Response:
    """GET/HEAD /api/t/{public_id}/download/dicom.zip[?series=N]: original files, DICOMDIR."""
    try:
        transaction, download = await run_in_threadpool(_prepare, request, DownloadKind.DICOM)
    except Denied as denied:
        return denied.response()
    layout = await run_in_threadpool(
        partial(
            build_dicom_media,
            download.items,
            transaction_id=transaction.public_id or "",
            organisation=download.organisation,
            sent_at=transaction.created_at,
        )
    )
    source = WhileAllowed(layout, _still_allowed(request))
    return range_response(request, source, filename=_saved_as(request, transaction, DownloadKind.DICOM))


def _picture(path) -> bytes:  # type: ignore[no-untyped-def]
    return render_frame(path, fmt="jpeg", quality=PICTURE_QUALITY)


async def pictures(request: Request) -> Response:
    """GET /api/t/{public_id}/download/pictures.zip[?series=N]: JPEGs and PDF reports."""
    try:
        transaction, download = await run_in_threadpool(_prepare, request, DownloadKind.PICTURES)
    except Denied as denied:
        return denied.response()
    body = iter_pictures_zip(
        download.items,
        render=_picture,
        transaction_id=transaction.public_id or "",
        organisation=download.organisation,
        sent_at=transaction.created_at,
    )
    body = while_allowed(body, _still_allowed(request))
    headers = {
        "Cache-Control": "private, no-store",
        "Content-Disposition": content_disposition(_saved_as(request, transaction, DownloadKind.PICTURES)),
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(body, media_type="application/zip", headers=headers)
