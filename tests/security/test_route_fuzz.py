"""Every HTTP route of the app, found from its route table, with hostile path parts, query values
and Range headers, sent with a session that may see the package: never a server error (5xx)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from sqlmodel import Session, SQLModel
from starlette.routing import Route
from starlette.testclient import TestClient

from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import utcnow
from iep_app.services.images.studies import instances_of
from iep_app.services.staff import sessions
from iep_app.settings import get_settings
from tests.support.packages import verified_package
from tests.unit.services.admin_factories import make_staff, sign_in

HOSTILE_NUMBERS = ["9" * 5000, "²", "٣", "-1", "0", "4294967296", "1e9", " 1", "0x10", "%00", ""]
HOSTILE_TEXT = ["..%2F..%2Fetc%2Fpasswd", "a" * 5000, "%F0%9F%92%A9", "%00", "NS000001%0A", "%E2%80%AE"]
QUERY_NAMES = ["series", "wc", "ww", "q", "size", "invert", "z", "from", "to"]
RANGES = [
    "bytes=" + "9" * 5000 + "-",
    "bytes=-" + "9" * 5000,
    "bytes=²-",
    "bytes=0-0,1-1,2-2",
    "bytes=5-1",
    "bytes=99999999999999999999-",
    "items=0-1",
    "bytes=-0",
]


@pytest.fixture(scope="module")
def signed_in():
    """A verified package's cookie and a staff cookie, over the real app."""
    SQLModel.metadata.create_all(get_engine())
    settings = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        transaction, cookie = verified_package(
            session, settings, [Path(get_testdata_file("CT_small.dcm"))], "fuzz@example.org"
        )
        instance = instances_of(session=session, transaction_pk=transaction.id)[0]
        token, _ = sign_in(session, settings, make_staff(session, username="fuzzer"))
        grant = sessions.issue_cookie_grant(
            session=session, secret_key=settings.secret_key, token=token, now=utcnow()
        )
        session.commit()
    client = TestClient(api, base_url="http://testserver", raise_server_exceptions=False)
    answer = client.post("/api/admin/session", json={"grant": grant})
    assert answer.status_code == 200
    client.cookies.set(f"iep_{transaction.public_id}", cookie, path=f"/api/t/{transaction.public_id}")
    values = {
        "public_id": transaction.public_id,
        "instance": str(instance.id),
        "series": str(instance.series_pk),
    }
    values |= {"frame": "0", "fmt": "png", "key": instance.storage_key}
    with client:
        yield client, values


def _routes() -> list[Route]:
    return [r for r in api.routes if isinstance(r, Route)]


def _fill(path: str, values: dict[str, str], hostile: tuple[str, str] | None = None) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return hostile[1] if hostile and hostile[0] == name else values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _methods(route: Route) -> list[str]:
    return sorted((route.methods or {"GET"}) - {"HEAD"}) or ["GET"]


def test_the_route_table_is_what_this_test_walks():
    paths = {r.path for r in _routes()}
    assert any("frames" in p for p in paths) and any("download" in p for p in paths)
    assert any(p.startswith("/api/admin") for p in paths)


def test_hostile_path_parts_never_cause_a_server_error(signed_in):
    client, values = signed_in
    errors = []
    for route in _routes():
        for name in re.findall(r"\{(\w+)", route.path):
            for value in HOSTILE_NUMBERS + HOSTILE_TEXT:
                url = _fill(route.path, values, (name, value))
                for method in _methods(route):
                    status = client.request(method, url).status_code
                    if status >= 500:
                        errors.append(f"{method} {url[:120]} -> {status}")
    assert errors == []


def test_hostile_query_values_and_ranges_never_cause_a_server_error(signed_in):
    client, values = signed_in
    errors = []
    for route in _routes():
        url = _fill(route.path, values)
        for method in _methods(route):
            for name, value in itertools.product(QUERY_NAMES, HOSTILE_NUMBERS + HOSTILE_TEXT):
                status = client.request(method, f"{url}?{name}={value}").status_code
                if status >= 500:
                    errors.append(f"{method} {url}?{name}={value[:40]} -> {status}")
            for header in RANGES:
                status = client.request(method, url, headers={"Range": header.encode()}).status_code
                if status >= 500:
                    errors.append(f"{method} {url} Range {header[:40]} -> {status}")
    assert errors == []
