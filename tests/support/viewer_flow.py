"""Share files, verify as the recipient in Chromium, and open the viewer: for e2e tests and benches."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.support.recipient_flow import open_and_verify


def share(portal, paths: list[Path], *, to: str, otp_email: str) -> str:  # type: ignore[no-untyped-def]
    """Share files with `iep share` on a running portal; returns the transaction's public ID."""
    result = portal.iep("share", *map(str, paths), "--to", to, "--otp-email", otp_email)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(":")[0].split()[-1]


def share_and_verify(portal, page: Page, paths: list[Path], *, to: str) -> str:  # type: ignore[no-untyped-def]
    """Share files with a new recipient and verify as them: the page ends on the chooser."""
    codes = to.replace("@", ".codes@")
    public_id = share(portal, paths, to=to, otp_email=codes)
    open_and_verify(page, portal.smtp, to=to, codes_to=codes)
    expect(page.get_by_test_id("action-view")).to_be_visible()
    return public_id


def open_viewer(page: Page) -> Locator:
    """Click View on the package chooser and wait for the first viewport's first image."""
    page.get_by_test_id("action-view").click()
    viewport = page.get_by_test_id("viewport-0")
    wait_painted(viewport)
    return viewport


def wait_painted(viewport: Locator, index: int | None = None, timeout: float = 15_000) -> None:
    """Wait until the viewport shows an image (the given one, if asked)."""
    wanted = "" if index is None else str(index)
    viewport.page.wait_for_function(
        "([el, wanted]) => el.iep && el.dataset.painted !== undefined && el.dataset.painted !== ''"
        " && (wanted === '' || el.dataset.painted === wanted)",
        arg=[viewport.element_handle(), wanted],
        timeout=timeout,
    )


def canvas_pixels(viewport: Locator) -> bytes:
    """A screenshot of the viewport's canvas (what the person sees, overlays excluded)."""
    return viewport.get_by_test_id("viewer-canvas").screenshot()
