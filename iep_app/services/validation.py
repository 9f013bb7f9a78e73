"""Checks on what people type: email addresses and mobile numbers."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from iep_app.services.errors import ValidationFailed


def normalise_email(value: str, *, field: str = "email") -> str:
    """A well-formed email address, lower-cased for lookups.

    Raises:
        ValidationFailed: the address is not well formed.
    """
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(field, "Enter an email address.")
    try:
        # No DNS lookups: the portal may sit on a network without outbound DNS.
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(field, f"This email address is not valid: {error}") from None
    return result.normalized.lower()


def normalise_mobile(value: str, *, field: str = "mobile") -> str:
    """A mobile number in E.164 form (+447700900123).

    Raises:
        ValidationFailed: the number is not a valid international number.
    """
    value = (value or "").strip()
    if not value.startswith("+"):
        raise ValidationFailed(
            field,
            "Enter the mobile number in international form, starting with + and the country code.",
        )
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(field, "This mobile number is not valid.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(field, "This mobile number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
