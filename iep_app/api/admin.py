"""Staff byte endpoints: the HttpOnly staff cookie, thumbnails of stored files, the audit CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from iep_app.api.guard import PATIENT_DATA, Denied, client_ip
from iep_app.db import session_scope
from iep_app.dicom.render import RenderError, render_thumbnail
from iep_app.models import utcnow
from iep_app.services.errors import NotAllowed, SessionEnded, ValidationFailed, message_of
from iep_app.services.images import files
from iep_app.services.staff import audit_export, sessions
from iep_app.services.staff.sessions import COOKIE_NAME, StaffIdentity
from iep_app.settings import get_settings

NO_STORE = {"Cache-Control": "no-store"}


def signed_in_staff(request: Request, *, admin: bool = False) -> StaffIdentity:
    """The staff member whose HttpOnly cookie came with the request, re-checked in the database.

    Raises:
        Denied: 401 without a live staff session, 403 without the admin role when needed.
    """
    try:
        with session_scope() as session:
            return sessions.authorise(
                session=session,
                secret_key=get_settings().secret_key,
                token=request.cookies.get(COOKIE_NAME, ""),
                now=utcnow(),
                ip=client_ip(request),
                admin=admin,
                cookie=True,
            )
    except SessionEnded:
        raise Denied(401) from None
    except NotAllowed:
        raise Denied(403) from None


async def create_cookie(request: Request) -> Response:
    """POST /api/admin/session {grant}: swap a signed-in tab's grant for the staff cookie."""
    settings = get_settings()
    try:
        grant = str(json.loads(await request.body() or b"{}").get("grant", ""))
    except (ValueError, AttributeError):
        return JSONResponse({"error": "bad request"}, status_code=400, headers=NO_STORE)
    try:
        with session_scope() as session:
            cookie = sessions.redeem_cookie_grant(
                session=session, secret_key=settings.secret_key, grant=grant, now=utcnow()
            )
    except SessionEnded:
        return JSONResponse({"error": "session ended"}, status_code=401, headers=NO_STORE)
    response = JSONResponse({"ok": True}, headers=NO_STORE)
    # HttpOnly: page scripts cannot read it. Strict: no other site makes the browser send
    # it. Path "/": the websocket handshake carries it too, so a new tab of a signed-in
    # browser is signed in (every action still re-checks it in the database).
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
        path="/",
    )
    return response


async def delete_cookie(request: Request) -> Response:
    """DELETE /api/admin/session: sign out this browser (its session and cookie)."""
    settings = get_settings()
    with session_scope() as session:
        sessions.end(
            session=session,
            secret_key=settings.secret_key,
            token=request.cookies.get(COOKIE_NAME, ""),
            now=utcnow(),
            ip=client_ip(request),
            cookie=True,
        )
    response = JSONResponse({"ok": True}, headers=NO_STORE)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response


async def stored_thumbnail(request: Request) -> Response:
    """GET /api/admin/store/{key}/thumbnail.jpg: a stored instance's thumbnail, staff only."""
    try:
        signed_in_staff(request)
        path = files.store().path_of(request.path_params["key"])
    except Denied as denied:
        return denied.response()
    except ValueError:
        return Response(status_code=404, headers=NO_STORE)
    if not path.is_file():
        return Response(status_code=404, headers=NO_STORE)
    try:
        data = await run_in_threadpool(render_thumbnail, path)
    except RenderError:
        return Response(status_code=422, headers=NO_STORE)
    # Private: a shared cache must never keep patient images.
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": PATIENT_DATA})


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


async def audit_csv(request: Request) -> Response:
    """GET /api/admin/audit.csv?from=YYYY-MM-DD&to=YYYY-MM-DD: the audit trail, staff only."""
    try:
        who = signed_in_staff(request)
    except Denied as denied:
        return denied.response()
    try:
        start, end = audit_export.check_range(
            _day(request.query_params.get("from")), _day(request.query_params.get("to"))
        )
    except ValidationFailed as failed:
        return Response(message_of(failed, "en"), status_code=400, media_type="text/plain", headers=NO_STORE)
    with session_scope() as session:
        audit_export.record_export(
            session=session, by=who, start=start, end=end, now=utcnow(), ip=client_ip(request)
        )

    def lines() -> Iterator[str]:
        with session_scope() as session:
            yield from audit_export.csv_lines(session=session, start=start, end=end)

    name = f"iep-audit-{start.isoformat()}-{end.isoformat()}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )
