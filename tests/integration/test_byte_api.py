"""The byte endpoints through HTTP: only a session verified for that package gets its bytes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import AuditEvent, Instance, Transaction, TransactionStatus
from iep_app.settings import get_settings
from tests.support.packages import verified_package

FILES = ["CT_small.dcm", "MR_small.dcm"]


def _verified_package(session: Session, email: str, files: list[str]) -> tuple[Transaction, str]:
    return verified_package(session, get_settings(), [Path(get_testdata_file(f)) for f in files], email)


@pytest.fixture
def packages():
    SQLModel.metadata.create_all(get_engine())
    with Session(get_engine(), expire_on_commit=False) as session:
        first = _verified_package(session, "ana@example.org", FILES)
        second = _verified_package(session, "ben@example.org", ["JPEG2000.dcm"])
        yield session, first, second


def _client(public_id: str, cookie: str) -> TestClient:
    client = TestClient(api, base_url="http://testserver")
    client.cookies.set(f"iep_{public_id}", cookie, path=f"/api/t/{public_id}")
    return client


def _instances(session: Session, transaction: Transaction) -> list[Instance]:
    from iep_app.services.images.studies import instances_of

    return instances_of(session=session, transaction_pk=transaction.id)


def test_dicom_media_is_exact_length_resumable_and_byte_identical(packages):
    session, (transaction, cookie), _ = packages
    url = f"/api/t/{transaction.public_id}/download/dicom.zip"
    with _client(transaction.public_id, cookie) as client:
        whole = client.get(url)
        assert whole.status_code == 200
        assert int(whole.headers["content-length"]) == len(whole.content)
        assert "private" in whole.headers["cache-control"]
        assert f'filename="{transaction.public_id}-DICOM.zip"' in whole.headers["content-disposition"]
        half = len(whole.content) // 2
        rest = client.get(url, headers={"Range": f"bytes={half}-"})
        assert rest.status_code == 206
        assert whole.content[:half] + rest.content == whole.content
    with zipfile.ZipFile(io.BytesIO(whole.content)) as archive:
        names = archive.namelist()
        inside = {hashlib.sha256(archive.read(n)).hexdigest() for n in names if n.startswith("DICOM/")}
    originals = {hashlib.sha256(Path(get_testdata_file(f)).read_bytes()).hexdigest() for f in FILES}
    assert inside == originals and "DICOMDIR" in names and "SHA256SUM.TXT" in names
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.transaction_pk == transaction.id)).all()
    assert actions.count("downloaded") == 2


def test_pictures_open_with_pillow(packages):
    _, (transaction, cookie), _ = packages
    with _client(transaction.public_id, cookie) as client:
        answer = client.get(f"/api/t/{transaction.public_id}/download/pictures.zip")
    assert answer.status_code == 200
    assert f'filename="{transaction.public_id}-pictures.zip"' in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        pictures = [n for n in archive.namelist() if n.endswith(".jpg")]
        assert len(pictures) == 2
        for name in pictures:
            assert Image.open(io.BytesIO(archive.read(name))).size[0] > 0


def test_frames_render_for_the_package_only(packages):
    session, (transaction, cookie), (other, other_cookie) = packages
    mine = _instances(session, transaction)[0]
    theirs = _instances(session, other)[0]
    with _client(transaction.public_id, cookie) as client:
        png = client.get(f"/api/t/{transaction.public_id}/instances/{mine.id}/frames/0.png")
        assert png.headers["cache-control"] == "private, no-store"
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        # Another package's instance through my package's URL: as if it did not exist.
        assert (
            client.get(f"/api/t/{transaction.public_id}/instances/{theirs.id}/frames/0.png").status_code
            == 404
        )
        assert (
            client.get(f"/api/t/{transaction.public_id}/instances/{mine.id}/frames/9.png").status_code == 404
        )
        bad = client.get(f"/api/t/{transaction.public_id}/instances/{mine.id}/frames/0.png?wc=1&ww=-5")
        assert bad.status_code == 400


def test_a_second_packages_session_cannot_download_this_one(packages):
    _, (transaction, _), (other, other_cookie) = packages
    with _client(transaction.public_id, other_cookie) as client:
        answer = client.get(f"/api/t/{transaction.public_id}/download/dicom.zip")
    assert answer.status_code == 403 and answer.content == b""
    with TestClient(api) as anonymous:
        assert anonymous.get(f"/api/t/{transaction.public_id}/download/dicom.zip").status_code == 401


def test_a_revoked_package_answers_nothing(packages):
    session, (transaction, cookie), _ = packages
    row = session.get(Transaction, transaction.id)
    row.status = TransactionStatus.REVOKED
    session.commit()
    with _client(transaction.public_id, cookie) as client:
        for path in ("download/dicom.zip", "download/pictures.zip"):
            assert client.get(f"/api/t/{transaction.public_id}/{path}").status_code == 410


def test_every_response_carries_the_security_headers():
    with TestClient(api) as client:
        answer = client.get("/api/t/NS999999/download/dicom.zip")
    assert answer.status_code == 401
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
