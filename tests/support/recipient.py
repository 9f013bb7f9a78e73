"""Steps every end-to-end test repeats: share a study from the command line, verify a recipient."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file

from tests.support.smtp import one_time_password, start_link


def share(portal, *files: str, to: str, codes_to: str, message: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Share pydicom test files with `to` (codes by email to `codes_to`); the transaction ID."""
    paths = [str(Path(get_testdata_file(name))) for name in files]
    extra = ["--message", message] if message else []
    result = portal.iep("share", *paths, "--to", to, "--otp-email", codes_to, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(":")[0].split()[-1]


def verify(portal, page: Page, *, to: str, codes_to: str) -> str:  # type: ignore[no-untyped-def]
    """Open the newest link emailed to `to`, ask for a code, type it: the chooser shows.

    Returns:
        The emailed link.
    """
    links = [m for m in portal.smtp.messages if to in str(m["To"])]
    link = start_link(links[-1] if links else portal.smtp.wait_for(to=to))
    page.goto(link)
    received = len(portal.smtp.messages)
    page.get_by_test_id("start").click()
    code = one_time_password(portal.smtp.wait_for(to=codes_to, after=received))
    page.get_by_test_id("code").fill(code)
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("public-id")).to_be_visible()
    return link


def query(portal, sql: str, *params: object) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Read the served app's SQLite database (read-only)."""
    uri = f"file:{portal.data_dir / 'iep.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        return connection.execute(sql, params).fetchall()
