"""The contact form's values, mixed into the staff states that edit an individual's details."""

from __future__ import annotations

import reflex as rx

from iep_app.i18n import SUPPORTED_LANGUAGES
from iep_app.models import AuthMethod
from iep_app.services.directory.contacts import ContactDetails

CONTACT_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "address",
    "phone",
    "auth_mobile",
    "auth_email",
)


class ContactForm(rx.State, mixin=True):
    """Mixed into AdminState subclasses only: choose_method relies on their session check."""

    contact: dict[str, str] = {}
    contact_version: int = 0
    auth_method: str = AuthMethod.EMAIL.value
    language: str = "en"

    def _show_contact(self, details: ContactDetails) -> None:
        self.contact = {name: getattr(details, name) for name in CONTACT_FIELDS}
        self.auth_method, self.language = details.auth_method.value, details.preferred_language
        self.contact_version += 1  # the form's key: its inputs show the new values

    def _contact_from(self, form_data: object) -> ContactDetails:
        """What was typed, cut to size; services.directory validates it."""
        data = form_data if isinstance(form_data, dict) else {}
        language = str(data.get("preferred_language", "en"))
        return ContactDetails(
            **{name: str(data.get(name, ""))[:320] for name in CONTACT_FIELDS},
            auth_method=AuthMethod.SMS if self.auth_method == "sms" else AuthMethod.EMAIL,
            preferred_language=language if language in SUPPORTED_LANGUAGES else "en",
        )

    @rx.event
    def choose_method(self, method: str):
        """SMS or secondary email: which destination field the form shows."""
        refusal = self._as_staff()  # type: ignore[attr-defined]
        if refusal is None and method in (m.value for m in AuthMethod):
            self.auth_method = method
        return refusal
