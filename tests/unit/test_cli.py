"""The command line says refused inputs in English, through the one translating function."""

from __future__ import annotations

import pytest

from iep_app.cli import _in_english
from iep_app.services.errors import ValidationFailed, invalid
from iep_app.services.staff import passwords
from iep_app.services.validation import normalise_email


def test_a_refusal_is_printed_in_english():
    with pytest.raises(ValidationFailed) as failure:
        passwords.check_strength("short", username="ann")
    assert _in_english(failure.value) == f"Use at least {passwords.MIN_LENGTH} characters."


def test_a_bad_address_keeps_the_validators_detail():
    with pytest.raises(ValidationFailed) as failure:
        normalise_email("two@@signs.example")
    said = _in_english(failure.value)
    assert said.startswith("This email address is not valid: ") and failure.value.detail in said


def test_words_come_from_the_catalogue_not_the_code():
    assert _in_english(invalid("range", "invalid.range_missing")) == "Choose the first and last day."
