"""The messages iep sends (link email, one-time password by email or SMS, decline notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from iep_app.i18n import format_date, format_datetime, normalise_language, translate
from iep_app.notify import layout

# The plain-text signature separator ("-- " with its space) that mail clients recognise.
_SIGNATURE = "-- "


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready to send: a subject, a plain-text body and, for email, an HTML body."""

    subject: str
    text: str
    html: str | None


def _text(*parts: str | None) -> str:
    # Paragraphs separated by a blank line; None marks a paragraph left out.
    return "\n\n".join(part for part in parts if part) + "\n"


def _check_link(url: str) -> None:
    # The URL goes into an href: a "javascript:" or "data:" URL there would run in the
    # reader's mail client, so only web links are accepted.
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("link_url must be an absolute http(s) URL")


def link_email(
    *,
    lang: str,
    organisation: str,
    recipient_name: str,
    link_url: str,
    available_until: datetime,
    transaction_id: str,
    message_waiting: bool,
) -> RenderedMessage:
    """Render the email that gives a recipient the link to their package.

    It names the sender and the expiry date and carries the transaction ID, but no patient
    data and no message text (staff's notes may hold clinical details): mailboxes are not a
    safe place for them. It says a message is waiting; the text is read after the code.
    Opening the link only shows the start button, so a mail scanner that follows links does
    not trigger a one-time password.

    Args:
        lang: The recipient's language.
        organisation: The sending organisation's name.
        recipient_name: Who the email is addressed to; empty for a plain greeting.
        link_url: The absolute http(s) URL of the package's start page.
        available_until: When access ends, already in the reader's time zone.
        transaction_id: The reference both sides can quote.
        message_waiting: The package's thread holds a message for the recipient.

    Returns:
        The subject, plain-text and HTML bodies.

    Raises:
        ValueError: If link_url is not an absolute http(s) URL.
    """
    _check_link(link_url)
    lang = normalise_language(lang)
    name = recipient_name.strip()
    greeting = (
        translate(lang, "email.greeting", name=name) if name else translate(lang, "email.greeting_no_name")
    )
    subject = translate(lang, "email.link.subject", organisation=organisation)
    intro = translate(lang, "email.link.intro", organisation=organisation)
    until = translate(lang, "email.link.available_until", date=format_date(lang, available_until))
    start = translate(lang, "start.button")
    # Plain text has no button to click, so it asks the reader to open the address instead.
    open_link = translate(lang, "email.link.open_link")
    otp_note = translate(lang, "email.link.otp_note")
    waiting = translate(lang, "email.link.message_waiting") if message_waiting else None
    transaction = translate(lang, "package.transaction", id=transaction_id)
    unexpected = translate(lang, "email.link.unexpected")
    footer = translate(lang, "email.footer", organisation=organisation)

    text = _text(
        greeting,
        intro,
        until,
        f"{open_link}\n{link_url}",
        otp_note,
        waiting,
        transaction,
        unexpected,
        f"{_SIGNATURE}\n{footer}",
    )
    blocks = [
        layout.paragraph(greeting),
        layout.paragraph(intro),
        layout.paragraph(until),
        layout.button(start, link_url),
        layout.paragraph(otp_note),
    ]
    if waiting:
        blocks.append(layout.paragraph(waiting))
    blocks += [
        layout.paragraph(translate(lang, "email.link.fallback"), small=True),
        layout.link(link_url),
        layout.rule(),
        layout.paragraph(transaction, small=True),
        layout.paragraph(unexpected, small=True),
        layout.paragraph(footer, small=True),
    ]
    return RenderedMessage(subject, text, layout.page(lang=lang, title=subject, blocks=blocks))


def otp_email(*, lang: str, organisation: str, code: str, valid_minutes: int) -> RenderedMessage:
    """Render the email that carries a one-time password.

    The code is kept out of the subject, which lock screens and notifications show.

    Args:
        lang: The recipient's language.
        organisation: The sending organisation's name.
        code: The one-time password.
        valid_minutes: How long the code works.

    Returns:
        The subject, plain-text and HTML bodies.
    """
    lang = normalise_language(lang)
    subject = translate(lang, "email.otp.subject", organisation=organisation)
    lead = translate(lang, "email.otp.code")
    validity = translate(lang, "email.otp.validity", minutes=valid_minutes)
    never_share = translate(lang, "email.otp.never_share")
    ignore = translate(lang, "email.otp.ignore")
    footer = translate(lang, "email.footer", organisation=organisation)

    text = _text(lead, code, validity, f"{never_share}\n{ignore}", f"{_SIGNATURE}\n{footer}")
    blocks = [
        layout.paragraph(lead),
        layout.code(code),
        layout.paragraph(validity),
        layout.paragraph(never_share),
        layout.paragraph(ignore),
        layout.rule(),
        layout.paragraph(footer, small=True),
    ]
    return RenderedMessage(subject, text, layout.page(lang=lang, title=subject, blocks=blocks))


def otp_sms(*, lang: str, organisation: str, code: str, valid_minutes: int) -> RenderedMessage:
    """Render the SMS that carries a one-time password.

    The text fits one 160-character SMS for organisation names up to about 30 characters,
    and uses only characters of the GSM alphabet (French ``ê`` or ``ç`` would halve the
    space).

    Args:
        lang, organisation, code, valid_minutes: As for otp_email.

    Returns:
        The message; ``subject`` is empty and ``html`` None.
    """
    text = translate(lang, "sms.otp", organisation=organisation, code=code, minutes=valid_minutes)
    return RenderedMessage(subject="", text=text, html=None)


def decline_email(
    *, lang: str, organisation: str, transaction_id: str, reason: str, declined_at: datetime
) -> RenderedMessage:
    """Render the notice telling the sending organisation that a recipient declined.

    It identifies the package by transaction ID only, with no patient data.

    Args:
        lang: The organisation's language.
        organisation: The sending organisation's name (for the footer).
        transaction_id: The declined transaction.
        reason: What the recipient wrote; empty when they gave none.
        declined_at: When they declined, already in the reader's time zone.

    Returns:
        The subject, plain-text and HTML bodies.
    """
    lang = normalise_language(lang)
    subject = translate(lang, "email.decline.subject", id=transaction_id)
    intro = translate(lang, "email.decline.intro", id=transaction_id)
    reason = reason.strip() or translate(lang, "email.decline.no_reason")
    rows = [
        (translate(lang, "email.decline.transaction"), transaction_id),
        (translate(lang, "email.decline.reason"), reason),
        (translate(lang, "email.decline.time"), format_datetime(lang, declined_at)),
    ]
    footer = translate(lang, "email.footer", organisation=organisation)

    details = "\n".join(f"{label} {value}" for label, value in rows)
    text = _text(intro, details, f"{_SIGNATURE}\n{footer}")
    blocks = [
        layout.paragraph(intro),
        layout.fields(rows),
        layout.rule(),
        layout.paragraph(footer, small=True),
    ]
    return RenderedMessage(subject, text, layout.page(lang=lang, title=subject, blocks=blocks))
