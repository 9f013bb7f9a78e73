"""The individuals directory: the people outside the hospital who receive packages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from iep_app.i18n import SUPPORTED_LANGUAGES
from iep_app.models import AuthMethod, Individual
from iep_app.services.errors import ValidationFailed, invalid
from iep_app.services.validation import normalise_email, normalise_mobile, normalise_phone


@dataclass(frozen=True)
class ContactDetails:
    """What staff or a forwarding recipient type about a new individual."""

    email: str
    auth_method: AuthMethod
    auth_mobile: str = ""
    auth_email: str = ""
    first_name: str = ""
    last_name: str = ""
    address: str = ""
    phone: str = ""
    preferred_language: str = "en"


# The longest each typed field may be, as the Individual table stores it.
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "address": 500}


def _check_contact(
    details: ContactDetails, confirm_email: str | None
) -> tuple[ContactDetails, dict[str, ValidationFailed]]:
    errors: dict[str, ValidationFailed] = {}

    def attempt(field: str, check: Callable[..., str], value: str) -> str:
        try:
            return check(value, field=field)
        except ValidationFailed as error:
            errors[field] = error
            return ""

    email = attempt("email", normalise_email, details.email)
    if confirm_email is not None and email:
        confirmed = attempt("confirm_email", normalise_email, confirm_email)
        if confirmed and confirmed != email:
            errors["confirm_email"] = invalid("confirm_email", "invalid.confirm_email")
    mobile, second_email = "", ""
    if details.auth_method == AuthMethod.SMS:
        mobile = attempt("auth_mobile", normalise_mobile, details.auth_mobile)
    else:
        second_email = attempt("auth_email", normalise_email, details.auth_email)
        if second_email and second_email == email:
            # The code must travel by a second channel, or the emailed link alone is enough.
            errors["auth_email"] = invalid("auth_email", "invalid.auth_email_same")
    phone = attempt("phone", normalise_phone, details.phone) if details.phone.strip() else ""
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(details, name).strip()) > limit:
            errors[name] = invalid(name, "invalid.too_long", max=limit)
    language = details.preferred_language or "en"
    if language not in SUPPORTED_LANGUAGES:
        errors["preferred_language"] = invalid("preferred_language", "invalid.language")
    clean = ContactDetails(
        email=email,
        auth_method=details.auth_method,
        auth_mobile=mobile,
        auth_email=second_email,
        first_name=details.first_name.strip(),
        last_name=details.last_name.strip(),
        address=details.address.strip(),
        phone=phone,
        preferred_language=language,
    )
    return clean, errors


def contact_errors(
    details: ContactDetails, *, confirm_email: str | None = None
) -> dict[str, ValidationFailed]:
    """Every problem with typed contact details, by field, so a form can show them all.

    Args:
        details: what was typed.
        confirm_email: the "Confirm email address" field, when the form has one.

    Returns:
        Field name to error; empty when the details are acceptable.
    """
    return _check_contact(details, confirm_email)[1]


def validated(details: ContactDetails) -> ContactDetails:
    """Normalise and check contact details.

    Raises:
        ValidationFailed: naming the first field that is wrong.
    """
    clean, errors = _check_contact(details, None)
    if errors:
        raise next(iter(errors.values()))
    return clean


def find_by_email(*, session: Session, email: str) -> Individual | None:
    """The individual with exactly this email address, if any."""
    return session.exec(select(Individual).where(Individual.email == email.strip().lower())).first()


def find_or_create(*, session: Session, details: ContactDetails) -> Individual:
    """Reuse the individual with this email, updating authentication details, or create one.

    Raises:
        ValidationFailed: the details are not acceptable.
    """
    clean = validated(details)
    individual = find_by_email(session=session, email=clean.email)
    if individual is None:
        individual = Individual(email=clean.email)
    individual.auth_method = clean.auth_method
    individual.auth_mobile = clean.auth_mobile
    individual.auth_email = clean.auth_email
    for name in ("first_name", "last_name", "address", "phone"):
        if getattr(clean, name):
            setattr(individual, name, getattr(clean, name))
    individual.preferred_language = clean.preferred_language
    session.add(individual)
    session.flush()
    return individual


def auth_destination(individual: Individual) -> str:
    """Where this individual's one-time passwords go."""
    if individual.auth_method == AuthMethod.SMS:
        return individual.auth_mobile
    return individual.auth_email
