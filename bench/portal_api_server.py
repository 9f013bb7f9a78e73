"""The portal's real byte API (authorisation included) behind Orthanc-shaped URLs, for benchmarks.

The benchmark asks both servers for `/instances/{key}/frames/{frame}/rendered?window-center=..`.
This module prepares a real package over the benchmark's file store (SQLite database, a share,
a verified session and its HttpOnly cookie, exactly as a browser gets them), then rewrites each
request to the portal's own URL (`/api/t/{id}/instances/{pk}/frames/{n}.png?wc=..&ww=..`) with
that cookie, and hands it to `iep_app.iep_app:api`. Every request therefore pays what a real
one pays: the session check in the database, the package check, the render.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode

_STORE = Path(os.environ.get("IEP_BENCH_STORE", "data/bench-store")).resolve()
_DATA = Path(tempfile.mkdtemp(prefix="iep-bench-api-"))
(_DATA / "store").symlink_to(_STORE)
os.environ["IEP_DATA_DIR"] = str(_DATA)

from sqlmodel import Session, SQLModel, select  # noqa: E402

from iep_app.db import get_engine  # noqa: E402
from iep_app.dicom.ingest import ingest_paths  # noqa: E402
from iep_app.dicom.store import FileStore  # noqa: E402
from iep_app.iep_app import api  # noqa: E402
from iep_app.models import Instance, utcnow  # noqa: E402
from iep_app.services.recipient import sessions  # noqa: E402
from iep_app.settings import get_settings  # noqa: E402
from tests.support.packages import by_email, cookie_grant, link_token, share_report, verify_link  # noqa: E402

_ORTHANC_SHAPE = re.compile(r"^/instances/([0-9a-f]{64})/frames/(\d+)/rendered$")


def _verified_package() -> tuple[str, str, dict[str, int]]:
    settings = get_settings()
    SQLModel.metadata.create_all(get_engine())
    # Ingesting the store into itself indexes every instance without copying a byte.
    report = ingest_paths([_STORE], FileStore(_STORE))
    with Session(get_engine(), expire_on_commit=False) as session:
        recipient = by_email("bench@example.org", "bench.codes@example.org")
        shared = share_report(session, settings, report, recipient, sent_by="bench", actor="bench")
        session_token = verify_link(session, settings, link_token(shared))
        grant = cookie_grant(session, settings, session_token)
        cookie, transaction = sessions.redeem_cookie_grant(
            session=session, secret_key=settings.secret_key, grant=grant, now=utcnow()
        )
        session.commit()
        keys = {i.storage_key: i.id for i in session.exec(select(Instance)) if i.id is not None}
    return transaction.public_id or "", cookie, keys


_PUBLIC_ID, _COOKIE, _INSTANCES = _verified_package()


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    """Rewrite an Orthanc-shaped request to the portal's URL, with the session cookie."""
    match = _ORTHANC_SHAPE.match(scope.get("path", "")) if scope["type"] == "http" else None
    if match is None or match.group(1) not in _INSTANCES:
        await api(scope, receive, send)
        return
    headers = dict(scope["headers"])
    fmt = "jpg" if b"image/jpeg" in headers.get(b"accept", b"") else "png"
    query = parse_qs(scope.get("query_string", b"").decode())
    window = {}
    if "window-center" in query and "window-width" in query:
        window = {"wc": query["window-center"][0], "ww": query["window-width"][0]}
    path = f"/api/t/{_PUBLIC_ID}/instances/{_INSTANCES[match.group(1)]}/frames/{match.group(2)}.{fmt}"
    cookie = f"iep_{_PUBLIC_ID}={_COOKIE}".encode()
    rewritten = {
        **scope,
        "path": path,
        "raw_path": path.encode(),
        "query_string": urlencode(window).encode(),
        "headers": [*scope["headers"], (b"cookie", cookie)],
    }
    await api(rewritten, receive, send)
