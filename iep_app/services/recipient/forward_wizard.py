"""The forward wizard's rules: four steps, what each needs, and that none can be skipped.

Plain Python with no database and no UI: the Reflex state keeps a ForwardWizard's values,
and every handler goes through these methods, so the rules hold whichever handler a client
calls, in whatever order, with whatever arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from iep_app.i18n import SUPPORTED_LANGUAGES
from iep_app.models import AuthMethod
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import LookupsSpent, NotAllowed, ValidationFailed, WizardIncomplete, invalid
from iep_app.services.transactions import messages
from iep_app.services.transactions.forwarding import ForwardRequest, RetentionWindow, check_until
from iep_app.services.validation import normalise_email, normalise_patient_identifier

DESTINATION, ADDITIONAL_INFO, MESSAGES, RETENTION = 1, 2, 3, 4
STEP_COUNT = 4
EXISTING, NEW = "existing", "new"

# Every field the wizard keeps, and the step it belongs to.
FIELDS: dict[str, int] = {
    "mode": DESTINATION,
    "recipient_email": DESTINATION,
    "email": DESTINATION,
    "confirm_email": DESTINATION,
    "first_name": DESTINATION,
    "last_name": DESTINATION,
    "address": DESTINATION,
    "phone": DESTINATION,
    "preferred_language": DESTINATION,
    "auth_method": DESTINATION,
    "auth_mobile": DESTINATION,
    "auth_email": DESTINATION,
    "nhs_number": ADDITIONAL_INFO,
    "clinical_context": ADDITIONAL_INFO,
    "draft": MESSAGES,
    "until": RETENTION,
}
MAX_CLINICAL_CONTEXT = 2000
MAX_ADDED_MESSAGES = 10
# What is kept of a typed value: enough to say "too long" without storing megabytes.
_KEEP = messages.MAX_MESSAGE_LENGTH + 1
UNTIL_FORMAT = "%Y-%m-%dT%H:%M"  # the value of an <input type="datetime-local">, in UTC

Errors = dict[str, ValidationFailed]


@dataclass
class StepContext:
    """What the rules need from outside: the directory and the retention window.

    known_email answers for one full, normalised address (it may raise LookupsSpent: a recipient's
    look-ups are on a budget). The window is computed only when a rule needs it (not on every keystroke).
    """

    known_email: Callable[[str], bool]
    retention: Callable[[], RetentionWindow]

    @cached_property
    def window(self) -> RetentionWindow:
        return self.retention()


def until_value(moment: datetime) -> str:
    """A date as the retention field holds it."""
    return moment.astimezone(UTC).strftime(UNTIL_FORMAT)


def parse_until(value: str) -> datetime:
    """The retention field's value as an aware UTC datetime.

    Raises:
        ValidationFailed: empty or not a date and time.
    """
    value = (value or "").strip()
    if not value:
        raise invalid("until", "invalid.until_required")
    for pattern in (UNTIL_FORMAT, UNTIL_FORMAT + ":%S"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise invalid("until", "invalid.until_format")


def _known(ctx: StepContext, field: str, email: str, *, expected: bool) -> Errors:
    """The error of `field` unless the directory's answer for `email` is the one expected."""
    try:
        known = ctx.known_email(email)
    except LookupsSpent as spent:
        return {field: invalid(field, "invalid.lookups_spent", time=spent.until)}
    if known == expected:
        return {}
    if expected:
        return {field: invalid(field, "invalid.recipient_unknown")}
    return {field: invalid(field, "invalid.email_exists")}


@dataclass
class ForwardWizard:
    """One forward in progress: the current step and everything typed so far."""

    step: int = DESTINATION
    form: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, *, window: RetentionWindow, language: str) -> ForwardWizard:
        """A fresh wizard on step 1 with the defaults filled in."""
        form = {name: "" for name in FIELDS}
        form.update(
            mode=EXISTING,
            auth_method=AuthMethod.EMAIL.value,
            preferred_language=language if language in SUPPORTED_LANGUAGES else "en",
            until=until_value(window.default),
        )
        return cls(step=DESTINATION, form=form, added=[])

    def value(self, name: str) -> str:
        return self.form.get(name, "")

    def set(self, name: str, value: object) -> None:
        """Keep a typed value. Raises NotAllowed for a field the wizard does not have."""
        if name not in FIELDS:
            raise NotAllowed()
        text = value if isinstance(value, str) else ""
        if name == "mode" and text not in (EXISTING, NEW):
            raise NotAllowed()
        self.form[name] = text[:_KEEP]

    def create_new(self) -> None:
        """Switch to the "new individual" form, starting from the address typed so far."""
        if self.step != DESTINATION:
            raise NotAllowed()
        self.form["mode"] = NEW
        if not self.value("email"):
            self.form["email"] = self.value("recipient_email")

    def choose_existing(self) -> None:
        """Back to naming an individual already in the directory by their full address."""
        if self.step != DESTINATION:
            raise NotAllowed()
        self.form["mode"] = EXISTING

    def check_recipient(self, ctx: StepContext) -> Errors:
        """Step one's answer for an individual already in the directory: known, or why not."""
        if self.step != DESTINATION or self.value("mode") != EXISTING:
            raise NotAllowed()
        return self._destination(ctx)

    def _contact(self) -> tuple[ContactDetails, Errors]:
        errors: Errors = {}
        try:
            method = AuthMethod(self.value("auth_method"))
        except ValueError:
            method = AuthMethod.EMAIL
            errors["auth_method"] = invalid("auth_method", "invalid.auth_method")
        details = ContactDetails(
            email=self.value("email"),
            auth_method=method,
            auth_mobile=self.value("auth_mobile"),
            auth_email=self.value("auth_email"),
            first_name=self.value("first_name"),
            last_name=self.value("last_name"),
            address=self.value("address"),
            phone=self.value("phone"),
            preferred_language=self.value("preferred_language"),
        )
        return details, errors

    def _destination(self, ctx: StepContext) -> Errors:
        if self.value("mode") == NEW:
            details, errors = self._contact()
            errors.update(contacts.contact_errors(details, confirm_email=self.value("confirm_email")))
            if "email" not in errors:
                errors.update(_known(ctx, "email", normalise_email(details.email), expected=False))
            return errors
        try:
            email = normalise_email(self.value("recipient_email"), field="recipient_email")
        except ValidationFailed as error:
            return {"recipient_email": error}
        return _known(ctx, "recipient_email", email, expected=True)

    def _additional_info(self) -> Errors:
        errors: Errors = {}
        try:
            normalise_patient_identifier(self.value("nhs_number"))
        except ValidationFailed as error:
            errors["nhs_number"] = error
        if len(self.value("clinical_context").strip()) > MAX_CLINICAL_CONTEXT:
            errors["clinical_context"] = invalid(
                "clinical_context", "invalid.too_long", max=MAX_CLINICAL_CONTEXT
            )
        return errors

    def _messages(self) -> Errors:
        # A typed but not added message would be lost silently: say so instead.
        if self.value("draft").strip():
            return {"draft": invalid("draft", "invalid.draft_not_added")}
        if len(self.added) > MAX_ADDED_MESSAGES:
            return {"draft": invalid("draft", "invalid.too_many_messages", max=MAX_ADDED_MESSAGES)}
        for text in self.added:
            try:
                messages.checked_text(text, field="draft")
            except ValidationFailed as error:
                return {"draft": error}
        return {}

    def _retention(self, ctx: StepContext) -> Errors:
        try:
            check_until(parse_until(self.value("until")), ctx.window)
        except ValidationFailed as error:
            return {"until": error}
        return {}

    def errors_of(self, step: int, ctx: StepContext) -> Errors:
        """The problems of one step; empty when it is complete."""
        if step == DESTINATION:
            return self._destination(ctx)
        if step == ADDITIONAL_INFO:
            return self._additional_info()
        if step == MESSAGES:
            return self._messages()
        return self._retention(ctx)

    def _check_up_to(self, last: int, ctx: StepContext) -> Errors:
        # Every earlier step again: a client may call "next" or "finish" without having
        # passed them, or change an earlier field over the websocket after passing it.
        for step in range(DESTINATION, last + 1):
            errors = self.errors_of(step, ctx)
            if errors:
                self.step = step
                return errors
        return {}

    def next(self, ctx: StepContext) -> Errors:
        """Go to the next step if this one and all before it are complete."""
        errors = self._check_up_to(self.step, ctx)
        if not errors and self.step < STEP_COUNT:
            self.step += 1
        return errors

    def previous(self) -> None:
        """Go back one step, keeping everything typed."""
        self.step = max(DESTINATION, self.step - 1)

    def add_message(self) -> Errors:
        """Move the typed message into the list of messages to forward."""
        if self.step != MESSAGES:
            raise NotAllowed()
        if len(self.added) >= MAX_ADDED_MESSAGES:
            return {"draft": invalid("draft", "invalid.too_many_messages", max=MAX_ADDED_MESSAGES)}
        try:
            text = messages.checked_text(self.value("draft"), field="draft")
        except ValidationFailed as error:
            return {"draft": error}
        self.added.append(text)
        self.form["draft"] = ""
        return {}

    def remove_message(self, index: object) -> None:
        """Take an added message out again (before Finish)."""
        if self.step != MESSAGES or not isinstance(index, int) or isinstance(index, bool):
            raise NotAllowed()
        if not 0 <= index < len(self.added):
            raise NotAllowed()
        del self.added[index]

    def request(self, ctx: StepContext) -> ForwardRequest:
        """Everything the forward needs, once every step is complete.

        Raises:
            WizardIncomplete: not on the last step, or a step (named) is not complete.
        """
        if self.step != RETENTION:
            raise WizardIncomplete(self.step, {})
        errors = self._check_up_to(RETENTION, ctx)
        if errors:
            raise WizardIncomplete(self.step, errors)
        new_contact = None
        if self.value("mode") == NEW:
            new_contact = contacts.validated(self._contact()[0])
        return ForwardRequest(
            available_until=parse_until(self.value("until")),
            recipient_email=normalise_email(self.value("recipient_email")) if new_contact is None else "",
            new_contact=new_contact,
            patient_identifier=normalise_patient_identifier(self.value("nhs_number")),
            clinical_context=self.value("clinical_context").strip(),
            messages=tuple(self.added),
        )
