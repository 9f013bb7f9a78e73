"""The forward wizard's state machine, in plain Python: no step can be skipped or faked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from iep_app.models import AuthMethod
from iep_app.services.errors import LookupsSpent, NotAllowed, WizardIncomplete
from iep_app.services.recipient.forward_wizard import (
    ADDITIONAL_INFO,
    DESTINATION,
    MAX_ADDED_MESSAGES,
    MESSAGES,
    RETENTION,
    ForwardWizard,
    StepContext,
    until_value,
)
from iep_app.services.transactions.forwarding import RetentionWindow

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WINDOW = RetentionWindow(
    earliest=NOW + timedelta(hours=1),
    default=NOW + timedelta(days=14),
    latest=NOW + timedelta(days=90),
)
KNOWN = {"gp@surgery.example.org"}


def _ctx() -> StepContext:
    return StepContext(known_email=lambda email: email in KNOWN, retention=lambda: WINDOW)


def _wizard() -> ForwardWizard:
    return ForwardWizard.start(window=WINDOW, language="fr")


def _at_retention() -> ForwardWizard:
    wizard = _wizard()
    wizard.set("recipient_email", "GP@surgery.example.org")
    for _ in range(3):
        assert wizard.next(_ctx()) == {}
    assert wizard.step == RETENTION
    return wizard


def test_a_fresh_wizard_starts_on_step_one_with_the_defaults():
    wizard = _wizard()
    assert wizard.step == DESTINATION
    assert wizard.value("until") == until_value(WINDOW.default) == "2026-03-16T09:30"
    assert wizard.value("preferred_language") == "fr"
    assert wizard.value("auth_method") == AuthMethod.EMAIL.value


def test_next_without_a_recipient_stays_on_step_one():
    wizard = _wizard()
    errors = wizard.next(_ctx())
    assert wizard.step == DESTINATION
    assert errors["recipient_email"].key == "invalid.email_required"


def test_an_unknown_address_is_not_a_recipient():
    wizard = _wizard()
    wizard.set("recipient_email", "nobody@example.org")
    assert wizard.next(_ctx())["recipient_email"].key == "invalid.recipient_unknown"
    assert wizard.step == DESTINATION


def test_the_steps_go_in_order_and_finish_gives_the_request():
    wizard = _at_retention()
    request = wizard.request(_ctx())
    assert request.recipient_email == "gp@surgery.example.org" and request.new_contact is None
    assert request.available_until == WINDOW.default
    assert request.patient_identifier == "" and request.messages == ()


def test_finish_before_the_last_step_is_refused():
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    wizard.next(_ctx())
    with pytest.raises(WizardIncomplete) as incomplete:
        wizard.request(_ctx())
    assert incomplete.value.step == ADDITIONAL_INFO


def test_a_tampered_step_number_cannot_skip_step_one():
    # As if a client had moved the step on without passing step one.
    wizard = _wizard()
    wizard.step = RETENTION
    with pytest.raises(WizardIncomplete) as incomplete:
        wizard.request(_ctx())
    assert incomplete.value.step == DESTINATION and wizard.step == DESTINATION
    assert "recipient_email" in incomplete.value.errors


def test_changing_an_earlier_field_after_passing_it_is_caught_on_next_and_finish():
    wizard = _at_retention()
    wizard.set("recipient_email", "not an address")
    with pytest.raises(WizardIncomplete) as incomplete:
        wizard.request(_ctx())
    assert incomplete.value.step == DESTINATION
    wizard.step = MESSAGES
    assert "recipient_email" in wizard.next(_ctx()) and wizard.step == DESTINATION


def test_previous_keeps_everything_typed():
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    wizard.next(_ctx())
    wizard.set("nhs_number", "943 476 5919")
    wizard.set("clinical_context", "Knee")
    wizard.next(_ctx())
    wizard.previous()
    wizard.previous()
    assert wizard.step == DESTINATION
    wizard.previous()
    assert wizard.step == DESTINATION
    assert wizard.value("recipient_email") == "gp@surgery.example.org"
    assert (wizard.value("nhs_number"), wizard.value("clinical_context")) == ("943 476 5919", "Knee")


def test_a_new_individual_shows_every_wrong_field_at_once():
    wizard = _wizard()
    wizard.set("recipient_email", "new.person@example")
    wizard.create_new()
    assert wizard.value("email") == "new.person@example"
    wizard.set("confirm_email", "other@example.org")
    wizard.set("phone", "01234")
    wizard.set("auth_method", "sms")
    wizard.set("auth_mobile", "07911123456")
    wizard.set("preferred_language", "xx")
    errors = wizard.next(_ctx())
    assert {name: error.key for name, error in errors.items()} == {
        "email": "invalid.email",
        "phone": "invalid.phone_format",
        "auth_mobile": "invalid.mobile_format",
        "preferred_language": "invalid.language",
    }
    wizard.set("email", "new.person@example.org")
    errors = wizard.next(_ctx())
    assert errors["confirm_email"].key == "invalid.confirm_email"


def test_a_new_individual_needs_a_second_channel_and_a_new_address():
    wizard = _wizard()
    wizard.create_new()
    for name, value in {"email": "pat@example.org", "confirm_email": "PAT@example.org"}.items():
        wizard.set(name, value)
    assert wizard.next(_ctx())["auth_email"].key == "invalid.email_required"
    wizard.set("auth_email", "pat@example.org")
    assert wizard.next(_ctx())["auth_email"].key == "invalid.auth_email_same"
    wizard.set("auth_email", "pat.codes@example.org")
    wizard.set("auth_method", "carrier-pigeon")
    assert wizard.next(_ctx())["auth_method"].key == "invalid.auth_method"
    wizard.set("auth_method", "email")
    assert wizard.next(_ctx()) == {} and wizard.step == ADDITIONAL_INFO
    wizard.previous()
    wizard.set("email", "gp@surgery.example.org")
    wizard.set("confirm_email", "gp@surgery.example.org")
    assert wizard.next(_ctx())["email"].key == "invalid.email_exists"


def test_a_complete_new_individual_reaches_the_request():
    wizard = _wizard()
    wizard.create_new()
    values = {
        "email": "Pat@Example.org",
        "confirm_email": "pat@example.org",
        "first_name": " Pat ",
        "auth_method": "sms",
        "auth_mobile": "+447911123456",
        "preferred_language": "de",
    }
    for name, value in values.items():
        wizard.set(name, value)
    for _ in range(3):
        assert wizard.next(_ctx()) == {}
    contact = wizard.request(_ctx()).new_contact
    assert contact.email == "pat@example.org" and contact.first_name == "Pat"
    assert contact.auth_method == AuthMethod.SMS and contact.preferred_language == "de"


@pytest.mark.parametrize(
    ("value", "key"),
    [("943 476 5918", "invalid.nhs_number"), ("<script>", "invalid.patient_identifier")],
)
def test_a_wrong_patient_identifier_holds_step_two(value, key):
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    wizard.next(_ctx())
    wizard.set("nhs_number", value)
    assert wizard.next(_ctx())["nhs_number"].key == key
    assert wizard.step == ADDITIONAL_INFO


def test_messages_are_added_removed_and_a_forgotten_draft_is_flagged():
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    wizard.next(_ctx())
    with pytest.raises(NotAllowed):
        wizard.add_message()  # not on the messages step
    wizard.next(_ctx())
    assert wizard.add_message()["draft"].key == "invalid.message_empty"
    for text in ("first", "second"):
        wizard.set("draft", f"  {text}  ")
        assert wizard.add_message() == {}
    assert wizard.added == ["first", "second"] and wizard.value("draft") == ""
    wizard.remove_message(0)
    assert wizard.added == ["second"]
    for bad in (5, -1, "0", True):
        with pytest.raises(NotAllowed):
            wizard.remove_message(bad)
    wizard.set("draft", "typed but not added")
    assert wizard.next(_ctx())["draft"].key == "invalid.draft_not_added"
    assert wizard.step == MESSAGES


def test_at_most_ten_messages_can_be_added():
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    wizard.next(_ctx())
    wizard.next(_ctx())
    for number in range(MAX_ADDED_MESSAGES):
        wizard.set("draft", f"message {number}")
        assert wizard.add_message() == {}
    wizard.set("draft", "one too many")
    assert wizard.add_message()["draft"].key == "invalid.too_many_messages"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "invalid.until_required"),
        ("next tuesday", "invalid.until_format"),
        ("2026-03-02T10:00", "invalid.until_too_soon"),
        ("2026-06-01T10:00", "invalid.until_too_late"),
    ],
)
def test_the_retention_date_must_be_inside_the_window(value, key):
    wizard = _at_retention()
    wizard.set("until", value)
    with pytest.raises(WizardIncomplete) as incomplete:
        wizard.request(_ctx())
    assert incomplete.value.errors["until"].key == key


def test_the_chosen_date_is_kept_in_utc():
    wizard = _at_retention()
    wizard.set("until", "2026-04-01T17:45")
    assert wizard.request(_ctx()).available_until == datetime(2026, 4, 1, 17, 45, tzinfo=UTC)


def test_fields_the_wizard_does_not_have_are_refused():
    wizard = _wizard()
    for name, value in (("step", "4"), ("forward_key", "x"), ("mode", "admin")):
        with pytest.raises(NotAllowed):
            wizard.set(name, value)
    wizard.set("first_name", 12345)  # not text: kept as empty
    assert wizard.value("first_name") == ""
    wizard.set("clinical_context", "x" * 100_000)
    assert len(wizard.value("clinical_context")) < 5000


def test_the_destination_can_only_change_on_step_one():
    wizard = _at_retention()
    with pytest.raises(NotAllowed):
        wizard.create_new()
    with pytest.raises(NotAllowed):
        wizard.choose_existing()


def test_a_spent_look_up_budget_holds_step_one_with_its_reason():
    def spent(email: str) -> bool:
        raise LookupsSpent(until=NOW + timedelta(hours=1))

    ctx = StepContext(known_email=spent, retention=lambda: WINDOW)
    wizard = _wizard()
    wizard.set("recipient_email", "gp@surgery.example.org")
    assert wizard.next(ctx)["recipient_email"].key == "invalid.lookups_spent"
    wizard.create_new()
    wizard.set("email", "new@example.org")
    errors = wizard.errors_of(DESTINATION, ctx)
    assert errors["email"].key == "invalid.lookups_spent" and errors["email"].params[
        "time"
    ] == NOW + timedelta(hours=1)
    assert wizard.step == DESTINATION
