"""The same journey on PostgreSQL, with Reflex state in Redis and several server workers."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pydicom.data import get_testdata_file
from sqlalchemy import text

from iep_app.db import make_engine
from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.conftest import project_copy, running_portal
from tests.support.recipient_flow import open_and_verify

pytestmark = pytest.mark.e2e
WORKERS = 3


@pytest.fixture(scope="module")
def pg_portal(tmp_path_factory):
    admin = make_engine(POSTGRES_ADMIN_URL)
    name = f"iep_e2e_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = tmp_path_factory.mktemp("pg-portal")
    root = project_copy(tmp_path_factory.mktemp("pg-project"))
    env = {
        "IEP_DATABASE_URL": POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
        "IEP_REDIS_URL": "redis://127.0.0.1:6379/5",
        "GRANIAN_WORKERS": str(WORKERS),
    }
    try:
        with running_portal(base, root=root, extra_env=env) as portal:
            yield portal
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _server_processes(portal) -> int:
    """Processes started for this portal: `iep serve`, Reflex's supervisor and its workers."""
    marker = f"IEP_PORT={portal.env['IEP_PORT']}\0".encode()
    count = 0
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            count += marker in environ.read_bytes()
        except OSError:
            continue
    return count


def test_journey_on_postgres_with_redis_and_several_workers(pg_portal, page: Page):
    files = [Path(get_testdata_file(n)) for n in ("CT_small.dcm", "MR_small.dcm")]
    result = pg_portal.iep(
        "share", *map(str, files), "--to", "sam@example.org", "--otp-email", "sam.codes@example.org"
    )
    assert result.returncode == 0, result.stderr
    assert _server_processes(pg_portal) >= WORKERS + 2

    open_and_verify(page, pg_portal.smtp, to="sam@example.org", codes_to="sam.codes@example.org")
    # Reloading lands on any worker: the verified state must come from Redis, not a process.
    for _ in range(3):
        page.reload()
        expect(page.get_by_test_id("public-id")).to_be_visible()

    page.get_by_test_id("action-view").click()
    page.wait_for_function(
        "() => { const i = [...document.querySelectorAll('[data-testid=series-image]')];"
        " return i.length == 2 && i.every(x => x.complete && x.naturalWidth > 0); }"
    )
    public_id = result.stdout.split(":")[0].strip()
    url = f"{pg_portal.url}/api/t/{public_id}/download/dicom.zip"
    whole = page.request.get(url)
    assert whole.status == 200
    body = whole.body()
    half = len(body) // 2
    rest = page.request.get(url, headers={"Range": f"bytes={half}-"})
    assert rest.status == 206 and body[:half] + rest.body() == body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        inside = {
            hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist() if n.startswith("DICOM/")
        }
    assert inside == {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
