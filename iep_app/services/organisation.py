"""The sending organisation: its name, decline address, retention rules and ID prefix."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.models import Organisation
from iep_app.services import audit
from iep_app.services.errors import NotAllowed, ValidationFailed
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.validation import normalise_email
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


def update(
    *,
    session: Session,
    by: StaffIdentity,
    name: str,
    email: str,
    retention_days: int,
    max_retention_days: int,
    transaction_prefix: str,
    now: datetime,
    ip: str = "",
) -> Organisation:
    """Change the organisation's settings; admins only. Existing IDs keep their prefix.

    Raises:
        NotAllowed: not an admin.
        ValidationFailed: naming the first field that is wrong.
    """
    if not by.is_admin:
        raise NotAllowed()
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("name", "Enter the organisation's name.")
    address = normalise_email(email, field="email")
    if not 1 <= max_retention_days <= 3650:
        raise ValidationFailed("max_retention_days", "Between 1 and 3650 days.")
    if not 1 <= retention_days <= max_retention_days:
        raise ValidationFailed("retention_days", "Between 1 day and the maximum.")
    prefix = (transaction_prefix or "").strip()
    if not (prefix.isascii() and prefix.isalpha() and prefix.isupper() and len(prefix) <= 6):
        raise ValidationFailed("transaction_prefix", "1 to 6 capital letters.")
    org = session.exec(select(Organisation).order_by(col(Organisation.id))).first()
    assert org is not None, "current() creates the row before anyone can edit it"
    values = {
        "name": name,
        "email": address,
        "retention_days": retention_days,
        "max_retention_days": max_retention_days,
        "transaction_prefix": prefix,
    }
    changed = sorted(k for k, v in values.items() if getattr(org, k) != v)
    for key, value in values.items():
        setattr(org, key, value)
    session.add(org)
    audit.record(
        session=session,
        now=now,
        action=audit.Action.ORGANISATION_UPDATED,
        actor=by.actor,
        ip=ip,
        fields=",".join(changed),
    )
    return org
