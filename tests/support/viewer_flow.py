"""Share files and verify as the recipient (in Chromium, or directly), and open the viewer."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from iep_app.db import session_scope
from iep_app.models import pk
from iep_app.settings import get_settings
from tests.support.packages import by_email, link_token, share_files, verify_link
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


def show_series(viewport: Locator, title: str, timeout: float = 15_000) -> None:
    """Click a series in the browser and wait until the viewport has drawn its first image."""
    page = viewport.page
    item = page.get_by_test_id("series-item").filter(has_text=title).first
    if item.get_attribute("aria-pressed") == "true":  # on screen already
        wait_painted(viewport, timeout=timeout)
        return
    before = viewport.get_attribute("data-series") or ""
    item.click()
    page.wait_for_function(
        "([el, before]) => el.dataset.series && el.dataset.series !== before && el.dataset.painted !== ''",
        arg=[viewport.element_handle(), before],
        timeout=timeout,
    )


def canvas_pixels(viewport: Locator) -> bytes:
    """A screenshot of the viewport's canvas (what the person sees, overlays excluded)."""
    return viewport.get_by_test_id("viewer-canvas").screenshot()


def verified_session(paths: list[Path]) -> tuple[str, int]:
    """Share files with a new recipient and verify a code: (session token, transaction pk)."""
    settings = get_settings()
    with session_scope() as session:
        shared = share_files(
            session, settings, paths, by_email(f"{uuid.uuid4().hex[:8]}@example.org", "codes@example.org")
        )
        return verify_link(session, settings, link_token(shared)), pk(shared.transaction)
