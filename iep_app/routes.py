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
