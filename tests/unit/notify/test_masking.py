"""Masked addresses and numbers keep just enough to be recognised, and never the rest."""

from __future__ import annotations

import pytest

from iep_app.notify.masking import mask_email, mask_phone


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("john.smith@example.com", "j***@e***.com"),
        ("a@b.co.uk", "a***@b***.uk"),
        ("  Jane@Example.ORG ", "J***@E***.ORG"),
        ("user@localhost", "u***@l***"),
        ("trailing@example.com.", "t***@e***.com"),
        ("@example.com", "***@e***.com"),
        ("x@.com", "x***@***"),
        ("élodie@exämple.de", "é***@e***.de"),
    ],
)
def test_mask_email_keeps_first_letters_and_top_level_domain(address, masked):
    assert mask_email(address) == masked


@pytest.mark.parametrize("odd", ["", None, "not-an-address", "x@", "@"])
def test_mask_email_hides_everything_that_is_not_an_address(odd):
    assert mask_email(odd) == "***"


def test_mask_email_hides_the_length_of_the_address():
    assert mask_email("a.very.long.name@example.com") == mask_email("ab@example.com")


def test_mask_email_with_an_at_sign_in_a_quoted_local_part_hides_the_mailbox():
    masked = mask_email('"a@b"@example.org')
    assert masked.endswith("@e***.org")
    assert "a@b" not in masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+447700900123", "+44 **** ***123"),
        ("+44 7700 900123", "+44 **** ***123"),
        ("0044 7700 900123", "+44 **** ***123"),
        ("tel:+447700900123", "+44 **** ***123"),
        ("+1 (202) 555-0143", "+1 **** ***143"),
        ("+33 6 12 34 56 78", "+33 **** ***678"),
    ],
)
def test_mask_phone_keeps_country_code_and_last_three_digits(number, masked):
    assert mask_phone(number) == masked


def test_mask_phone_uses_the_default_region_for_national_numbers():
    assert mask_phone("06 12 34 56 78", default_region="FR") == "+33 **** ***678"
    assert mask_phone("07700 900123", default_region="GB") == "+44 **** ***123"


def test_mask_phone_without_a_known_country_keeps_only_the_last_digits():
    assert mask_phone("07700 900123") == "**** ***123"
    assert mask_phone("+999 1234567") == "**** ***567"


@pytest.mark.parametrize("odd", ["", None, "abc", "12", "+44 123", "call me"])
def test_mask_phone_hides_short_or_odd_values_entirely(odd):
    assert mask_phone(odd) == "***"


def test_mask_phone_hides_the_length_of_the_number():
    assert mask_phone("+4915112345678").count("*") == mask_phone("+447700900123").count("*")
