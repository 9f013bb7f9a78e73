"""Declining a package: the recipient gives it back, the organisation is told, access ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from iep_app.i18n import translate
from iep_app.models import DisplayStatus, Transaction, TransactionStatus
from iep_app.notify import templates
from iep_app.services import audit, organisation, outbox
from iep_app.services.audit import Action
from iep_app.services.errors import PackageUnavailable, invalid
from iep_app.services.recipient import sessions
from iep_app.services.transactions import records
from iep_app.settings import Settings

# The reasons a recipient may pick; "" means they gave none.
REASONS = ("wrong_patient", "not_needed", "sent_by_mistake", "other")
OTHER = "other"
MAX_OTHER_TEXT = 400
# The organisation's notice and the audit trail are kept in one language for staff.
STAFF_LANGUAGE = "en"


def reason_text(code: str, other_text: str = "") -> str:
    """The reason as stored and sent: the chosen reason's words, or "Other: <text>".

    Raises:
        ValidationFailed: an unknown reason ("reason"), or "other" without text ("other").
    """
    code = (code or "").strip()
    if not code:
        return ""
    if code not in REASONS:
        raise invalid("reason", "invalid.decline_reason")
    words = translate(STAFF_LANGUAGE, f"decline.reason.{code}")
    if code != OTHER:
        return words
    text = " ".join((other_text or "").split())
    if not text:
        raise invalid("other", "invalid.decline_other")
    if len(text) > MAX_OTHER_TEXT:
        raise invalid("other", "invalid.too_long", max=MAX_OTHER_TEXT)
    return f"{words}: {text}"


def decline(
    *,
    session: Session,
    settings: Settings,
    transaction: Transaction,
    session_token: str,
    reason_code: str,
    other_text: str,
    now: datetime,
    ip: str = "",
) -> outbox.Outgoing:
    """Mark a package declined, queue the notice to the organisation, end the session.

    The notice names the transaction ID and the reason only: no patient data.

    Args:
        session: the database session; commit it, then deliver the returned message.
        settings: the settings (secret key, organisation defaults).
        transaction: the package of the verified session that declines it.
        session_token: that session's token, ended here.
        reason_code: one of REASONS, or "" for no reason.
        other_text: the recipient's words when the reason is "other".
        now: the current time.
        ip: the recipient's address, for the audit trail.

    Returns:
        The queued email to the organisation's address.

    Raises:
        ValidationFailed: the reason is not acceptable; nothing changes.
        PackageUnavailable: it was already declined, revoked or expired.
    """
    reason = reason_text(reason_code, other_text)
    # Only one decline can win, even from two tabs at once: the update needs an active row.
    claimed = session.exec(
        update(Transaction)
        .where(
            col(Transaction.id) == transaction.id,
            col(Transaction.status) == TransactionStatus.ACTIVE,
            col(Transaction.available_until) > now,
        )
        .values(status=TransactionStatus.DECLINED, decline_reason=reason, last_activity_at=now)
        # Re-read below instead: SQLite hands back naive datetimes the ORM cannot compare.
        .execution_options(synchronize_session=False)
    )
    session.refresh(transaction)
    if claimed.rowcount != 1:
        raise PackageUnavailable(records.unavailable_reason(transaction, now) or DisplayStatus.DECLINED)
    org = organisation.current(session=session, settings=settings)
    notice = templates.decline_email(
        lang=STAFF_LANGUAGE,
        organisation=org.name,
        transaction_id=transaction.public_id or "",
        reason=reason,
        declined_at=now,
    )
    outgoing = outbox.queue(
        session=session,
        channel=outbox.EMAIL,
        purpose="decline",
        to=org.email,
        transaction_pk=transaction.id,
        message=notice,
        redacted=notice,
    )
    sessions.end_session(
        session=session, secret_key=settings.secret_key, session_token=session_token, now=now
    )
    audit.record(
        session=session,
        now=now,
        action=Action.DECLINED,
        actor=audit.RECIPIENT,
        transaction_pk=transaction.id,
        ip=ip,
        reason=reason or "none given",
    )
    return outgoing
