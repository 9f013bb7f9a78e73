"""Every HTTP route of the app's route table, asked by a caller who may not see the package: no
session, another package's session, after sign-out, expiry, decline and revocation. Each is refused
(401/403/404/410) and the answer carries no DICOM bytes and no patient data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.routing import Route
from starlette.testclient import TestClient

from iep_app import routes
from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import StaffSession, utcnow
from iep_app.services.staff.sessions import COOKIE_NAME
from tests.security.packages import Package, app_routes, route_url, staff_grant

REFUSED = {401, 403, 404, 410}
# What patient bytes start with: a DICOM preamble's magic, a zip, a PNG, a JPEG, a PDF.
MAGIC = [b"DICM", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"%PDF"]


def _data_in(body: bytes, patient: tuple[str, str]) -> list[str]:
    found = [repr(magic) for magic in MAGIC if magic in body]
    return found + [word for word in patient if word.encode() in body or word.split("^")[0].encode() in body]


def _ask(route: Route, package: Package, cookies: dict[str, str]) -> list[str]:
    """Every method of a route for one package with these cookies: what was not refused cleanly."""
    problems = []
    client = TestClient(api, base_url="http://testserver", raise_server_exceptions=False)
    for name, value in cookies.items():
        client.cookies.set(name, value)
    for method in sorted(route.methods or {"GET"}):  # HEAD too: a status is an answer
        url = route_url(route, package.values)
        answer = client.request(method, url)
        leaked = _data_in(answer.content, package.patient)
        if answer.status_code not in REFUSED or leaked:
            problems.append(f"{method} {url} -> {answer.status_code} {leaked}")
    return problems


def test_the_recipient_routes_answer_the_victims_own_session(packages):
    victim = packages["victim"]
    client = TestClient(api, base_url="http://testserver")
    client.cookies.set(f"iep_{victim.values['public_id']}", victim.cookie)
    assert client.get(route_url(app_routes(f"{routes.API_PREFIX}/")[1], victim.values)).status_code == 200
    assert (
        client.get(f"{routes.API_PREFIX}/{victim.values['public_id']}/download/dicom.zip").status_code == 200
    )


@pytest.mark.parametrize(
    ("case", "package", "cookie_of"),
    [
        ("no session", "victim", None),
        ("another package's session", "victim", "other"),
        ("after sign-out", "out", "out"),
        ("after expiry", "late", "late"),
        ("after decline", "no", "no"),
        ("after revocation", "gone", "gone"),
    ],
)
def test_every_package_route_refuses_a_caller_without_a_live_session(packages, case, package, cookie_of):
    target = packages[package]
    cookies = {}
    if cookie_of:
        # The cookie under the target's own name and under its owner's: whichever a guard reads.
        holder = packages[cookie_of]
        cookies = {f"iep_{target.values['public_id']}": holder.cookie}
        cookies[f"iep_{holder.values['public_id']}"] = holder.cookie
    package_routes = app_routes(f"{routes.API_PREFIX}/")
    assert len(package_routes) >= 7, case
    assert [p for r in package_routes for p in _ask(r, target, cookies)] == []


def test_the_session_endpoints_refuse_a_made_up_grant(packages):
    client = TestClient(api, base_url="http://testserver")
    for endpoint in (routes.SESSION_ENDPOINT, routes.ADMIN_SESSION_ENDPOINT):
        answer = client.post(endpoint, json={"grant": "not-a-grant"})
        assert answer.status_code == 401 and not answer.cookies


def _staff_cookie(*, end: bool = False, idle: bool = False) -> str:
    """A staff member's HTTP cookie: then signed out, or left idle for two hours."""
    grant, staff_pk = staff_grant(f"staff{utcnow().timestamp()}")
    client = TestClient(api, base_url="http://testserver")
    cookie = client.post(routes.ADMIN_SESSION_ENDPOINT, json={"grant": grant}).cookies[COOKIE_NAME]
    if end:
        client.cookies.set(COOKIE_NAME, cookie)
        assert client.delete(routes.ADMIN_SESSION_ENDPOINT).status_code == 200
    if idle:
        with Session(get_engine()) as session:
            for row in session.exec(select(StaffSession).where(StaffSession.staff_pk == staff_pk)):
                row.last_seen_at = utcnow() - timedelta(hours=2)
            session.commit()
    return cookie


def test_every_staff_route_refuses_callers_who_are_not_signed_in_staff(packages):
    victim = packages["victim"]
    staff_routes = [r for r in app_routes(routes.ADMIN_API) if r.path != routes.ADMIN_SESSION_ENDPOINT]
    assert len(staff_routes) >= 2
    callers = {
        "nobody": {},
        "a verified recipient": {f"iep_{victim.values['public_id']}": victim.cookie},
        "a signed-out staff member": {COOKIE_NAME: _staff_cookie(end=True)},
        "a staff member idle for two hours": {COOKIE_NAME: _staff_cookie(idle=True)},
    }
    problems = [
        f"{who}: {p}" for who, jar in callers.items() for r in staff_routes for p in _ask(r, victim, jar)
    ]
    assert problems == []
