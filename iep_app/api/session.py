"""POST /api/session: swap a verified tab's one-time grant for an HttpOnly image cookie."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from iep_app import routes
from iep_app.api.guard import client_ip, cookie_name
from iep_app.db import session_scope
from iep_app.models import utcnow
from iep_app.services.errors import PackageUnavailable, SessionEnded
from iep_app.services.recipient import sessions
from iep_app.settings import get_settings


async def create_session_cookie(request: Request) -> JSONResponse:
    settings = get_settings()
    try:
        body = json.loads(await request.body() or b"{}")
        grant = str(body.get("grant", ""))
    except (ValueError, AttributeError):
        return JSONResponse({"error": "bad request"}, status_code=400)
    try:
        with session_scope() as session:
            cookie, transaction = sessions.redeem_cookie_grant(
                session=session,
                secret_key=settings.secret_key,
                grant=grant,
                now=utcnow(),
                ip=client_ip(request),
            )
    except (SessionEnded, PackageUnavailable):
        return JSONResponse({"error": "session ended"}, status_code=401)
    public_id = transaction.public_id or ""
    response = JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})
    # HttpOnly: page scripts cannot read it; Strict: no other site can make the browser
    # send it; the path limits it to this package's own byte endpoints.
    response.set_cookie(
        cookie_name(public_id),
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
        path=f"{routes.API_PREFIX}/{public_id}",
    )
    return response
