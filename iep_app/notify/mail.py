"""Outgoing email: build a multipart message and hand it to an SMTP server with aiosmtplib."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from iep_app.notify.masking import mask_email
from iep_app.notify.net import is_loopback
from iep_app.notify.templates import RenderedMessage

TLS_MODES = ("none", "starttls", "ssl")
# Server answers quoted in errors are cut to this length: enough to diagnose, not a dump.
_MAX_REASON = 200


@dataclass(frozen=True)
class MailConfig:
    """How to reach the SMTP server that relays iep's mail.

    ``tls`` is ``"starttls"`` (upgrade on port 587; the server MUST offer it), ``"ssl"``
    (implicit TLS, port 465) or ``"none"`` (a relay on the same machine or in a test).
    """

    host: str
    port: int = 587
    user: str | None = None
    # Left out of repr() so that logging a config never prints the password.
    password: str | None = field(default=None, repr=False)
    tls: str = "starttls"
    mail_from: str = "iep@localhost"
    timeout: float = 20.0

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"mail tls must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")
        if bool(self.user) != (self.password is not None):
            raise ValueError("mail user and password must be given together")
        # Without TLS the password crosses the network in clear text; allow that only to a
        # relay on this machine.
        if self.tls == "none" and self.user and not is_loopback(self.host):
            raise ValueError("mail login without TLS is only allowed to a relay on localhost")


class MailDeliveryFailed(Exception):
    """The SMTP server could not be reached or refused the message.

    The message says what went wrong in words safe to store and show to staff: it never
    holds the password or the message's content.
    """


def build_email(
    *, mail_from: str, to: str, message: RenderedMessage, reply_to: str | None = None
) -> EmailMessage:
    """Build the email to send: plain text, plus HTML as an alternative when there is one.

    Args:
        mail_from: The From address, e.g. ``"Hospital <iep@hospital.example>"``.
        to: The recipient's address.
        message: The rendered subject and bodies.
        reply_to: Where replies should go (e.g. the sending department), if not From.

    Returns:
        A message with Message-ID and Date, ready for send_email.

    Raises:
        ValueError: If a header value holds a line break (header injection).
    """
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=_domain_of(mail_from))
    # RFC 3834: tells out-of-office responders not to answer an automatic message.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(message.text)
    if message.html is not None:
        msg.add_alternative(message.html, subtype="html")
    return msg


def _domain_of(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].strip().rstrip(">").strip()
    return domain or "localhost"


async def send_email(config: MailConfig, msg: EmailMessage) -> None:
    """Send a message through the configured SMTP server.

    With ``tls="starttls"`` the upgrade is required: a server that does not offer it is an
    error rather than a silent fall back to clear text. Certificates are always verified.

    Args:
        config: The server and credentials.
        msg: A message from build_email; its From and To headers give the envelope.

    Raises:
        MailDeliveryFailed: If the server is unreachable, times out, refuses the login,
            the sender or every recipient.
    """
    try:
        await aiosmtplib.send(
            msg,
            hostname=config.host,
            port=config.port,
            username=config.user or None,
            password=config.password if config.user else None,
            use_tls=config.tls == "ssl",
            start_tls=config.tls == "starttls",
            timeout=config.timeout,
        )
    # OSError covers refused connections, TLS failures and TimeoutError.
    except (aiosmtplib.SMTPException, OSError) as exc:
        where = f"{config.host}:{config.port}"
        raise MailDeliveryFailed(f"sending email via {where} failed: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    # Built from codes and the server's words, never from our request: no password or
    # message body can end up in the stored error.
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(_reply(r.code, r.message) for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return "login refused: " + _reply(exc.code, exc.message)
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return "sender refused: " + _reply(exc.code, exc.message)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return "server said " + _reply(exc.code, exc.message)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return _clean(str(exc)) or type(exc).__name__


def _reply(code: int, message: str) -> str:
    return f"{code} {_clean(message)}".strip()


# Servers quote the address they refuse ("550 5.1.1 <jane.doe@example.org>: unknown"); the
# error is stored and logged, so addresses in it are masked like everywhere else.
_ADDRESS = re.compile(r"[^\s<>\"';,]+@[^\s<>\"';,]+")


def _clean(text: str) -> str:
    text = _ADDRESS.sub(lambda found: mask_email(found.group(0)), text)
    return " ".join(text.split())[:_MAX_REASON]
