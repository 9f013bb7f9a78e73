"""The individuals directory: the people outside the hospital who receive packages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from iep_app.models import AuthMethod, Individual
from iep_app.services.errors import ValidationFailed
from iep_app.services.validation import normalise_email, normalise_mobile


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


def validated(details: ContactDetails) -> ContactDetails:
    """Normalise and check contact details.

    Raises:
        ValidationFailed: naming the first field that is wrong.
    """
    email = normalise_email(details.email, field="email")
    mobile, second_email = "", ""
    if details.auth_method == AuthMethod.SMS:
        mobile = normalise_mobile(details.auth_mobile, field="auth_mobile")
    else:
        second_email = normalise_email(details.auth_email, field="auth_email")
        if second_email == email:
            # The code must travel by a second channel, or the emailed link alone is enough.
            raise ValidationFailed(
                "auth_email", "The authentication email must differ from the contact email."
            )
    return ContactDetails(
        email=email,
        auth_method=details.auth_method,
        auth_mobile=mobile,
        auth_email=second_email,
        first_name=details.first_name.strip()[:100],
        last_name=details.last_name.strip()[:100],
        address=details.address.strip()[:500],
        phone=details.phone.strip()[:32],
        preferred_language=details.preferred_language or "en",
    )


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
