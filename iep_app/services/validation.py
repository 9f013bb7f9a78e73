"""Checks on what people type: email addresses, telephone numbers, patient identifiers."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from iep_app.services.errors import ValidationFailed, invalid

# A local hospital number: letters, digits and a few separators, as PAS systems print them.
_LOCAL_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,63}")
_NHS_NUMBER_DIGITS = 10
# ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() then refuses or reads,
# and int() of thousands of digits raises. 18 digits fit a 64-bit integer.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer: a larger ID names no row


def whole_number(value: object, *, low: int = 0, high: int) -> int | None:
    """A whole number sent by anyone (a URL, a query, a websocket event): within [low, high], or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _WHOLE_NUMBER.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if low <= number <= high else None


def row_id(value: object) -> int | None:
    """A database row ID sent by anyone, or None when it cannot name a row."""
    return whole_number(value, low=1, high=MAX_ROW_ID)


def normalise_email(value: str, *, field: str = "email") -> str:
    """A well-formed email address, lower-cased for lookups.

    Raises:
        ValidationFailed: the address is missing or not well formed.
    """
    value = (value or "").strip()
    if not value:
        raise invalid(field, "invalid.email_required")
    try:
        # No DNS lookups: the portal may sit on a network without outbound DNS.
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        # The command line shows the validator's detail; pages show the translated sentence.
        raise ValidationFailed(field, "invalid.email", detail=str(error)) from None
    return result.normalized.lower()


def _international_number(value: str, *, field: str, kind: str) -> str:
    value = (value or "").strip()
    if not value.startswith("+"):
        raise invalid(field, f"invalid.{kind}_format")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise invalid(field, f"invalid.{kind}") from None
    if not phonenumbers.is_valid_number(number):
        raise invalid(field, f"invalid.{kind}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_mobile(value: str, *, field: str = "mobile") -> str:
    """A mobile number in E.164 form (+447700900123).

    Raises:
        ValidationFailed: the number is not a valid international number.
    """
    return _international_number(value, field=field, kind="mobile")


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """A contact telephone number (landline or mobile) in E.164 form.

    Raises:
        ValidationFailed: the number is not a valid international number.
    """
    return _international_number(value, field=field, kind="phone")


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus 11 check on ten digits."""
    if len(digits) != _NHS_NUMBER_DIGITS or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def normalise_patient_identifier(value: str, *, field: str = "nhs_number") -> str:
    """An NHS number ("943 476 5919") or a local patient identifier; "" when none is given.

    Ten digits (spaces and hyphens aside) are read as an NHS number and must pass its
    check digit; anything else is a local identifier of letters, digits and . / - or spaces.

    Raises:
        ValidationFailed: a wrong NHS number, or characters a local identifier cannot hold.
    """
    value = " ".join((value or "").split())
    if not value:
        return ""
    digits = value.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == _NHS_NUMBER_DIGITS:
        if not nhs_number_is_valid(digits):
            raise invalid(field, "invalid.nhs_number")
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if not _LOCAL_IDENTIFIER.fullmatch(value):
        raise invalid(field, "invalid.patient_identifier")
    return value
