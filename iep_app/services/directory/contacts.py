"""The individuals directory: the people outside the hospital who receive packages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.i18n import SUPPORTED_LANGUAGES
from iep_app.models import AuthMethod, Individual
from iep_app.services import ratelimit
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
SUGGESTION_MIN_CHARS = 3
SUGGESTION_LIMIT = 5


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


def suggest_emails(*, session: Session, typed: str, now: datetime, requester: str | None = None) -> list[str]:
    """Email addresses of known individuals that start with what was typed.

    The directory holds patients' contacts, so it is never browsable: nothing below
    SUGGESTION_MIN_CHARS characters, only prefix (or exact) matches on the address, at most
    SUGGESTION_LIMIT of them, addresses only, never names, and, for a requester outside the
    hospital, a budget of look-ups (ratelimit.DIRECTORY_SUGGESTIONS).

    Args:
        session: the database session.
        typed: what was typed so far.
        requester: whose look-up budget to spend (a transaction ID); None for staff.
        now: the current time, for the budget.

    Returns:
        Up to SUGGESTION_LIMIT addresses; none once the requester's budget is spent.
    """
    typed = (typed or "").strip().lower()
    if len(typed) < SUGGESTION_MIN_CHARS or len(typed) > 320:
        return []
    if requester is not None and not ratelimit.allow(
        session=session, policy=ratelimit.DIRECTORY_SUGGESTIONS, key=requester, now=now
    ):
        return []
    # autoescape: a typed "%" or "_" is a character, not a LIKE wildcard matching everyone.
    query = (
        select(Individual.email)
        .where(col(Individual.email).startswith(typed, autoescape=True))
        .order_by(col(Individual.email))
        .limit(SUGGESTION_LIMIT)
    )
    return list(session.exec(query))


def known_email(*, session: Session, email: str, requester: str, now: datetime) -> bool:
    """Whether an address is in the directory, asked by someone outside the hospital.

    Each answer spends the requester's DIRECTORY_SUGGESTIONS budget, like a suggestion: "is
    this address one of your patients?" must not be answerable without limit. Once the budget
    is spent, no address is known.
    """
    if not ratelimit.allow(session=session, policy=ratelimit.DIRECTORY_SUGGESTIONS, key=requester, now=now):
        return False
    return find_by_email(session=session, email=email) is not None


def auth_destination(individual: Individual) -> str:
    """Where this individual's one-time passwords go."""
    if individual.auth_method == AuthMethod.SMS:
        return individual.auth_mobile
    return individual.auth_email
