"""Messages name the sender and expiry, escape every value, and carry no patient data."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from iep_app.notify import templates
from iep_app.notify.templates import decline_email, otp_email, otp_sms
from tests.unit.notify.samples import LINK_URL, TRANSACTION_ID, anchors, sample_link_email

# GSM 03.38 basic alphabet: an SMS written only in it holds 160 characters, otherwise 70.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
HOSTILE = '<script>alert("x")</script>'


@pytest.mark.parametrize(
    ("lang", "button"),
    [
        ("en", "Click here to start"),
        ("fr", "Cliquez ici pour commencer"),
        ("de", "Hier klicken, um zu beginnen"),
    ],
)
def test_link_email_has_one_start_button_to_the_link(lang, button):
    message = sample_link_email(lang)
    assert message.html is not None
    assert (LINK_URL, button) in anchors(message.html)
    assert all(href == LINK_URL for href, _ in anchors(message.html))


@pytest.mark.parametrize(
    ("lang", "expiry"), [("en", "12 March 2026"), ("fr", "12 mars 2026"), ("de", "12. März 2026")]
)
def test_link_email_states_the_expiry_date_in_the_readers_language(lang, expiry):
    message = sample_link_email(lang)
    assert expiry in message.text
    assert expiry in (message.html or "")


def test_link_email_names_the_organisation_and_the_transaction():
    message = sample_link_email()
    assert "St Elsewhere Hospital" in message.subject
    for body in (message.text, message.html or ""):
        assert "St Elsewhere Hospital" in body
        assert TRANSACTION_ID in body


def test_link_email_plain_text_reads_well_and_holds_the_link_on_its_own_line():
    text = sample_link_email().text
    assert text.startswith("Hello Dr Alex Morgan,\n\n")
    assert f"\n{LINK_URL}\n" in text
    assert "The sender has left you a message" in text
    assert "<" not in text


def test_link_email_cannot_carry_patient_data():
    # There is simply no parameter for it: the template cannot be handed a patient's name.
    params = set(inspect.signature(templates.link_email).parameters)
    assert not {p for p in params if "patient" in p or p in {"mrn", "study"}}


def test_link_email_escapes_every_value_in_html():
    message = sample_link_email(
        organisation=f"Org {HOSTILE}",
        recipient_name=HOSTILE,
        transaction_id=f"T{HOSTILE}",
    )
    html = message.html or ""
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_link_email_escapes_the_link_in_the_href():
    html = sample_link_email(link_url='https://portal.example.org/p/a"onmouseover="x').html or ""
    assert 'href="https://portal.example.org/p/a&quot;onmouseover=&quot;x"' in html


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:text/html,hi", "/relative/path", "https://", ""]
)
def test_link_email_refuses_links_that_are_not_web_addresses(bad):
    with pytest.raises(ValueError):
        sample_link_email(link_url=bad)


def test_link_email_styles_inline_only():
    html = sample_link_email().html or ""
    assert "<style" not in html and "<link" not in html and "<script" not in html
    assert 'lang="en"' in html


def test_link_email_without_name_or_note_greets_plainly():
    message = sample_link_email("fr", recipient_name="  ", message_waiting=False)
    assert message.text.startswith("Bonjour,\n")
    assert "laissé un message" not in message.text


def test_link_email_says_a_message_waits_but_cannot_carry_its_text():
    # There is no parameter for the text: a note may hold clinical details, and it is read
    # on the package's page after the one-time password.
    assert "sender_message" not in inspect.signature(templates.link_email).parameters
    message = sample_link_email()
    assert "left you a message" in message.text and "left you a message" in (message.html or "")


def test_link_email_in_an_unknown_language_is_english():
    assert sample_link_email("xx").text == sample_link_email("en").text


def test_otp_email_says_code_validity_and_ignore_but_keeps_code_out_of_subject():
    message = otp_email(lang="en", organisation="St Elsewhere", code="482913", valid_minutes=10)
    assert "482913" not in message.subject
    for body in (message.text, message.html or ""):
        assert "482913" in body
        assert "valid for 10 minutes" in body
        assert "If you did not ask for this code, ignore this message." in body


def test_otp_email_escapes_values():
    message = otp_email(lang="de", organisation=HOSTILE, code="<b>1</b>", valid_minutes=5)
    assert "<script" not in (message.html or "") and "<b>1" not in (message.html or "")


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_otp_sms_fits_one_gsm_sms(lang):
    organisation = "St Elsewhere University Hospital"[:30]
    message = otp_sms(lang=lang, organisation=organisation, code="482913", valid_minutes=10)
    assert message.html is None
    assert "482913" in message.text and "10" in message.text
    assert len(message.text) < 160
    assert set(message.text) <= GSM7


def test_otp_sms_tells_the_reader_to_ignore_an_unrequested_code():
    text = otp_sms(lang="en", organisation="X", code="1", valid_minutes=3).text
    assert "If you did not ask for it, ignore this message." in text


def test_decline_email_gives_transaction_reason_and_time():
    declined_at = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)
    message = decline_email(
        lang="en",
        organisation="St Elsewhere",
        transaction_id="TX-1",
        reason="Wrong recipient",
        declined_at=declined_at,
    )
    assert "TX-1" in message.subject
    for body in (message.text, message.html or ""):
        assert "TX-1" in body and "Wrong recipient" in body
        assert "12 March 2026, 14:05 UTC" in body


def test_decline_email_escapes_the_reason_and_fills_in_a_missing_one():
    declined_at = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)
    hostile = decline_email(
        lang="fr", organisation="O", transaction_id="T", reason=HOSTILE, declined_at=declined_at
    )
    assert "<script" not in (hostile.html or "")
    empty = decline_email(
        lang="de", organisation="O", transaction_id="T", reason=" ", declined_at=declined_at
    )
    assert "Kein Grund angegeben." in empty.text
