"""The sending organisation: its name, decline address, retention rules and ID prefix."""

from __future__ import annotations

from sqlmodel import Session, col, select

from iep_app.models import Organisation
from iep_app.settings import Settings


def current(*, session: Session, settings: Settings) -> Organisation:
    """The organisation row, created from the settings on first use.

    Staff edit it later on the admin page; the settings only seed it.
    """
    organisation = session.exec(select(Organisation).order_by(col(Organisation.id))).first()
    if organisation is None:
        organisation = Organisation(
            name=settings.org_name,
            email=settings.org_email,
            retention_days=settings.retention_days,
            max_retention_days=settings.max_retention_days,
            transaction_prefix=settings.transaction_prefix,
        )
        session.add(organisation)
        session.flush()
    return organisation
