"""Packages made in-process for the HTTP tests: a victim's live one and one for each way a session
ends; the route table's paths filled in for a package; fresh one-time grants for cookies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from sqlmodel import Session, SQLModel
from starlette.routing import Route

from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import Transaction, utcnow
from iep_app.services.images.studies import instances_of
from iep_app.services.recipient import sessions as recipient_sessions
from iep_app.services.staff import sessions
from iep_app.services.transactions import declining, retention
from iep_app.settings import get_settings
from tests.support.packages import by_email, cookie_grant, http_cookie, link_token, share_files, verify_link
from tests.unit.services.admin_factories import make_staff, sign_in


@dataclass
class Package:
    transaction: Transaction
    cookie: str
    session_token: str
    values: dict[str, str]  # what fills the route table's path parameters
    patient: tuple[str, str]


def _shared_and_verified(
    session: Session, folder: Path, name: str
) -> tuple[Transaction, str, pydicom.Dataset]:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName, ds.PatientID = f"{name.upper()}^PATIENT", f"{name.upper()}-ID-0001"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    path = folder / f"{name}.dcm"
    ds.save_as(path)
    settings = get_settings()
    shared = share_files(session, settings, [path], by_email(f"{name}@example.org"))
    return shared.transaction, verify_link(session, settings, link_token(shared)), ds


def share_package(session: Session, folder: Path, name: str) -> Package:
    """A package of one patient named after `name`, verified, with its HTTP cookie."""
    transaction, token, ds = _shared_and_verified(session, folder, name)
    public_id = transaction.public_id or ""
    cookie = http_cookie(cookie_grant(session, get_settings(), token), public_id)
    instance = instances_of(session=session, transaction_pk=transaction.id)[0]
    values = {"public_id": public_id, "instance": str(instance.id), "frame": "0"}
    values |= {"series": str(instance.series_pk), "fmt": "png", "key": instance.storage_key}
    return Package(transaction, cookie, token, values, (str(ds.PatientName), str(ds.PatientID)))


def ended_packages(folder: Path) -> dict[str, Package]:
    """The victim's live package, another one, and packages signed out, expired, declined, revoked."""
    SQLModel.metadata.create_all(get_engine())
    settings, now = get_settings(), utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        names = ("victim", "other", "out", "late", "no", "gone")
        made = {name: share_package(session, folder, name) for name in names}
        out = made["out"].session_token
        recipient_sessions.end_session(
            session=session, secret_key=settings.secret_key, session_token=out, now=now
        )
        late = session.get(Transaction, made["late"].transaction.id)
        late.available_until = now - timedelta(minutes=1)  # type: ignore[union-attr]
        declining.decline(
            session=session,
            settings=settings,
            transaction=session.get(Transaction, made["no"].transaction.id),  # type: ignore[arg-type]
            session_token=made["no"].session_token,
            reason_code="",
            other_text="",
            now=now,
        )
        _, staff = sign_in(session, settings, make_staff(session, username="revoker"))
        gone = session.get(Transaction, made["gone"].transaction.id)
        retention.revoke(session=session, transaction=gone, by=staff, onward=False, now=now)  # type: ignore[arg-type]
        session.commit()
    return made


def recipient_grant(folder: Path, name: str) -> tuple[str, str]:
    """A fresh one-time grant for a new verified package: (grant, public ID)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        transaction, token, _ = _shared_and_verified(session, folder, name)
        return cookie_grant(session, get_settings(), token), transaction.public_id or ""


def staff_grant(username: str) -> tuple[str, int]:
    """A new staff member signed in with password and code: (one-time cookie grant, staff pk)."""
    settings = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        user = make_staff(session, username=username)
        token, _ = sign_in(session, settings, user)
        grant = sessions.issue_cookie_grant(
            session=session, secret_key=settings.secret_key, token=token, now=utcnow()
        )
        session.commit()
    return grant, user.id or 0


def app_routes(prefix: str = "") -> list[Route]:
    """The HTTP routes of the app (the admin routes included), under a prefix."""
    return [r for r in api.routes if isinstance(r, Route) and r.path.startswith(prefix)]


def route_url(route: Route, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], route.path)


def methods(route: Route) -> list[str]:
    return sorted((route.methods or {"GET"}) - {"HEAD"}) or ["GET"]
