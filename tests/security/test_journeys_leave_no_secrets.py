"""The recipient's and the staff's journeys in Chromium, watched from outside: no log line, no URL
visited, no Referer and no page title holds a patient's name or ID, a one-time code, a link token
or a session token. (The emailed link itself holds its token: it is the one URL allowed to.)"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from iep_app.demo import DEMO_SLICES
from iep_app.dicom.synthetic import make_ct_series
from iep_app.services.staff.sessions import COOKIE_NAME
from tests.e2e.test_admin import _add_staff, _send_a_study, _sign_in
from tests.security.scene import dicom_of
from tests.support.smtp import one_time_password, start_link

pytestmark = pytest.mark.e2e


class Watcher:
    """Every URL a page asked for, every Referer it sent, every title it showed, and whatever
    its Content-Security-Policy refused (the journeys must work under it)."""

    def __init__(self, page: Page) -> None:
        self.page, self.urls, self.referers, self.titles = page, [], [], []
        self.refused: list[str] = []
        page.on("request", self._request)
        page.on("framenavigated", lambda frame: self.urls.append(frame.url))
        page.on("console", self._console)

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            self.refused.append(message.text[:300])

    def _request(self, request) -> None:  # type: ignore[no-untyped-def]
        self.urls.append(request.url)
        self.referers.append(request.headers.get("referer", ""))

    def title(self) -> None:
        self.titles.append(self.page.title())


def _cookie_values(context: BrowserContext) -> list[str]:
    return [c["value"] for c in context.cookies() if c["name"].startswith("iep_")]


def _recipient_journey(portal, page: Page, folder: Path) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """Share a study of LEAKY^LUCY, verify, view and download it: (secrets, the emailed link)."""
    study = dicom_of(folder, "LEAKY^LUCY", "LEAK-0042")
    shared = portal.iep(
        "share", str(study), "--to", "lucy@example.org", "--otp-email", "lucy.codes@example.org"
    )
    assert shared.returncode == 0, shared.stderr
    link = start_link(portal.smtp.wait_for(to="lucy@example.org"))
    watcher = Watcher(page)
    page.goto(link)
    expect(page.get_by_role("button", name="Click here to start")).to_be_visible()
    watcher.title()
    received = len(portal.smtp.messages)
    page.get_by_role("button", name="Click here to start").click()
    code = one_time_password(portal.smtp.wait_for(to="lucy.codes@example.org", after=received))
    page.get_by_test_id("code").fill(code)
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("public-id")).to_be_visible()
    watcher.title()
    page.get_by_test_id("action-view").click()
    expect(page.get_by_test_id("series-image")).to_have_count(1)
    watcher.title()
    page.go_back()
    page.get_by_test_id("action-download").click()
    with page.expect_download():
        page.get_by_test_id("download-dicom").click()
    watcher.title()
    assert link in watcher.urls and all(watcher.titles)  # the watcher did see the journey
    secrets = ["LEAKY", "LUCY", "LEAK-0042", code, link.rsplit("/", 1)[1], *_cookie_values(page.context)]
    return _seen(watcher, secrets, allowed=link), link


def _staff_journey(portal, page: Page, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Sign in with password and TOTP, upload and send the demo CT: what it showed that it should not."""
    secret = _add_staff(portal, "watcher", admin=True)
    make_ct_series(folder / "demo", slices=DEMO_SLICES)
    watcher = Watcher(page)
    _sign_in(page, portal, "watcher", secret)
    totp = pyotp.TOTP(secret).now()
    watcher.title()
    public_id = _send_a_study(page, portal, folder / "demo")
    watcher.title()
    page.goto(f"{portal.url}/admin/transactions/{public_id}")
    expect(page.get_by_test_id("tx-id")).to_have_text(public_id)
    watcher.title()
    staff_cookie = [c["value"] for c in page.context.cookies() if c["name"] == COOKIE_NAME]
    assert staff_cookie, "the staff journey ended signed in"
    secrets = ["DEMO^PATIENT", "DEMO-0001", "CompressedSamples", "1CT1", totp, *staff_cookie]
    return _seen(watcher, secrets)


def _seen(watcher: Watcher, secrets: list[str], *, allowed: str = "") -> list[str]:
    """Where a secret showed: in a URL (but the emailed link), a Referer or a title."""
    found = [f"the page's CSP refused: {text}" for text in watcher.refused]
    for where, texts in (("url", watcher.urls), ("referer", watcher.referers), ("title", watcher.titles)):
        for text in texts:
            found += [
                f"{where} {text[:120]} holds {secret[:12]}" for secret in secrets if _holds(text, secret)
            ]
    return [f for f in found if not (allowed and f.startswith(f"url {allowed[:120]} "))]


def _holds(text: str, secret: str) -> bool:
    if secret.isdigit():  # a one-time code: a run of exactly these digits
        return re.search(rf"(?<!\d){secret}(?!\d)", text) is not None
    return secret.lower() in text.lower()


def test_journeys_put_no_secret_in_urls_titles_referers_or_the_log(portal, browser: Browser, tmp_path: Path):
    recipient = browser.new_context().new_page()
    staff = browser.new_context().new_page()
    seen, link = _recipient_journey(portal, recipient, tmp_path)
    seen += _staff_journey(portal, staff, tmp_path)
    assert seen == []
    # The log of the whole run (every test that used this portal so far, these journeys included).
    log = portal.log_path.read_text(errors="replace")
    secrets = ["LEAKY", "LEAK-0042", "DEMO^PATIENT", "DEMO-0001", "CompressedSamples", link.rsplit("/", 1)[1]]
    secrets += _cookie_values(recipient.context) + _cookie_values(staff.context)
    assert [s[:12] for s in secrets if s in log] == []
