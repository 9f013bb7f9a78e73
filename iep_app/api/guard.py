"""Authorisation for byte endpoints: every request re-checks its session cookie for its package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from iep_app.db import get_engine, session_scope
from iep_app.models import Transaction, utcnow
from iep_app.services import client_address
from iep_app.services.errors import DomainError, NotAllowed, NotInPackage, PackageUnavailable, SessionEnded
from iep_app.services.recipient import sessions
from iep_app.settings import get_settings

# Patient images are never written to the browser's disk cache (a shared PC keeps it after the
# session ends), and a repeat request must reach the server's session check again; the viewer
# keeps what it needs in page memory instead.
PATIENT_DATA = "private, no-store"


def cookie_name(public_id: str) -> str:
    """One cookie per package, so two tabs on two packages do not overwrite each other."""
    return f"iep_{public_id}"


def client_ip(request: Request) -> str:
    """The client's address: the peer, or what trusted proxies forwarded (client_address.resolve)."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "")
    return client_address.resolve(peer, forwarded, get_settings().trusted_proxies)


class Denied(Exception):
    """The request may not see this package; answered with a status and no data."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status

    def response(self) -> Response:
        headers = {"Cache-Control": "no-store"}
        return Response(status_code=self.status, headers=headers)


# The status each refusal of the access checks answers with.
_STATUS: dict[type[DomainError], int] = {
    SessionEnded: 401,
    NotAllowed: 403,
    NotInPackage: 404,
    PackageUnavailable: 410,
}


@contextmanager
def _checked_session() -> Iterator[Session]:
    """A database session in which an access refusal becomes Denied with its status."""
    try:
        with session_scope() as session:
            yield session
    except tuple(_STATUS) as error:
        raise Denied(next(code for kind, code in _STATUS.items() if isinstance(error, kind))) from None


def authorised_transaction(request: Request) -> Transaction:
    """The package named in the URL, if the request's cookie is a live session for it.

    Raises:
        Denied: 401 without a live session, 403 for another package, 410 when the package
            expired, was declined or revoked.
    """
    public_id = request.path_params["public_id"]
    settings = get_settings()
    with _checked_session() as session:
        return sessions.resolve_http_session(
            session=session,
            secret_key=settings.secret_key,
            cookie=request.cookies.get(cookie_name(public_id), ""),
            public_id=public_id,
            now=utcnow(),
            ip=client_ip(request),
        )


def authorised_instance(request: Request) -> sessions.InstanceAccess:
    """The instance named in the URL, if the cookie's live session may see it (one query).

    Raises:
        Denied: as authorised_transaction, and 404 for an instance not in this package.
    """
    public_id = request.path_params["public_id"]
    settings = get_settings()
    cookie = request.cookies.get(cookie_name(public_id), "")
    instance_pk = request.path_params["instance"]
    # A plain connection for the common case: an ORM session costs more than the query.
    with get_engine().begin() as connection:
        granted = sessions.grant_http_instance(
            connection=connection,
            secret_key=settings.secret_key,
            cookie=cookie,
            public_id=public_id,
            instance_pk=instance_pk,
            now=utcnow(),
        )
    if granted is not None:
        return granted
    with _checked_session() as session:
        return sessions.resolve_http_instance(
            session=session,
            secret_key=settings.secret_key,
            cookie=cookie,
            public_id=public_id,
            instance_pk=instance_pk,
            now=utcnow(),
            ip=client_ip(request),
        )
