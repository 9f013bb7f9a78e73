"""Email suggestions never make the directory browsable; contact checks name every field."""

from __future__ import annotations

import pytest

from iep_app.models import AuthMethod, utcnow
from iep_app.services.directory import contacts
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import message_of
from iep_app.services.validation import normalise_patient_identifier
from tests.unit.services.factories import add_individual

PEOPLE = [
    "ann@example.org",
    "anna@example.org",
    "annabel@example.org",
    "annie@example.org",
    "anne@example.org",
    "annika@example.org",
    "bob_smith@example.org",
    "bobxsmith@example.org",
]


@pytest.fixture
def directory_of_people(session):
    for email in PEOPLE:
        add_individual(session, email)
    return session


def test_fewer_than_three_characters_suggest_nothing(directory_of_people):
    assert contacts.suggest_emails(session=directory_of_people, typed="an", now=utcnow()) == []


def test_at_most_five_prefix_matches_and_only_addresses(directory_of_people):
    found = contacts.suggest_emails(session=directory_of_people, typed="ANN", now=utcnow())
    assert found == sorted(found) and len(found) == 5
    assert all(isinstance(email, str) and email.startswith("ann") for email in found)


def test_exact_address_is_found_and_substrings_are_not(directory_of_people):
    assert contacts.suggest_emails(session=directory_of_people, typed="annika@example.org", now=utcnow()) == [
        "annika@example.org"
    ]
    assert contacts.suggest_emails(session=directory_of_people, typed="example.org", now=utcnow()) == []
    assert contacts.suggest_emails(session=directory_of_people, typed="nna", now=utcnow()) == []


@pytest.mark.parametrize("typed", ["%%%", "___", "%@%", "a%", "bob%"])
def test_like_wildcards_are_plain_characters(directory_of_people, typed):
    assert contacts.suggest_emails(session=directory_of_people, typed=typed, now=utcnow()) == []


def test_underscore_matches_only_itself(directory_of_people):
    assert contacts.suggest_emails(session=directory_of_people, typed="bob_", now=utcnow()) == [
        "bob_smith@example.org"
    ]


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


def test_a_recipient_cannot_walk_the_directory(directory_of_people):
    from datetime import timedelta

    from iep_app.services.ratelimit import DIRECTORY_SUGGESTIONS

    start = utcnow()
    for n in range(DIRECTORY_SUGGESTIONS.budget):
        found = contacts.suggest_emails(
            session=directory_of_people, typed="ann", requester="NS000001", now=start + timedelta(seconds=n)
        )
        assert found
    spent = contacts.suggest_emails(
        session=directory_of_people, typed="ann", requester="NS000001", now=start + timedelta(seconds=90)
    )
    assert spent == []
    # Another package has its own budget, and the window rolls.
    assert contacts.suggest_emails(session=directory_of_people, typed="ann", requester="NS000002", now=start)
    later = start + DIRECTORY_SUGGESTIONS.window + timedelta(seconds=61)
    assert contacts.suggest_emails(session=directory_of_people, typed="ann", requester="NS000001", now=later)


def test_asking_whether_an_address_is_known_spends_the_same_budget(directory_of_people):
    from datetime import timedelta

    from iep_app.services.ratelimit import DIRECTORY_SUGGESTIONS

    start = utcnow()
    known = [
        contacts.known_email(
            session=directory_of_people,
            email="annika@example.org",
            requester="NS000009",
            now=start + timedelta(seconds=n),
        )
        for n in range(DIRECTORY_SUGGESTIONS.budget + 1)
    ]
    assert all(known[:-1]) and known[-1] is False
