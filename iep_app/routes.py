"""Route constants and URL builders, shared by pages, endpoints and emails."""

from __future__ import annotations

LINK = "/t/[token]"
PACKAGE = "/package"
VIEWER = "/package/view"
DOWNLOAD = "/package/download"
FORWARD = "/package/forward"
SESSION_ENDPOINT = "/api/session"
API_PREFIX = "/api/t"


def link_url(public_url: str, token: str) -> str:
    """The emailed link: the token is random and stored only hashed."""
    return f"{public_url}/t/{token}"


def redacted_link_url(public_url: str) -> str:
    """The link as stored in the outbox: enough to recognise, useless to replay."""
    return f"{public_url}/t/[redacted]"


def thumbnail_url(public_id: str, instance_pk: int) -> str:
    """A series thumbnail, served only to a session verified for this transaction."""
    return f"{API_PREFIX}/{public_id}/instances/{instance_pk}/thumbnail.jpg"


def frame_url(public_id: str, instance_pk: int, frame: int = 0, fmt: str = "png") -> str:
    """One rendered frame."""
    return f"{API_PREFIX}/{public_id}/instances/{instance_pk}/frames/{frame}.{fmt}"


def download_url(public_id: str, kind: str = "dicom", series_pk: int | None = None) -> str:
    """A download of the package: kind "dicom" (original files, DICOMDIR) or "pictures"."""
    query = "" if series_pk is None else f"?series={series_pk}"
    return f"{API_PREFIX}/{public_id}/download/{kind}.zip{query}"


# The viewer's byte endpoints (iep_app/api/viewer.py). Templates keep {instance} and
# {frame} for the browser component to fill in.
def series_manifest_url(public_id: str, series_pk: int) -> str:
    """A series' overlay text, geometry and display pipeline, as JSON."""
    return f"{API_PREFIX}/{public_id}/series/{series_pk}/manifest.json"


def viewer_url_templates(public_id: str) -> dict[str, str]:
    """Frame URLs with {instance} and {frame} placeholders: stored words and lossless PNG."""
    base = f"{API_PREFIX}/{public_id}/instances/{{instance}}"
    return {"words": f"{base}/words/{{frame}}", "png": f"{base}/frames/{{frame}}.png"}


def document_url(public_id: str, instance_pk: int) -> str:
    """The PDF inside an encapsulated PDF instance."""
    return f"{API_PREFIX}/{public_id}/instances/{instance_pk}/document.pdf"


# --- Staff admin pages and their byte endpoints -------------------------------------------
ADMIN = "/admin"
ADMIN_LOGIN = "/admin/login"
ADMIN_TRANSACTIONS = "/admin/transactions"
ADMIN_TRANSACTION = "/admin/transactions/[admin_tx]"
ADMIN_SEND = "/admin/send"
ADMIN_INDIVIDUALS = "/admin/individuals"
ADMIN_INDIVIDUAL = "/admin/individuals/[admin_person]"
ADMIN_ORGANISATION = "/admin/organisation"
ADMIN_STAFF = "/admin/staff"
ADMIN_OUTBOX = "/admin/outbox"
ADMIN_AUDIT = "/admin/audit"
ADMIN_API = "/api/admin"
ADMIN_SESSION_ENDPOINT = "/api/admin/session"
ADMIN_AUDIT_CSV = "/api/admin/audit.csv"


def admin_transaction_url(public_id: str) -> str:
    """The staff page of one transaction."""
    return f"{ADMIN_TRANSACTIONS}/{public_id}"


def admin_individual_url(individual_pk: int) -> str:
    """The staff page of one individual."""
    return f"{ADMIN_INDIVIDUALS}/{individual_pk}"


def admin_thumbnail_url(storage_key: str) -> str:
    """A stored instance's thumbnail, for signed-in staff only (ingest report, transaction)."""
    return f"{ADMIN_API}/store/{storage_key}/thumbnail.jpg"


def is_admin_path(path: str) -> bool:
    """Whether a path is a staff page: the only places sign-in may send a browser back to."""
    return (path == ADMIN or path.startswith(ADMIN + "/")) and "//" not in path and "\\" not in path
