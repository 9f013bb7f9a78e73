"""The translation catalogues are complete and consistent, and dates read right per language."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from iep_app import i18n

OTHER_LANGUAGES = [lang for lang in i18n.SUPPORTED_LANGUAGES if lang != "en"]

# Texts the recipient pages and emails rely on, with the English wording agreed for them.
REQUIRED_ENGLISH = {
    "start.button": "Click here to start",
    "otp.label": "One-time password",
    "otp.verify": "Verify",
    "otp.sent": "A one-time password has been sent to {destination}.",
    "otp.wrong": "The code is not correct. {remaining} tries left.",
    "otp.locked": "Too many wrong codes. Request a new code.",
    "otp.expired": "This code has expired. Request a new code.",
    "otp.rate_limited": "You have asked for too many codes. Try again later.",
    "link.invalid": "This link is not valid.",
    "package.expired": "This package has expired.",
    "package.declined": "This package has been declined.",
    "package.withdrawn": "This package has been withdrawn by the sender.",
    "package.available_until": "Available until {date}",
    "action.view": "View",
    "action.download": "Download",
    "action.forward": "Forward",
    "action.decline": "Decline",
    "package.sent_by": "Sent by {organisation}",
    "package.transaction": "Transaction {id}",
    "session.ended": "Your session has ended. Open the link from your email again.",
    "forward.choose_destination": "Choose destination",
    "forward.additional_info": "Additional info",
    "forward.messages": "Messages",
    "forward.retention": "Retention",
    "wizard.cancel": "Cancel",
    "wizard.previous": "Previous",
    "wizard.next": "Next",
    "wizard.finish": "Finish",
    "decline.warning": (
        "Decline will send a decline message back to {organisation}'s email address. "
        "You will not be able to access your images after this."
    ),
    # The forward wizard and the decline dialog, in the words.
    "forward.to_whom": "You are forwarding to a Patient / Individual",
    "forward.recipient_email": "Email address of individual",
    "forward.create_new": "+ Create new Individual or Patient",
    "contact.email": "Contact email address",
    "contact.confirm_email": "Confirm email address",
    "contact.first_name": "Contact first name",
    "contact.last_name": "Contact last name",
    "contact.address": "Address",
    "contact.phone": "Contact telephone number",
    "language.preferred": "Preferred language",
    "contact.auth_title": "Authentication information",
    "contact.auth_sms": "SMS (Mobile no.)",
    "contact.auth_email": "Email address",
    "package.transaction_label": "Transaction",
    "header.patient_id": "Patient ID",
    "header.patient_name": "Patient name",
    "header.birth_date": "Date of Birth",
    "header.gender": "Gender",
    "forward.type_message": "Type a message, then click Add",
    "forward.add": "Add",
    "forward.existing_messages": "These existing messages will be forwarded",
    "forward.available_until": (
        "This package will be available for download to the selected recipient until {date}"
    ),
    "forward.acknowledge": "By approving this transfer you acknowledge that:",
    "forward.acknowledge_1": (
        "you are sending confidential data for the above patient to an external recipient;"
    ),
    "forward.acknowledge_2": "you are confirming that all details in the data are correct;",
    "forward.acknowledge_3": (
        "there is a legitimate reason for providing the data to the external recipient."
    ),
    "decline.reason.wrong_patient": "Wrong patient",
    "decline.reason.not_needed": "Not needed",
    "decline.reason.sent_by_mistake": "Sent to me by mistake",
    "decline.reason.other": "Other",
}


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_english_has_the_agreed_texts():
    english = i18n.catalogue("en")
    for key, text in REQUIRED_ENGLISH.items():
        assert english[key] == text


def test_at_least_two_languages_besides_english():
    assert i18n.SUPPORTED_LANGUAGES[0] == "en"
    assert len(OTHER_LANGUAGES) >= 2


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_language_has_exactly_the_keys_of_english(lang):
    assert set(i18n.catalogue(lang)) == set(i18n.catalogue("en"))


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_translation_has_the_placeholders_of_english(lang):
    english = i18n.catalogue("en")
    for key, text in i18n.catalogue(lang).items():
        assert _placeholders(text) == _placeholders(english[key]), key


@pytest.mark.parametrize("lang", i18n.SUPPORTED_LANGUAGES)
def test_every_text_is_a_non_empty_trimmed_string(lang):
    for key, text in i18n.catalogue(lang).items():
        assert isinstance(text, str) and text and text == text.strip(), key


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_translations_are_translated(lang):
    # A copied English value is a forgotten translation (a few words are the same).
    same_on_purpose = {
        "forward.messages",
        "package.transaction",
        "package.transaction_label",
        "email.decline.transaction",
        "download.button.dicom",
    }
    english = i18n.catalogue("en")
    copied = {k for k, v in i18n.catalogue(lang).items() if v == english[k]} - same_on_purpose
    assert not copied


def test_translate_fills_placeholders():
    assert i18n.translate("en", "otp.sent", destination="j***@e***.com") == (
        "A one-time password has been sent to j***@e***.com."
    )
    assert i18n.translate("fr", "start.button") == "Cliquez ici pour commencer"
    assert i18n.translate("de", "otp.wrong", remaining=2).endswith("Verbleibende Versuche: 2.")


def test_translate_does_not_interpret_braces_in_values():
    assert i18n.translate("en", "package.sent_by", organisation="{id}") == "Sent by {id}"


@pytest.mark.parametrize("lang", ["xx", "", None, "klingon", "EN-gb"])
def test_unknown_languages_fall_back_to_english(lang):
    assert i18n.translate(lang, "start.button") == "Click here to start"


@pytest.mark.parametrize(("tag", "expected"), [("fr-CA", "fr"), ("DE_at", "de"), (" fr ", "fr")])
def test_regional_tags_use_their_base_language(tag, expected):
    assert i18n.normalise_language(tag) == expected


def test_unknown_key_and_missing_placeholder_raise():
    with pytest.raises(KeyError):
        i18n.translate("fr", "no.such.key")
    with pytest.raises(KeyError):
        i18n.translate("en", "otp.sent")


def test_language_names_are_endonyms_in_list_order():
    assert i18n.language_names() == {"en": "English", "fr": "Français", "de": "Deutsch"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", "de"),
        ("es, fr;q=0.5, en;q=0.4", "fr"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("fr;q=0.5, de;q=0.5", "fr"),
        ("nl", "en"),
        ("garbage;q=x", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_negotiate_language_honours_quality_then_order(header, expected):
    assert i18n.negotiate_language(header) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "12 March 2026"), ("fr", "12 mars 2026"), ("de", "12. März 2026")],
)
def test_dates_are_written_as_each_language_writes_them(lang, expected):
    assert i18n.format_date(lang, date(2026, 3, 12)) == expected


def test_datetimes_show_hours_minutes_and_utc_offset():
    moment = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)
    assert i18n.format_datetime("en", moment) == "12 March 2026, 14:05 UTC"
    paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert i18n.format_datetime("fr", paris) == "12 mars 2026, 15:05 UTC+01:00"
    new_york = moment.astimezone(timezone(timedelta(hours=-4)))
    assert i18n.format_datetime("de", new_york) == "12. März 2026, 10:05 UTC-04:00"
    assert i18n.format_datetime("en", moment.replace(tzinfo=None)) == "12 March 2026, 14:05"
