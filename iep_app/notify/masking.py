"""Masked email addresses and phone numbers, safe to show on a page or write to a log."""

from __future__ import annotations

import phonenumbers

# Shown for anything that cannot be masked meaningfully: better to reveal nothing.
_HIDDEN = "***"
# Fewer digits than this and the last three would reveal too much of the number.
_MIN_DIGITS_TO_SHOW_TAIL = 7


def mask_email(address: str | None) -> str:
    """Mask an email address, keeping just enough for its owner to recognise it.

    The length of each part is hidden too: the stars are always three.

    Args:
        address: An email address; odd or empty values are accepted.

    Returns:
        ``"john.smith@example.com"`` -> ``"j***@e***.com"``; ``"***"`` for a value
        that is not an address.
    """
    local, at, domain = (address or "").strip().rpartition("@")
    if not at or not domain:
        return _HIDDEN
    masked_local = f"{local[0]}{_HIDDEN}" if local else _HIDDEN
    name, dot, suffix = domain.rstrip(".").rpartition(".")
    if not dot:
        # A dotless domain ("localhost"): only its first letter.
        return f"{masked_local}@{domain[0]}{_HIDDEN}"
    if not name:
        return f"{masked_local}@{_HIDDEN}"
    return f"{masked_local}@{name[0]}{_HIDDEN}.{suffix}"


def mask_phone(number: str | None, default_region: str | None = None) -> str:
    """Mask a phone number, keeping the country code and the last three digits.

    The number of hidden digits is not revealed: the mask has the same shape for all.

    Args:
        number: A phone number, ideally E.164 (``"+447700900123"``); odd values are accepted.
        default_region: ISO region (``"GB"``) for numbers written without a country code.

    Returns:
        ``"+447700900123"`` -> ``"+44 **** ***123"``; ``"***"`` for a value too short or
        not a number.
    """
    text = (number or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < _MIN_DIGITS_TO_SHOW_TAIL:
        return _HIDDEN
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        parsed = None
    national = str(parsed.national_number) if parsed else ""
    if parsed is None or not parsed.country_code or len(national) < _MIN_DIGITS_TO_SHOW_TAIL:
        return f"**** ***{digits[-3:]}"
    return f"+{parsed.country_code} **** ***{national[-3:]}"
