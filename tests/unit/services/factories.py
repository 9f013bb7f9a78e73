"""Small builders of real rows for service tests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydicom.data import get_testdata_file
from sqlmodel import Session

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.models import AuthMethod, utcnow
from iep_app.services import organisation
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.transactions import records, sharing
from iep_app.settings import Settings
from tests.support.packages import share_report


def make_transaction(
    session: Session,
    settings: Settings,
    *,
    days: int = 14,
    sms: bool = False,
    email: str = "pat@example.org",
) -> records.NewTransaction:
    org = organisation.current(session=session, settings=settings)
    person = contacts.find_or_create(
        session=session,
        details=ContactDetails(
            email=email,
            auth_method=AuthMethod.SMS if sms else AuthMethod.EMAIL,
            auth_mobile="+447911123456" if sms else "",
            auth_email="" if sms else "codes@example.org",
        ),
    )
    now = utcnow()
    created = records.create(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        recipient=person,
        instances=[],
        available_until=now + timedelta(days=days),
        sent_by="Radiology",
        now=now,
    )
    session.commit()
    return created


def make_shared(
    session: Session,
    settings: Settings,
    *,
    email: str = "robin@example.org",
    files: tuple[str, ...] = ("CT_small.dcm", "MR_small.dcm"),
    message: str | None = "Your scans from Tuesday",
) -> sharing.Shared:
    """A real package: pydicom's test files ingested into the store and shared."""
    report = ingest_paths([Path(get_testdata_file(name)) for name in files], FileStore(settings.store_dir))
    return share_report(
        session,
        settings,
        report,
        ContactDetails(
            email=email,
            auth_method=AuthMethod.EMAIL,
            auth_email=f"codes.{email}",
            first_name="Robin",
            last_name="Hood",
        ),
        message=message,
    )


def add_individual(session: Session, email: str, *, language: str = "en") -> None:
    contacts.find_or_create(
        session=session,
        details=ContactDetails(
            email=email,
            auth_method=AuthMethod.SMS,
            auth_mobile="+447911123456",
            first_name="Gene",
            last_name="Practitioner",
            preferred_language=language,
        ),
    )
    session.commit()
