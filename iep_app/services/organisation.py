"""The sending organisation: its name, decline address, retention rules and ID prefix."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app import routes
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

log = logging.getLogger("iep.organisation")

# The variables that seed the row on first start: the Settings field holding each one's value,
# and the column it seeds. Afterwards the row, edited on the admin page, is what counts.
_SEEDS = {
    "IEP_ORG_NAME": ("org_name", "name"),
    "IEP_ORG_EMAIL": ("org_email", "email"),
    "IEP_TRANSACTION_PREFIX": ("transaction_prefix", "transaction_prefix"),
    "IEP_RETENTION_DAYS": ("retention_days", "retention_days"),
    "IEP_MAX_RETENTION_DAYS": ("max_retention_days", "max_retention_days"),
}


def current(*, session: Session, settings: Settings) -> Organisation:
    """The organisation row, created from the settings on first use.

    Staff edit it later on the admin page; the settings only seed it.
    """
    organisation = session.exec(select(Organisation).order_by(col(Organisation.id))).first()
    if organisation is None:
        organisation = Organisation(**{column: getattr(settings, field) for field, column in _SEEDS.values()})
        session.add(organisation)
        session.flush()
    return organisation


def _same(column: str, wanted: object, kept: object) -> bool:
    # Addresses are compared as the admin page stores them: lower case.
    if column == "email":
        return str(wanted).lower() == str(kept).lower()
    return wanted == kept


def warn_of_ignored_variables(*, session: Session, settings: Settings) -> list[str]:
    """At start-up: seed the row on first start, else warn once about variables it no longer matches.

    The row, edited on the admin page, is what counts; a variable that was set but now differs
    is ignored, and the one warning names it (names only, never values).

    Returns:
        The names of those variables, in the order of the settings table.
    """
    organisation = current(session=session, settings=settings)
    ignored = [
        variable
        for variable, (field, column) in _SEEDS.items()
        if variable in settings.variables_set
        and not _same(column, getattr(settings, field), getattr(organisation, column))
    ]
    if ignored:
        log.warning(
            "ignoring %s: the organisation settings saved on the admin page (%s) differ and win; "
            "these variables only seed them on first start",
            ", ".join(ignored),
            routes.ADMIN_ORGANISATION,
        )
    return ignored


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
        now=now,
        action=audit.Action.ORGANISATION_UPDATED,
        actor=by.actor,
        ip=ip,
        fields=",".join(changed),
    )
    return org
