"""The audit trail: who did what to which transaction, when and from where."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from iep_app.models import AuditEvent, Transaction

# Who acted, as the trail names them (AuditEvent.actor); staff members are staff_actor(username).
RECIPIENT = "recipient"  # whoever holds a package's verified session (or its emailed link)
ANONYMOUS = "anonymous"  # a staff sign-in with a username nobody has
CLI = "cli"  # the `iep` command on the server
DEMO = "demo"  # the demonstration data loader


def staff_actor(username: str) -> str:
    """A staff member in the trail: ``staff:<username>`` (the exports and timeline show it as is)."""
    return f"staff:{username}"


class Action:
    """Audit action names, one vocabulary for services, staff pages and exports."""

    SHARED = "shared"
    LINK_SENT = "link_sent"
    LINK_OPENED = "link_opened"
    CODE_SENT = "code_sent"
    CODE_REFUSED = "code_refused"
    CODE_FAILED = "code_failed"
    CODE_LOCKED = "code_locked"
    CODES_LOCKED = "codes_locked"  # the package, after too many wrong codes in all
    VERIFIED = "verified"
    SESSION_ENDED = "session_ended"
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    FORWARDED = "forwarded"
    DECLINED = "declined"
    REVOKED = "revoked"
    ACCESS_DENIED = "access_denied"
    # Staff accounts and the admin page.
    STAFF_ADDED = "staff_added"
    STAFF_SIGNED_IN = "staff_signed_in"
    STAFF_SIGN_IN_FAILED = "staff_sign_in_failed"
    STAFF_LOCKED = "staff_locked"
    STAFF_SIGNED_OUT = "staff_signed_out"
    STAFF_ENROLMENT_CODE_USED = "staff_enrolment_code_used"
    STAFF_ENROLLED = "staff_enrolled"
    STAFF_DISABLED = "staff_disabled"
    STAFF_ENABLED = "staff_enabled"
    STAFF_2FA_RESET = "staff_2fa_reset"
    STAFF_ROLE_CHANGED = "staff_role_changed"
    LINK_RESENT = "link_resent"
    LINKS_WITHDRAWN = "links_withdrawn"
    CODES_UNLOCKED = "codes_unlocked"
    RETENTION_CHANGED = "retention_changed"
    MESSAGE_ADDED = "message_added"
    INDIVIDUAL_UPDATED = "individual_updated"
    AUTH_CHANGED = "auth_changed"
    ORGANISATION_UPDATED = "organisation_updated"
    OUTBOX_RETRIED = "outbox_retried"
    AUDIT_EXPORTED = "audit_exported"


def record(
    *,
    session: Session,
    action: str,
    actor: str,
    now: datetime,
    transaction_pk: int | None = None,
    ip: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add one audit event to the session (committed with the caller's work).

    Args:
        session: the database session.
        action: one of Action's names.
        actor: RECIPIENT, ANONYMOUS, CLI, DEMO or staff_actor(username).
        now: when it happened (also the package's last activity).
        transaction_pk: the transaction concerned, if any.
        ip: the client address, when there is one.
        **detail: small facts (no patient names or IDs, no codes or tokens).

    Returns:
        The event, not yet committed.
    """
    event = AuditEvent(
        at=now,
        transaction_pk=transaction_pk,
        actor=actor[:200],
        action=action,
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
        ip=ip[:64],
    )
    session.add(event)
    if transaction_pk is not None:
        # Everything audited on a package is activity: staff's "last activity" stays current.
        session.exec(
            update(Transaction)  # type: ignore[call-overload]
            .where(col(Transaction.id) == transaction_pk)
            .values(last_activity_at=event.at)
        )
    return event


def events_for(*, session: Session, transaction_pk: int) -> list[AuditEvent]:
    """The timeline of one transaction, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.transaction_pk == transaction_pk)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return list(session.exec(query))
