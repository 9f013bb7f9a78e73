"""The recipient's whole journey in Chromium: email, start, wrong code, right code, view, download."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file

from tests.support.smtp import one_time_password, start_link

pytestmark = pytest.mark.e2e

SHARED = ["CT_small.dcm", "MR_small.dcm"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_share_verify_view_and_download(portal, page: Page):
    files = [Path(get_testdata_file(name)) for name in SHARED]
    result = portal.iep(
        "share",
        *map(str, files),
        "--to",
        "robin@example.org",
        "--first-name",
        "Robin",
        "--otp-email",
        "robin.codes@example.org",
        "--message",
        "Your scans",
    )
    assert result.returncode == 0, result.stderr
    public_id = result.stdout.strip().split(":")[0].split()[-1]
    assert "2 files, 2 studies, 2 series" in result.stdout

    email = portal.smtp.wait_for(to="robin@example.org")
    page.goto(start_link(email))
    expect(page.get_by_text("St Elsewhere Hospital").first).to_be_visible()
    received = len(portal.smtp.messages)
    page.get_by_role("button", name="Click here to start").click()
    expect(page.get_by_test_id("sent")).to_contain_text("r***@e***.org")
    code = one_time_password(portal.smtp.wait_for(to="robin.codes@example.org", after=received))

    expect(page.get_by_text("One-time password", exact=True)).to_be_visible()
    page.get_by_test_id("code").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("error")).to_contain_text("4 tries left")

    page.get_by_test_id("code").fill(code)
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("public-id")).to_have_text(public_id)
    for label in ("View", "Download", "Forward", "Decline"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()

    page.get_by_test_id("action-view").click()
    images = page.get_by_test_id("series-image")
    expect(images).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=series-image]')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )

    page.go_back()
    page.get_by_test_id("action-download").click()
    expect(page.get_by_text("DICOM media (for clinicians and PACS import)")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_test_id("download-dicom").click()
    saved = Path(download_info.value.path())
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        inside = {_sha(archive.read(n)) for n in archive.namelist() if n.startswith("DICOM/")}
    assert inside == {_sha(f.read_bytes()) for f in files}


def test_unknown_link_shows_a_clear_page_and_sends_nothing(portal, page: Page):
    before = len(portal.smtp.messages)
    response = page.goto(f"{portal.url}/t/this-link-does-not-exist")
    # The page's URL holds the link token: it must never leave as a Referer.
    assert response is not None and response.headers["referrer-policy"] == "no-referrer"
    expect(page.get_by_test_id("closed")).to_have_text("This link is not valid.")
    expect(page.get_by_role("button", name="Click here to start")).to_have_count(0)
    assert len(portal.smtp.messages) == before


def test_image_endpoints_refuse_requests_without_a_session(portal, page: Page):
    response = page.request.get(f"{portal.url}/api/t/NS000001/instances/1/frames/0.png")
    assert response.status == 401
