"""The staff's journey in Chromium: sign in with password + TOTP, send, follow, revoke."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from pydicom.data import get_testdata_file

from iep_app.demo import DEMO_SLICES
from iep_app.dicom.synthetic import make_ct_series
from iep_app.states.staff.send import AdminSendState
from iep_app.states.staff.transaction import AdminTransactionState
from iep_app.states.staff.transactions import AdminTransactionsState
from tests.e2e.conftest import IEP, ROOT
from tests.support.smtp import one_time_password, start_link, text_of

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


def _staged(portal) -> list[Path]:
    staging = portal.data_dir / "staging"
    return sorted(staging.iterdir()) if staging.exists() else []


def _post_upload(page: Page, portal) -> int:
    """A raw upload request for this tab's token, as a script could send it."""
    response = page.request.post(
        f"{portal.url}/_upload",
        headers={
            "Reflex-Client-Token": page.evaluate("() => sessionStorage.getItem('token')"),
            "Reflex-Event-Handler": f"{AdminSendState.get_full_name()}.receive",
        },
        multipart={"files": {"name": "x.dcm", "mimeType": "application/dicom", "buffer": b"x" * 1000}},
    )
    return response.status


def test_admin_pages_show_the_sign_in_to_anonymous_visitors(portal, page: Page):
    for path in ("/admin", "/admin/transactions", "/admin/transactions/NS000001"):
        page.goto(f"{portal.url}{path}")
        expect(page.get_by_test_id("password")).to_be_visible()
        expect(page.get_by_test_id("staff-name")).to_have_count(0)
    page.get_by_test_id("username").fill("nobody")
    page.get_by_test_id("password").fill("not a password at all")
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("Wrong username or password.")

    # /_upload trusts the tab token header: the upload handler itself must refuse this tab.
    before = _staged(portal)
    _post_upload(page, portal)
    assert _staged(portal) == before
    assert not list((ROOT / "uploaded_files").glob("**/x.dcm"))


def test_staff_signs_in_with_password_and_totp_and_signs_out(portal, page: Page):
    secret = _add_staff(portal, "frontdesk")
    _sign_in(page, portal, "frontdesk", secret)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("password")).to_be_visible()
    page.goto(f"{portal.url}/admin")
    expect(page.get_by_test_id("password")).to_be_visible()


# Speaks socket.io over a raw websocket, as any client could, and fires one event.
_RAW_EVENT = """async ({url, token, name, payload, path}) => {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/_event/?EIO=4&transport=websocket&token=' + token);
  const frames = [];
  ws.onmessage = (m) => {
    frames.push(m.data);
    if (m.data.startsWith('0{')) ws.send('40/_event,');
    else if (m.data.startsWith('40/_event')) ws.send('42/_event,' + JSON.stringify(
      ['event', {name, payload, router_data: {pathname: path, asPath: path}}]));
    else if (m.data === '2') ws.send('3');
  };
  await new Promise((done) => setTimeout(done, 2500));
  ws.close();
  return frames;
}"""


def _raw_event(page: Page, portal, token: str, name: str, payload: dict, path: str) -> str:
    frames = page.evaluate(
        _RAW_EVENT,
        {"url": portal.url, "token": token, "name": name, "payload": payload, "path": path},
    )
    assert any(f.startswith("40/_event") for f in frames), frames  # the socket did connect
    return "\n".join(frames)


def _find(page: Page, public_id: str):
    page.get_by_test_id("list-search").fill(public_id)
    page.get_by_test_id("list-apply").click()
    rows = page.get_by_test_id("transaction-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("row-id")).to_have_text(public_id)
    return rows.first


def _until_status(page: Page, public_id: str, status: str, seconds: float = 20.0) -> None:
    """The list is not live: reload until the row shows the status (the recipient's page records
    its visit on load, which may come after its button is already drawn)."""
    deadline = time.monotonic() + seconds
    while True:
        page.reload()
        shown = _find(page, public_id).get_by_test_id("status")
        if shown.inner_text() == status or time.monotonic() > deadline:
            expect(shown).to_have_text(status)
            return
        time.sleep(0.5)


def _send_a_study(page: Page, portal, folder: Path) -> str:
    """Upload the demo CT (plus a file of another patient and a text file), check, Send."""
    page.get_by_test_id("nav-send").click()
    files = sorted(folder.glob("*.dcm"))
    notes = folder.parent / "notes.txt"
    notes.write_text("not an image")
    extra = [Path(get_testdata_file("CT_small.dcm")), notes]
    page.get_by_test_id("drop-zone").locator("input[type=file]").set_input_files([*files, *extra])
    expect(page.get_by_test_id("selected-count")).to_contain_text(str(len(files) + 2))
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("upload-progress")).to_have_text("100%", timeout=60_000)
    expect(page.get_by_test_id("report-series")).to_have_count(2, timeout=60_000)
    expect(page.get_by_test_id("rejected-file")).to_contain_text("notes.txt")
    expect(page.get_by_test_id("mismatch")).to_contain_text("DEMO, PATIENT")
    page.get_by_test_id("send-email").fill("casey@example.org")
    page.get_by_test_id("send-first_name").fill("Casey")
    page.get_by_test_id("send-auth_email").fill("casey.codes@example.org")
    page.get_by_test_id("send-message").fill("Your CT from Tuesday")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("send-error")).to_contain_text("tick the box")
    page.get_by_test_id("confirm-mismatch").click()
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("sent-notice")).to_be_visible()
    return page.get_by_test_id("sent-id").inner_text()


def test_staff_send_a_study_see_it_opened_and_revoke_it(portal, page: Page, browser: Browser, tmp_path: Path):
    secret = _add_staff(portal, "librarian", admin=True)
    demo = tmp_path / "demo-ct"
    make_ct_series(demo, slices=DEMO_SLICES)
    _sign_in(page, portal, "librarian", secret)
    before = len(portal.smtp.messages)  # other tests send to the same address on this portal
    public_id = _send_a_study(page, portal, demo)
    assert re.fullmatch(r"NS\d{6}", public_id)
    email = portal.smtp.wait_for(to="casey@example.org", after=before)
    # The email says a message waits; its text is read on the package's page, after the code.
    assert "Your CT from Tuesday" not in text_of(email) and "left you a message" in text_of(email)
    page.get_by_test_id("nav-transactions").click()
    expect(_find(page, public_id).get_by_test_id("status")).to_have_text("waiting")

    recipient = browser.new_context().new_page()
    recipient.goto(start_link(email))
    expect(recipient.get_by_role("button", name="Click here to start")).to_be_visible()
    _until_status(page, public_id, "opened")

    received = len(portal.smtp.messages)
    recipient.get_by_role("button", name="Click here to start").click()
    code = one_time_password(portal.smtp.wait_for(to="casey.codes@example.org", after=received))
    recipient.get_by_test_id("code").fill(code)
    recipient.get_by_test_id("verify").click()
    expect(recipient.get_by_test_id("public-id")).to_have_text(public_id)
    expect(recipient.get_by_text("Your CT from Tuesday")).to_be_visible()  # behind the code

    # Neither an anonymous client nor the recipient's own tab gets anything from admin
    # handlers called directly over the websocket. (The ID is sent in lower case, which the
    # pages accept: an upper-case ID in the answer could only come from the database.)
    anonymous = browser.new_context().new_page()
    anonymous.goto(f"{portal.url}/admin/login")
    tab_token = recipient.evaluate("() => sessionStorage.getItem('token')")
    path = f"/admin/transactions/{public_id.lower()}"
    for client, token in ((anonymous, str(uuid.uuid4())), (recipient, tab_token)):
        for state, handler, payload in (
            (AdminTransactionState, "on_load", {}),
            (AdminTransactionState, "revoke", {"form_data": {"onward": "on"}}),
            (AdminTransactionsState, "apply", {"form_data": {"search": public_id.lower()}}),
        ):
            name = f"{state.get_full_name()}.{handler}"
            seen = _raw_event(client, portal, token, name, payload, path)
            for secret_thing in (public_id, "casey", "CompressedSamples", '"found":true'):
                assert secret_thing not in seen
    recipient.reload()
    expect(recipient.get_by_test_id("public-id")).to_have_text(public_id)

    page.get_by_test_id("row-id").click()
    expect(page.get_by_test_id("tx-id")).to_have_text(public_id)
    expect(page.get_by_test_id("status").first).to_have_text("verified")
    events = page.get_by_test_id("timeline-event")
    expect(events.filter(has_text="Link opened")).to_have_count(1)
    expect(events.filter(has_text="Code sent").first).to_contain_text("c***@e***.org")
    page.get_by_test_id("revoke").click()
    page.get_by_test_id("revoke-confirm").click()
    expect(page.get_by_test_id("status").first).to_have_text("revoked")
    expect(events.filter(has_text="Revoked")).to_have_count(1)

    recipient.reload()
    expect(recipient.get_by_test_id("closed")).to_have_text("This package has been withdrawn by the sender.")

    # The raw upload request refused to anonymous tabs does work for this staff tab.
    before = _staged(portal)
    assert _post_upload(page, portal) == 202  # the same raw request works for a staff tab
    deadline = time.monotonic() + 10
    while len(_staged(portal)) == len(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_staged(portal)) == len(before) + 1


def test_dashboard_directory_outbox_audit_and_settings(portal, page: Page):
    secret = _add_staff(portal, "manager", admin=True)
    shared = portal.iep(
        "share",
        str(Path(get_testdata_file("MR_small.dcm"))),
        "--to",
        "dana@example.org",
        "--first-name",
        "Dana",
        "--otp-sms",
        "+447911123456",
    )
    assert shared.returncode == 0, shared.stderr
    _sign_in(page, portal, "manager", secret)
    expect(page.get_by_test_id("dash-sent")).not_to_have_text("0")
    expect(page.locator(".recharts-responsive-container, .recharts-wrapper").first).to_be_visible()

    page.get_by_test_id("nav-individuals").click()
    page.get_by_test_id("people-search").fill("dana")
    page.get_by_test_id("people-search").press("Enter")
    expect(page.get_by_test_id("person-row")).to_have_count(1)
    page.get_by_test_id("person-row").get_by_role("link").click()
    expect(page.get_by_test_id("person-title")).to_have_text("Dana")
    expect(page.get_by_test_id("transaction-row")).to_have_count(1)
    page.get_by_test_id("send-last_name").fill("Example")
    page.get_by_test_id("person-save").click()
    expect(page.get_by_test_id("person-notice")).to_contain_text("Saved")
    expect(page.get_by_test_id("person-title")).to_have_text("Dana Example")

    page.get_by_test_id("nav-outbox").click()
    expect(page.get_by_test_id("outbox-row").filter(has_text="d***@e***.org").first).to_be_visible()

    page.get_by_test_id("nav-audit").click()
    with page.expect_download() as download:
        page.get_by_test_id("audit-download").click()
    exported = Path(download.value.path()).read_text()
    assert exported.startswith("time_utc,transaction,actor,action,detail,ip")
    assert "staff:manager,individual_updated" in exported

    page.get_by_test_id("nav-organisation").click()
    expect(page.get_by_test_id("org-transaction_prefix")).to_have_value("NS")
    page.get_by_test_id("nav-staff").click()
    expect(page.get_by_test_id("staff-row").filter(has_text="manager")).to_have_count(1)
