"""Small builders of real rows for service tests."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from iep_app.models import AuthMethod, utcnow
from iep_app.services import directory, organisation, transactions
from iep_app.services.directory import ContactDetails
from iep_app.settings import Settings


def make_transaction(
    session: Session,
    settings: Settings,
    *,
    days: int = 14,
    sms: bool = False,
    email: str = "pat@example.org",
) -> transactions.NewTransaction:
    org = organisation.current(session=session, settings=settings)
    person = directory.find_or_create(
        session=session,
        details=ContactDetails(
            email=email,
            auth_method=AuthMethod.SMS if sms else AuthMethod.EMAIL,
            auth_mobile="+447911123456" if sms else "",
            auth_email="" if sms else "codes@example.org",
        ),
    )
    now = utcnow()
    created = transactions.create(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        recipient=person,
        instances=[],
        available_until=now + timedelta(days=days),
        sent_by="Radiology",
    )
    session.commit()
    return created
