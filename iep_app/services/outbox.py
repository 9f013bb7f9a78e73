"""The outbox: every email and SMS is recorded, then delivered by SMTP, an SMS gateway, or kept locally."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from iep_app.db import session_scope
from iep_app.models import OutboxMessage, OutboxStatus
from iep_app.notify.mail import MailConfig, MailDeliveryFailed, build_email, send_email
from iep_app.notify.masking import mask_email, mask_phone
from iep_app.notify.sms import HttpSmsGateway, SmsDeliveryFailed, SmsGateway
from iep_app.notify.templates import RenderedMessage
from iep_app.settings import Settings

log = logging.getLogger("iep.outbox")

EMAIL = "email"
SMS = "sms"


@dataclass(frozen=True)
class Outgoing:
    """A recorded message and its real content, which exists only in memory until sent."""

    outbox_pk: int
    channel: str
    to: str
    message: RenderedMessage
    reply_to: str | None = None


def queue(
    *,
    session: Session,
    channel: str,
    purpose: str,
    to: str,
    message: RenderedMessage,
    redacted: RenderedMessage,
    transaction_pk: int | None = None,
    reply_to: str | None = None,
) -> Outgoing:
    """Record a message in the outbox with its secrets redacted.

    Args:
        session: the database session (the row commits with the caller's work).
        channel: EMAIL or SMS.
        purpose: what it is for ("link", "otp", "decline", ...).
        to: the address or E.164 number.
        message: the real content, to be sent.
        redacted: the same content with links and codes masked, to be stored.
        transaction_pk: the transaction concerned.
        reply_to: a Reply-To address for emails.

    Returns:
        What deliver() needs.
    """
    row = OutboxMessage(
        transaction_pk=transaction_pk,
        channel=channel,
        purpose=purpose,
        to_address=to,
        subject=redacted.subject[:300],
        body_redacted=redacted.text,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return Outgoing(outbox_pk=row.id, channel=channel, to=to, message=message, reply_to=reply_to)


def masked(channel: str, to: str) -> str:
    """The destination as it may be shown or logged."""
    return mask_phone(to) if channel == SMS else mask_email(to)


def _keep_locally(settings: Settings, outgoing: Outgoing) -> Path:
    # Development without SMTP or an SMS carrier: the message is written to a private file
    # instead of the log, because the log must never hold links or codes.
    folder = settings.outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    if outgoing.channel == EMAIL:
        path = folder / f"{outgoing.outbox_pk:06d}-email.eml"
        content = build_email(
            mail_from=settings.mail_from, to=outgoing.to, message=outgoing.message
        ).as_bytes()
    else:
        path = folder / f"{outgoing.outbox_pk:06d}-sms.txt"
        content = f"To: {outgoing.to}\n\n{outgoing.message.text}\n".encode()
    path.write_bytes(content)
    path.chmod(0o600)
    return path


def sms_gateway(settings: Settings) -> SmsGateway | None:
    """The configured SMS carrier, or None when SMS are only kept locally (the log backend)."""
    if settings.sms_backend == "http" and settings.sms_http_url and settings.sms_http_token:
        return HttpSmsGateway(url=settings.sms_http_url, token=settings.sms_http_token)
    return None


def mail_config(settings: Settings) -> MailConfig | None:
    """The SMTP settings, or None when mail is only kept locally."""
    if not settings.smtp_host:
        return None
    return MailConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password,
        tls=settings.smtp_tls,
        mail_from=settings.mail_from,
    )


def _not_delivered(settings: Settings, outgoing: Outgoing, channel: str, why: str) -> OutboxStatus:
    path = _keep_locally(settings, outgoing)
    log.warning(
        "%s #%s to %s NOT DELIVERED (%s): kept in %s",
        "email" if channel == EMAIL else "SMS",
        outgoing.outbox_pk,
        masked(channel, outgoing.to),
        why,
        path,
    )
    return OutboxStatus.NOT_DELIVERED


async def _send(settings: Settings, outgoing: Outgoing) -> OutboxStatus:
    if outgoing.channel == EMAIL:
        config = mail_config(settings)
        if config is None:
            return _not_delivered(settings, outgoing, EMAIL, "no IEP_SMTP_HOST")
        email = build_email(
            mail_from=config.mail_from,
            to=outgoing.to,
            message=outgoing.message,
            reply_to=outgoing.reply_to,
        )
        await send_email(config, email)
        return OutboxStatus.SENT
    gateway = sms_gateway(settings)
    if gateway is None:
        return _not_delivered(settings, outgoing, SMS, "IEP_SMS_BACKEND=log")
    await gateway.send(to=outgoing.to, text=outgoing.message.text)
    return OutboxStatus.SENT


async def deliver(
    outgoing: Outgoing, *, settings: Settings, now: datetime, engine: Engine | None = None
) -> OutboxStatus:
    """Send one recorded message and store how it went; failures are recorded, not raised.

    Args:
        outgoing: what queue() returned, after the queuing transaction committed.
        settings: the settings with SMTP and SMS configuration.
        now: when the delivery is attempted; kept as sent_at when it succeeds.
        engine: the database engine (the configured one when None).

    Returns:
        The delivery status stored on the outbox row.
    """
    error = ""
    try:
        status = await _send(settings, outgoing)
    except (MailDeliveryFailed, SmsDeliveryFailed) as failure:
        status, error = OutboxStatus.FAILED, str(failure)[:500]
        log.error(
            "%s #%s to %s failed: %s",
            outgoing.channel,
            outgoing.outbox_pk,
            masked(outgoing.channel, outgoing.to),
            error,
        )
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, outgoing.outbox_pk)
        if row is not None:
            row.status = status
            row.attempts += 1
            row.last_error = error
            if status == OutboxStatus.SENT:
                row.sent_at = now
    return status
