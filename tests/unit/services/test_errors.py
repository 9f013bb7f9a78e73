"""Refusals carry catalogue keys, every key exists in every language, and one function words them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import iep_app
from iep_app import i18n
from iep_app.services.errors import ValidationFailed, invalid, message_of
from iep_app.services.staff.uploads import UploadRefused
from iep_app.services.validation import normalise_email, normalise_mobile, normalise_phone

PACKAGE = Path(iep_app.__file__).parent
# Each way to raise a refusal, and which argument is its catalogue key.
CONSTRUCTORS = {"invalid": 1, "ValidationFailed": 1, "UploadRefused": 0}


def _constructor_calls() -> list[tuple[str, ast.expr | None]]:
    """Where a refusal is made, and the expression naming its key (None: passed on as is)."""
    calls = []
    for source in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            position = CONSTRUCTORS.get(node.func.id)
            if position is not None:
                key = node.args[position] if len(node.args) > position else None
                calls.append((f"{source.relative_to(PACKAGE)}:{node.lineno}", key))
    return calls


def _key_pattern(argument: ast.expr) -> re.Pattern[str] | None:
    """The key a call names, as a pattern (an f-string's fields match any key part); None if not literal."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return re.compile(re.escape(argument.value))
    if isinstance(argument, ast.JoinedStr):
        parts = [
            re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+" for part in argument.values
        ]
        return re.compile("".join(parts))
    return None


def test_the_scan_finds_the_constructors():
    assert len(_constructor_calls()) > 30


def test_every_refusal_names_a_key_that_every_language_has():
    missing = []
    for where, key in _constructor_calls():
        if where.startswith("services/errors.py"):
            continue  # the constructors themselves pass the key on
        pattern = _key_pattern(key) if key is not None else None
        if pattern is None:
            missing.append(f"{where}: the key is not written out")
            continue
        for lang in i18n.SUPPORTED_LANGUAGES:
            if not any(pattern.fullmatch(known) for known in i18n.catalogue(lang)):
                missing.append(f"{where}: {pattern.pattern} not in {lang}.json")
    assert missing == []


def test_no_refusal_carries_english_words():
    # A key is dotted lower-case words; a sentence has spaces or capitals.
    for where, key in _constructor_calls():
        if isinstance(key, ast.Constant):
            assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", key.value), where


@pytest.mark.parametrize(
    ("check", "value", "key"),
    [
        (normalise_mobile, "07700900123", "invalid.mobile_format"),
        (normalise_mobile, "+44123", "invalid.mobile"),
        (normalise_phone, "0207", "invalid.phone_format"),
        (normalise_phone, "+44 1", "invalid.phone"),
    ],
)
def test_numbers_name_keys_of_their_own_kind(check, value, key):
    with pytest.raises(ValidationFailed) as failure:
        check(value)
    assert failure.value.key == key
    assert all(key in i18n.catalogue(lang) for lang in i18n.SUPPORTED_LANGUAGES)


def test_message_of_says_the_error_in_the_readers_language():
    error = invalid("message", "invalid.message_too_long", max=4000)
    assert message_of(error, "en") == "A message may be at most 4000 characters long."
    assert message_of(error, "de") == "Eine Nachricht darf höchstens 4000 Zeichen lang sein."


def test_a_page_with_its_own_wording_for_the_field_wins():
    error = invalid("auth_email", "invalid.auth_email_same")
    assert "different from the recipient" in message_of(error, "en", page="admin.send")
    assert message_of(error, "en", page="admin.org") == i18n.translate("en", "invalid.auth_email_same")


def test_a_page_may_add_the_values_its_wording_needs():
    error = invalid("message", "invalid.message_empty")
    assert message_of(error, "en", page="admin.tx", max=4000) == "Write a message of 1 to 4000 characters."


def test_the_validators_detail_is_kept_apart_from_the_words():
    with pytest.raises(ValidationFailed) as failure:
        normalise_email("not an address")
    assert failure.value.detail
    assert message_of(failure.value, "en") == "This email address is not valid."


def test_an_upload_refusal_is_worded_by_the_catalogue():
    refused = UploadRefused("admin.send.refused.too_large")
    assert message_of(refused, "en") == "The upload was refused (too large)."
    assert message_of(refused, "fr", page="admin.send") == "Le téléversement a été refusé (trop volumineux)."
