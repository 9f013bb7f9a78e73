"""Steps every browser test of a recipient repeats: open the emailed link and verify a code."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.smtp import SmtpSink, one_time_password, start_link


def open_and_verify(page: Page, smtp: SmtpSink, *, to: str, codes_to: str) -> None:
    """Open the newest link emailed to `to`, ask for a code, type it, and reach the chooser."""
    page.goto(start_link(smtp.wait_for(to=to)))
    received = len(smtp.messages)
    page.get_by_role("button", name="Click here to start").click()
    expect(page.get_by_test_id("sent")).to_be_visible()
    code = one_time_password(smtp.wait_for(to=codes_to, after=received))
    page.get_by_test_id("code").fill(code)
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("public-id")).to_be_visible(timeout=15_000)
