"""Forwarding in Chromium: to a new individual (every field's error shown) and to an existing one."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.recipient import query, share, verify
from tests.support.smtp import text_of

pytestmark = pytest.mark.e2e

CAMILLE = "camille@example.fr"


def _next(page: Page, step: int) -> None:
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id(f"step-{step}")).to_have_attribute("aria-current", "step")


def _error(page: Page, field: str, text: str) -> None:
    expect(page.get_by_test_id(f"error-{field}")).to_have_text(text)


def _fill_new_individual_with_every_mistake_then_fix_it(page: Page) -> None:
    page.get_by_test_id("create-new").click()
    page.get_by_test_id("new-email").fill("camille@example")
    page.get_by_test_id("phone").fill("0123")
    page.get_by_test_id("auth-sms").click()
    page.get_by_test_id("auth-mobile").fill("07911 123456")
    page.get_by_test_id("wizard-next").click()
    _error(page, "email", "This email address is not valid.")
    _error(
        page,
        "phone",
        "Enter the telephone number in international form, starting with + and the country code.",
    )
    _error(
        page,
        "auth_mobile",
        "Enter the mobile number in international form, starting with + and the country code.",
    )

    page.get_by_test_id("new-email").fill(CAMILLE)
    page.get_by_test_id("confirm-email").fill("camille@example.com")
    page.get_by_test_id("phone").fill("+33 1 23 45 67 89")
    page.get_by_test_id("auth-mobile").fill("+44 7911 12345")
    page.get_by_test_id("wizard-next").click()
    _error(page, "confirm_email", "The two email addresses do not match.")
    _error(page, "auth_mobile", "This mobile number is not valid.")

    page.get_by_test_id("confirm-email").fill(CAMILLE.upper())
    page.get_by_test_id("auth-by-email").click()
    page.get_by_test_id("auth-email").fill(CAMILLE)
    page.get_by_test_id("wizard-next").click()
    _error(page, "auth_email", "The authentication email address must differ from the contact email address.")
    for absent in ("email", "confirm_email", "phone"):
        expect(page.get_by_test_id(f"error-{absent}")).to_have_count(0)

    page.get_by_test_id("auth-email").fill("camille.codes@example.fr")
    page.get_by_test_id("first-name").fill("Camille")
    page.get_by_test_id("last-name").fill("Martin")
    page.get_by_test_id("address").fill("1 rue de la Paix\nParis")
    page.get_by_test_id("preferred-language").select_option("fr")
    _next(page, 2)


def test_forward_to_a_new_individual_who_then_verifies_and_views(portal, page: Page, browser: Browser):
    parent_id = share(
        portal,
        "CT_small.dcm",
        to="fwd.sender@example.org",
        codes_to="fwd.codes@example.org",
        message="Original note",
    )
    verify(portal, page, to="fwd.sender@example.org", codes_to="fwd.codes@example.org")
    for label in ("View", "Download", "Forward", "Decline"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    page.get_by_test_id("action-forward").click()

    for step, words in enumerate(["Choose destination", "Additional info", "Messages", "Retention"], start=1):
        expect(page.get_by_test_id(f"step-{step}")).to_have_text(f"{step}. {words}")
    expect(page.get_by_test_id("header-transaction")).to_have_text(parent_id)
    expect(page.get_by_test_id("header-patient-id")).to_have_text("1CT1")
    expect(page.get_by_test_id("header-patient-name")).to_have_text("CompressedSamples, CT1")
    expect(page.get_by_test_id("header-gender")).to_have_text("Other")
    expect(page.get_by_test_id("to-whom")).to_have_text("You are forwarding to a Patient / Individual")

    _fill_new_individual_with_every_mistake_then_fix_it(page)
    page.get_by_test_id("wizard-previous").click()
    expect(page.get_by_test_id("new-email")).to_have_value(CAMILLE)  # Previous keeps what was typed
    expect(page.get_by_test_id("auth-email")).to_have_value("camille.codes@example.fr")
    _next(page, 2)

    expect(page.get_by_test_id("header-patient-id")).to_have_text("1CT1")  # on every step
    page.get_by_test_id("nhs-number").fill("943 476 5918")
    page.get_by_test_id("wizard-next").click()
    _error(page, "nhs_number", "This NHS number is not valid: check the ten digits.")
    page.get_by_test_id("nhs-number").fill("9434765919")
    page.get_by_test_id("clinical-context").fill("Knee pain since March.")
    _next(page, 3)

    thread = page.get_by_test_id("thread-message")
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text("Original note")
    expect(thread).to_contain_text(parent_id)
    expect(thread).to_contain_text("St Elsewhere Hospital")
    for text in ("Please review the knee.", "Remove me"):
        page.get_by_test_id("message-draft").fill(text)
        page.get_by_test_id("message-add").click()
        expect(page.get_by_test_id("added-message").last).to_have_text(text)
    page.get_by_test_id("remove-message").last.click()
    expect(page.get_by_test_id("added-message")).to_have_text(["Please review the knee."])
    _next(page, 4)

    expect(page.get_by_test_id("retention-text")).to_have_text(
        re.compile(
            r"This package will be available for download to the selected recipient "
            r"until \d\d/\d\d/\d{4} \d\d:\d\d"
        )
    )
    expect(page.get_by_test_id("acknowledgement")).to_contain_text(
        "there is a legitimate reason for providing the data to the external recipient."
    )
    before = len(portal.smtp.messages)
    page.get_by_test_id("wizard-finish").dblclick()
    expect(page.get_by_test_id("forward-done")).to_contain_text("c***@e***.fr")

    email = portal.smtp.wait_for(to=CAMILLE, after=before)
    assert email["Subject"] == "St Elsewhere Hospital vous a envoyé des images médicales"
    time.sleep(2)  # a second Finish would have sent its email by now
    assert len([m for m in portal.smtp.messages[before:] if CAMILLE in str(m["To"])]) == 1
    children = query(
        portal,
        'SELECT id, public_id FROM "transaction" WHERE parent_pk = '
        '(SELECT id FROM "transaction" WHERE public_id = ?)',
        parent_id,
    )
    assert len(children) == 1
    child_pk, child_id = children[0]
    assert child_id in text_of(email)
    assert query(portal, "SELECT count(*) FROM transactioninstance WHERE transaction_pk = ?", child_pk) == [
        (1,)
    ]
    texts = [
        row[0]
        for row in query(portal, "SELECT text FROM message WHERE transaction_pk = ? ORDER BY id", child_pk)
    ]
    assert texts == [
        "Original note",
        "NHS number: 943 476 5919",
        "Knee pain since March.",
        "Please review the knee.",
    ]

    # The new recipient, in another browser, in French.
    other = browser.new_context().new_page()
    verify(portal, other, to=CAMILLE, codes_to="camille.codes@example.fr")
    expect(other.get_by_test_id("public-id")).to_have_text(child_id)
    expect(other.get_by_text("Afficher", exact=True)).to_be_visible()
    forwarded = other.get_by_test_id("thread-message")
    expect(forwarded).to_have_count(4)
    expect(forwarded.first).to_contain_text(f"St Elsewhere Hospital · {parent_id} · ")
    expect(forwarded.last).to_contain_text(f"fwd.sender@example.org · {child_id} · ")
    other.get_by_test_id("action-view").click()
    expect(other.get_by_test_id("series-image")).to_have_count(1)
    other.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=series-image]')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    other.context.close()


def test_forward_to_an_existing_individual_by_full_address_and_cancel_creates_nothing(portal, page: Page):
    share(portal, "MR_small.dcm", to="gp.one@surgery.example.org", codes_to="gp.one.codes@example.org")
    parent_id = share(
        portal, "MR_small.dcm", to="fwd.second@example.org", codes_to="fwd.second.codes@example.org"
    )
    verify(portal, page, to="fwd.second@example.org", codes_to="fwd.second.codes@example.org")

    page.get_by_test_id("action-forward").click()
    expect(page.get_by_test_id("error-recipient_email")).to_have_count(0)
    page.get_by_test_id("recipient-email").fill("gp.on")
    page.get_by_test_id("wizard-next").click()
    _error(page, "recipient_email", "This email address is not valid.")
    # No suggestions: a prefix shows nobody's address.
    expect(page.get_by_text("gp.one@surgery.example.org")).to_have_count(0)
    page.get_by_test_id("recipient-email").fill("gp.one@surgery.example.com")
    page.get_by_test_id("check-recipient").click()
    _error(
        page,
        "recipient_email",
        "No individual has this email address. Check it, or create a new Individual or Patient.",
    )
    expect(page.get_by_test_id("recipient-known")).to_have_count(0)
    page.get_by_test_id("wizard-cancel").click()
    expect(page.get_by_test_id("action-forward")).to_be_visible()
    assert query(
        portal,
        'SELECT count(*) FROM "transaction" WHERE parent_pk IS NOT NULL '
        'AND parent_pk = (SELECT id FROM "transaction" WHERE public_id = ?)',
        parent_id,
    ) == [(0,)]

    page.get_by_test_id("action-forward").click()
    expect(page.get_by_test_id("recipient-email")).to_have_value("")  # Cancel forgot it
    page.get_by_test_id("recipient-email").fill("GP.One@surgery.example.org")
    page.get_by_test_id("check-recipient").click()
    expect(page.get_by_test_id("recipient-known")).to_have_text(
        "This individual is in our directory: the images will be sent to this address."
    )
    expect(page.get_by_test_id("error-recipient_email")).to_have_count(0)
    _next(page, 2)
    _next(page, 3)
    _next(page, 4)
    before = len(portal.smtp.messages)
    page.get_by_test_id("wizard-finish").click()
    expect(page.get_by_test_id("forward-done")).to_contain_text("g***@s***.org")
    email = portal.smtp.wait_for(to="gp.one@surgery.example.org", after=before)
    assert email["Subject"] == "St Elsewhere Hospital has sent you medical images"
    rows = query(
        portal,
        'SELECT m.text, m.is_system FROM message m JOIN "transaction" t ON t.id = m.transaction_pk '
        'WHERE t.parent_pk = (SELECT id FROM "transaction" WHERE public_id = ?)',
        parent_id,
    )
    assert rows == [("No NHS number has been specified.", 1)]
