"""How long a package stays available: staff extend or shorten it, or revoke it (and its forwards)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from iep_app.models import Organisation, Transaction, TransactionStatus
from iep_app.services import audit
from iep_app.services.audit import Action
from iep_app.services.errors import PackageUnavailable, invalid
from iep_app.services.staff import tracking
from iep_app.services.staff.sessions import StaffIdentity

# A package stays available until the end of the chosen day (UTC).
END_OF_DAY = time(23, 59, 59)


def _refuse_closed(transaction: Transaction) -> None:
    if transaction.status != TransactionStatus.ACTIVE:
        raise PackageUnavailable(transaction.status.value)


def change_until(
    *,
    session: Session,
    transaction: Transaction,
    until: date,
    organisation: Organisation,
    by: StaffIdentity,
    now: datetime,
    ip: str = "",
) -> Transaction:
    """Extend or shorten availability to the end of a day; an expired package opens again.

    Raises:
        PackageUnavailable: the package was declined or revoked.
        ValidationFailed: the day is past, or beyond the organisation's maximum retention
            counted from today.
    """
    _refuse_closed(transaction)
    new_until = datetime.combine(until, END_OF_DAY, UTC)
    latest = (now + timedelta(days=organisation.max_retention_days)).date()
    if new_until <= now or until > latest:
        raise invalid("until", "admin.tx.bad_until", days=organisation.max_retention_days)
    before = transaction.available_until
    transaction.available_until = new_until
    session.add(transaction)
    audit.record(
        session=session,
        now=now,
        action=Action.RETENTION_CHANGED,
        actor=by.actor,
        transaction_pk=transaction.id,
        ip=ip,
        before=before.date().isoformat(),
        after=until.isoformat(),
    )
    return transaction


def revoke(
    *,
    session: Session,
    transaction: Transaction,
    by: StaffIdentity,
    onward: bool,
    now: datetime,
    ip: str = "",
) -> list[str]:
    """Withdraw a package at once; with `onward`, every forward made from it too.

    The recipient's link then shows "withdrawn" and every session and image request is
    refused: they check the status in the database each time.

    Returns:
        The public IDs revoked, this one first.

    Raises:
        PackageUnavailable: the package was already declined or revoked.
    """
    _refuse_closed(transaction)
    targets = [transaction]
    if onward:
        below = tracking.descendants(session=session, transaction=transaction)
        targets += [t for t, _ in below if t.status == TransactionStatus.ACTIVE]
    for target in targets:
        target.status = TransactionStatus.REVOKED
        session.add(target)
        extra = {} if target is transaction else {"with": transaction.public_id}
        audit.record(
            session=session,
            now=now,
            action=Action.REVOKED,
            actor=by.actor,
            transaction_pk=target.id,
            ip=ip,
            **extra,
        )
    return [t.public_id or "" for t in targets]
