"""The sending organisation: its name, decline address, retention rules and ID prefix."""

from __future__ import annotations

from sqlmodel import Session, col, select

from iep_app.models import Organisation
from iep_app.services import audit
from iep_app.services.errors import NotAllowed, invalid
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.validation import normalise_email
from iep_app.settings import (
    RETENTION_LIMIT_DAYS,
    TRANSACTION_PREFIX_MAX_LENGTH,
    Settings,
    is_transaction_prefix,
)


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
        raise invalid("name", "admin.org.bad_name")
    address = normalise_email(email, field="email")
    if not 1 <= max_retention_days <= RETENTION_LIMIT_DAYS:
        raise invalid("max_retention_days", "admin.org.bad_max_retention_days", max=RETENTION_LIMIT_DAYS)
    if not 1 <= retention_days <= max_retention_days:
        raise invalid("retention_days", "admin.org.bad_retention_days")
    prefix = (transaction_prefix or "").strip()
    if not is_transaction_prefix(prefix):
        raise invalid(
            "transaction_prefix", "admin.org.bad_transaction_prefix", max=TRANSACTION_PREFIX_MAX_LENGTH
        )
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
        action=audit.Action.ORGANISATION_UPDATED,
        actor=by.actor,
        ip=ip,
        fields=",".join(changed),
    )
    return org
