"""The staff's journey in Chromium: sign in with password + TOTP, send, follow, revoke."""

from __future__ import annotations

import re
import subprocess

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import IEP, ROOT

pytestmark = pytest.mark.e2e

PASSWORD = "a staff password that is long"


def _add_staff(portal, username: str, *, admin: bool = False) -> str:
    """`iep staff add`, as a person would run it; returns the printed TOTP secret."""
    result = subprocess.run(
        [*IEP, "staff", "add", username, "--password-stdin", *(["--admin"] if admin else [])],
        input=PASSWORD + "\n",
        env=portal.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = re.search(r"TOTP secret: ([A-Z2-7]+)", result.stdout)
    assert found, result.stdout
    return found.group(1)


def _sign_in(page: Page, portal, username: str, secret: str, *, path: str = "/admin") -> None:
    page.goto(f"{portal.url}{path}")
    expect(page.get_by_test_id("username")).to_be_visible()
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()
    # First sign-in: the QR code and the secret to enrol an authenticator app.
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    expect(page.get_by_test_id("totp-secret")).to_have_text(secret)
    page.get_by_test_id("totp").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("verify-totp").click()
    expect(page.get_by_test_id("staff-name")).to_have_text(username)


def test_admin_pages_show_the_sign_in_to_anonymous_visitors(portal, page: Page):
    for path in ("/admin",):
        page.goto(f"{portal.url}{path}")
        expect(page.get_by_test_id("password")).to_be_visible()
        expect(page.get_by_test_id("staff-name")).to_have_count(0)
    page.get_by_test_id("username").fill("nobody")
    page.get_by_test_id("password").fill("not a password at all")
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")


def test_staff_signs_in_with_password_and_totp_and_signs_out(portal, page: Page):
    secret = _add_staff(portal, "frontdesk")
    _sign_in(page, portal, "frontdesk", secret)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("password")).to_be_visible()
    page.goto(f"{portal.url}/admin")
    expect(page.get_by_test_id("password")).to_be_visible()
