"""Every HTTP route of the app's route table, asked by a caller who may not see the package: no
session, another package's session, after sign-out, expiry, decline and revocation. Each is refused
(401/403/404/410) and the answer carries no DICOM bytes and no patient data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from sqlmodel import Session, SQLModel, select
from starlette.routing import Route
from starlette.testclient import TestClient

from iep_app import routes
from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import StaffSession, Transaction, utcnow
from iep_app.services.images.studies import instances_of
from iep_app.services.recipient import access
from iep_app.services.staff import sessions
from iep_app.services.staff.sessions import COOKIE_NAME
from iep_app.services.transactions import declining, retention
from iep_app.settings import get_settings
from tests.support.packages import by_email, cookie_grant, http_cookie, link_token, share_files, verify_link
from tests.unit.services.admin_factories import make_staff, sign_in

REFUSED = {401, 403, 404, 410}
# What patient bytes start with: a DICOM preamble's magic, a zip, a PNG, a JPEG, a PDF.
MAGIC = [b"DICM", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"%PDF"]


@dataclass
class Package:
    transaction: Transaction
    cookie: str
    session_token: str
    values: dict[str, str]
    patient: tuple[str, str]


def _share(session: Session, folder: Path, name: str) -> Package:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName, ds.PatientID = f"{name.upper()}^PATIENT", f"{name.upper()}-ID-0001"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    path = folder / f"{name}.dcm"
    ds.save_as(path)
    settings = get_settings()
    shared = share_files(session, settings, [path], by_email(f"{name}@example.org"))
    token = verify_link(session, settings, link_token(shared))
    transaction = shared.transaction
    cookie = http_cookie(cookie_grant(session, settings, token), transaction.public_id or "")
    instance = instances_of(session=session, transaction_pk=transaction.id)[0]
    values = {"public_id": transaction.public_id or "", "instance": str(instance.id), "frame": "0"}
    values |= {"series": str(instance.series_pk), "fmt": "png", "key": instance.storage_key}
    return Package(transaction, cookie, token, values, (str(ds.PatientName), str(ds.PatientID)))


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Package]:
    """The victim's live package, and one package for each way a session ends."""
    SQLModel.metadata.create_all(get_engine())
    folder, settings, now = tmp_path_factory.mktemp("refusals"), get_settings(), utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        made = {
            name: _share(session, folder, name) for name in ("victim", "other", "out", "late", "no", "gone")
        }
        access.end_session(
            session=session, secret_key=settings.secret_key, session_token=made["out"].session_token, now=now
        )
        late = session.get(Transaction, made["late"].transaction.id)
        late.available_until = now - timedelta(minutes=1)
        declined = made["no"]
        declining.decline(
            session=session,
            settings=settings,
            transaction=session.get(Transaction, declined.transaction.id),
            session_token=declined.session_token,
            reason_code="",
            other_text="",
            now=now,
        )
        _, staff = sign_in(session, settings, make_staff(session, username="revoker"))
        gone = session.get(Transaction, made["gone"].transaction.id)
        retention.revoke(session=session, transaction=gone, by=staff, onward=False, now=now)
        session.commit()
    return made


def _routes(prefix: str) -> list[Route]:
    return [r for r in api.routes if isinstance(r, Route) and r.path.startswith(prefix)]


def _url(route: Route, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], route.path)


def _methods(route: Route) -> list[str]:
    return sorted((route.methods or {"GET"}) - {"HEAD"}) or ["GET"]


def _data_in(body: bytes, patient: tuple[str, str]) -> list[str]:
    found = [repr(magic) for magic in MAGIC if magic in body]
    return found + [word for word in patient if word.encode() in body or word.split("^")[0].encode() in body]


def _ask(route: Route, package: Package, cookies: dict[str, str]) -> list[str]:
    """Every method of a route for one package with these cookies: what was not refused cleanly."""
    problems = []
    client = TestClient(api, base_url="http://testserver", raise_server_exceptions=False)
    for name, value in cookies.items():
        client.cookies.set(name, value)
    for method in _methods(route):
        url = _url(route, package.values)
        answer = client.request(method, url)
        leaked = _data_in(answer.content, package.patient)
        if answer.status_code not in REFUSED or leaked:
            problems.append(f"{method} {url} -> {answer.status_code} {leaked}")
    return problems


def test_the_recipient_routes_answer_the_victims_own_session(packages):
    victim = packages["victim"]
    client = TestClient(api, base_url="http://testserver")
    client.cookies.set(f"iep_{victim.values['public_id']}", victim.cookie)
    assert client.get(_url(_routes(f"{routes.API_PREFIX}/")[1], victim.values)).status_code == 200
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
    package_routes = _routes(f"{routes.API_PREFIX}/")
    assert len(package_routes) >= 7, case
    assert [p for r in package_routes for p in _ask(r, target, cookies)] == []


def test_the_session_endpoints_refuse_a_made_up_grant(packages):
    client = TestClient(api, base_url="http://testserver")
    for endpoint in (routes.SESSION_ENDPOINT, routes.ADMIN_SESSION_ENDPOINT):
        answer = client.post(endpoint, json={"grant": "not-a-grant"})
        assert answer.status_code == 401 and not answer.cookies


def _staff_cookie(*, end: bool = False, idle: bool = False) -> str:
    """A staff member's HTTP cookie: then signed out, or left idle for two hours."""
    settings = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        user = make_staff(session, username=f"staff{utcnow().timestamp()}")
        token, _ = sign_in(session, settings, user)
        grant = sessions.issue_cookie_grant(
            session=session, secret_key=settings.secret_key, token=token, now=utcnow()
        )
        session.commit()
    client = TestClient(api, base_url="http://testserver")
    cookie = client.post(routes.ADMIN_SESSION_ENDPOINT, json={"grant": grant}).cookies[COOKIE_NAME]
    if end:
        client.cookies.set(COOKIE_NAME, cookie)
        assert client.delete(routes.ADMIN_SESSION_ENDPOINT).status_code == 200
    if idle:
        with Session(get_engine()) as session:
            for row in session.exec(select(StaffSession).where(StaffSession.staff_pk == user.id)):
                row.last_seen_at = utcnow() - timedelta(hours=2)
            session.commit()
    return cookie


def test_every_staff_route_refuses_callers_who_are_not_signed_in_staff(packages):
    victim = packages["victim"]
    staff_routes = [r for r in _routes(routes.ADMIN_API) if r.path != routes.ADMIN_SESSION_ENDPOINT]
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
