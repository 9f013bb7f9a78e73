"""Declining in Chromium: the organisation is emailed, the link is dead, no image endpoint answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.recipient import query, share, verify
from tests.support.smtp import text_of

pytestmark = pytest.mark.e2e

ORG = "imaging@stelsewhere.example.org"


def test_decline_tells_the_organisation_and_ends_access(portal, page: Page):
    public_id = share(
        portal, "CT_small.dcm", to="decliner@example.org", codes_to="decliner.codes@example.org"
    )
    link = verify(portal, page, to="decliner@example.org", codes_to="decliner.codes@example.org")

    page.get_by_test_id("action-view").click()
    image = page.get_by_test_id("series-image")
    expect(image).to_have_count(1)
    # The browser's thumbnail names the instance; its rendered frame sits beside it.
    instance_url = portal.url + image.get_attribute("src").rsplit("/", 1)[0]
    frame_url = instance_url + "/frames/0.png"
    assert page.request.get(frame_url).status == 200
    page.go_back()

    page.get_by_test_id("action-decline").click()
    expect(page.get_by_test_id("decline-warning")).to_have_text(
        "Decline will send a decline message back to St Elsewhere Hospital's email address. "
        "You will not be able to access your images after this."
    )
    page.get_by_test_id("decline-cancel").click()
    expect(page.get_by_test_id("decline-warning")).to_have_count(0)
    assert query(portal, 'SELECT status FROM "transaction" WHERE public_id = ?', public_id) == [("active",)]

    page.get_by_test_id("action-decline").click()
    page.get_by_test_id("decline-reason-other").click()
    page.get_by_test_id("decline-confirm").click()
    expect(page.get_by_test_id("decline-error")).to_have_text("Please describe the reason.")
    page.get_by_test_id("decline-other").fill("I am not treating this patient.")
    before = len(portal.smtp.messages)
    page.get_by_test_id("decline-confirm").click()
    expect(page.get_by_test_id("closed")).to_have_text("This package has been declined.")

    notice = portal.smtp.wait_for(to=ORG, after=before)
    body = text_of(notice)
    assert public_id in notice["Subject"] and public_id in body
    assert "Other: I am not treating this patient." in body
    for private in ("CompressedSamples", "1CT1", "decliner"):
        assert private not in body and private not in str(notice["Subject"])
    assert query(
        portal, 'SELECT status, decline_reason FROM "transaction" WHERE public_id = ?', public_id
    ) == [("declined", "Other: I am not treating this patient.")]
    assert ("declined",) in query(
        portal,
        "SELECT action FROM auditevent WHERE transaction_pk = "
        '(SELECT id FROM "transaction" WHERE public_id = ?)',
        public_id,
    )

    assert page.request.get(frame_url).status == 410
    thumbnail = instance_url + "/thumbnail.jpg"
    assert page.request.get(thumbnail).status == 410
    page.goto(link)
    expect(page.get_by_test_id("closed")).to_have_text("This package has been declined.")
    expect(page.get_by_role("button", name="Click here to start")).to_have_count(0)
