"""Downloads of a verified package: DICOM media (resumable, exact length) and pictures (streamed)."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from iep_app.api.guard import Denied, authorised_transaction, client_ip
from iep_app.api.ranges import content_disposition, range_response
from iep_app.db import session_scope
from iep_app.dicom.export import ExportItem, build_dicom_media, iter_pictures_zip
from iep_app.dicom.render import render_frame
from iep_app.models import Progress, Transaction, pk, utcnow
from iep_app.services import audit, organisation
from iep_app.services.audit import Action
from iep_app.services.images import files
from iep_app.services.recipient import downloads
from iep_app.services.recipient.downloads import DownloadKind
from iep_app.services.transactions import records
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


def _prepare(request: Request, kind: DownloadKind) -> tuple[Transaction, list[ExportItem], str]:
    """Authorise, list what goes in, and audit the download (what, size, when, from where)."""
    transaction = authorised_transaction(request)
    settings = get_settings()
    series_pk = _series_param(request)
    with session_scope() as session:
        items = downloads.export_items(
            session=session,
            transaction=transaction,
            store=files.store(),
            series_pk=series_pk,
        )
        if not items:
            raise Denied(404)
        org = organisation.current(session=session, settings=settings).name
        row = session.get(Transaction, pk(transaction))
        assert row is not None
        now = utcnow()
        records.advance(row, Progress.DOWNLOADED, now)
        audit.record(
            session=session,
            now=now,
            action=Action.DOWNLOADED,
            actor=audit.RECIPIENT,
            transaction_pk=pk(transaction),
            ip=client_ip(request),
            kind=kind,
            series=series_pk,
            files=len(items),
            bytes=sum(i.size for i in items),
            range=request.headers.get("range", ""),
        )
    return transaction, items, org


async def dicom_media(request: Request) -> Response:
    """GET/HEAD /api/t/{public_id}/download/dicom.zip[?series=N]: original files, DICOMDIR."""
    try:
        transaction, items, org = await run_in_threadpool(_prepare, request, DownloadKind.DICOM)
    except Denied as denied:
        return denied.response()
    layout = await run_in_threadpool(
        partial(
            build_dicom_media,
            items,
            transaction_id=transaction.public_id or "",
            organisation=org,
            sent_at=transaction.created_at,
        )
    )
    return range_response(request, layout, filename=_saved_as(request, transaction, DownloadKind.DICOM))


def _picture(path) -> bytes:  # type: ignore[no-untyped-def]
    return render_frame(path, fmt="jpeg", quality=PICTURE_QUALITY)


async def pictures(request: Request) -> Response:
    """GET /api/t/{public_id}/download/pictures.zip[?series=N]: JPEGs and PDF reports."""
    try:
        transaction, items, org = await run_in_threadpool(_prepare, request, DownloadKind.PICTURES)
    except Denied as denied:
        return denied.response()
    body = iter_pictures_zip(
        items,
        render=_picture,
        transaction_id=transaction.public_id or "",
        organisation=org,
        sent_at=transaction.created_at,
    )
    headers = {
        "Cache-Control": "private, no-store",
        "Content-Disposition": content_disposition(_saved_as(request, transaction, DownloadKind.PICTURES)),
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(body, media_type="application/zip", headers=headers)
