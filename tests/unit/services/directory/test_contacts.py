"""Contact checks name every field; patient identifiers are NHS numbers or local ones."""

from __future__ import annotations

import pytest

from iep_app.models import AuthMethod
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import message_of
from iep_app.services.validation import normalise_patient_identifier


def test_contact_errors_cover_every_field_at_once():
    errors = contacts.contact_errors(
        ContactDetails(
            email="x@example.org",
            auth_method=AuthMethod.EMAIL,
            auth_email="X@example.org",
            first_name="a" * 101,
            address="b" * 501,
            phone="+44 20 7946 0000 0",
        ),
        confirm_email="y@example.org",
    )
    assert {name: error.key for name, error in errors.items()} == {
        "confirm_email": "invalid.confirm_email",
        "auth_email": "invalid.auth_email_same",
        "phone": "invalid.phone",
        "first_name": "invalid.too_long",
        "address": "invalid.too_long",
    }
    assert message_of(errors["first_name"], "de") == "Dieses Feld darf höchstens 100 Zeichen lang sein."


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("9434765919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        (" RX1 234/5 ", "RX1 234/5"),
        ("1234567", "1234567"),
        ("", ""),
    ],
)
def test_patient_identifiers_are_nhs_numbers_or_local_ones(typed, kept):
    assert normalise_patient_identifier(typed) == kept
