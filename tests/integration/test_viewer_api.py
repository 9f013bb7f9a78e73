"""The viewer's byte endpoints over HTTP: manifests, stored words, PDFs, only for their package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from sqlmodel import SQLModel, select
from starlette.testclient import TestClient

from iep_app.db import get_engine, session_scope
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.iep_app import api
from iep_app.models import Instance, Transaction, TransactionInstance, TransactionStatus
from iep_app.settings import get_settings
from tests.support.dicom_files import make_pdf_instance, pdf_bytes
from tests.support.packages import cookie_grant, http_cookie
from tests.support.viewer_flow import verified_session


class Package:
    """A verified package seen through HTTP: its public id, cookie and instances by kind."""

    def __init__(self, paths: list[Path]) -> None:
        session_token, self.pk = verified_session(paths)
        settings = get_settings()
        with session_scope() as session:
            self.public_id = session.get(Transaction, self.pk).public_id
            grant = cookie_grant(session, settings, session_token)
            self.instances = session.exec(
                select(Instance)
                .join(TransactionInstance, TransactionInstance.instance_pk == Instance.id)
                .where(TransactionInstance.transaction_pk == self.pk)
            ).all()
        self.cookie = http_cookie(grant, self.public_id)

    def client(self, cookie: str | None = None) -> TestClient:
        client = TestClient(api)
        client.cookies.set(f"iep_{self.public_id}", cookie or self.cookie, path=f"/api/t/{self.public_id}")
        return client

    def url(self, path: str) -> str:
        return f"/api/t/{self.public_id}/{path}"

    def first(self, **where: object) -> Instance:
        return next(i for i in self.instances if all(getattr(i, k) == v for k, v in where.items()))


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    SQLModel.metadata.create_all(get_engine())
    folder = tmp_path_factory.mktemp("viewer-api")
    mine = Package(
        [
            *make_ct_series(folder / "ct", slices=2, size=64),
            make_pdf_instance(folder / "report.dcm"),
            Path(get_testdata_file("examples_rgb_color.dcm")),
        ]
    )
    theirs = Package([Path(get_testdata_file("MR_small.dcm"))])
    return mine, theirs


def test_the_manifest_describes_the_series_privately(packages):
    mine, _ = packages
    ct = mine.first(rows=64)
    with mine.client() as client:
        answer = client.get(mine.url(f"series/{ct.series_pk}/manifest.json"))
    assert answer.status_code == 200
    assert answer.headers["cache-control"].startswith("private")
    assert answer.headers["content-encoding"] == "gzip"
    body = answer.json()
    assert body["series"]["patient"] == "DEMO, PATIENT" and len(body["instances"]) == 2
    assert body["urls"]["words"] == f"/api/t/{mine.public_id}/instances/{{instance}}/words/{{frame}}"
    assert "DEMO" not in body["urls"]["words"]  # URLs carry ids, never patient data


def test_words_are_the_stored_values_raw_or_gzipped(packages):
    mine, _ = packages
    ct = mine.first(rows=64)
    stored = pydicom.dcmread(FileStore(get_settings().store_dir).path_of(ct.storage_key))
    with mine.client() as client:
        raw = client.get(mine.url(f"instances/{ct.id}/words/0"))
        packed = client.get(mine.url(f"instances/{ct.id}/words/0?z=1"), headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200 and "content-encoding" not in raw.headers
    assert raw.headers["x-iep-words"] == "i2" and raw.headers["x-iep-shape"] == "64,64"
    assert raw.headers["cache-control"] == "private, no-store"
    words = np.frombuffer(raw.content, "<i2").reshape(64, 64)
    assert np.array_equal(words, stored.pixel_array)
    assert packed.headers["content-encoding"] == "gzip" and packed.content == raw.content


def test_words_refuse_what_is_not_a_grey_frame_of_this_package(packages):
    mine, theirs = packages
    colour, pdf, ct = mine.first(columns=320), mine.first(kind="pdf"), mine.first(rows=64)
    with mine.client() as client:
        assert client.get(mine.url(f"instances/{colour.id}/words/0")).status_code == 422
        assert client.get(mine.url(f"instances/{ct.id}/words/1")).status_code == 404
        assert client.get(mine.url(f"instances/{pdf.id}/words/0")).status_code == 404
        theirs_mr = theirs.instances[0]
        assert client.get(mine.url(f"instances/{theirs_mr.id}/words/0")).status_code == 404
        assert client.get(mine.url(f"series/{theirs_mr.series_pk}/manifest.json")).status_code == 404
        assert client.get(mine.url(f"series/{pdf.series_pk}/manifest.json")).status_code == 404


def test_the_pdf_comes_out_as_written_and_images_are_not_documents(packages):
    mine, _ = packages
    pdf, ct = mine.first(kind="pdf"), mine.first(rows=64)
    with mine.client() as client:
        answer = client.get(mine.url(f"instances/{pdf.id}/document.pdf"))
        assert client.get(mine.url(f"instances/{ct.id}/document.pdf")).status_code == 404
    assert answer.status_code == 200 and answer.content == pdf_bytes()
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"].startswith("private")
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_no_cookie_another_packages_cookie_or_a_closed_package_get_nothing(packages):
    mine, theirs = packages
    ct, pdf = mine.first(rows=64), mine.first(kind="pdf")
    paths = [
        f"series/{ct.series_pk}/manifest.json",
        f"instances/{ct.id}/words/0",
        f"instances/{pdf.id}/document.pdf",
    ]
    with TestClient(api) as anonymous:
        assert {anonymous.get(mine.url(p)).status_code for p in paths} == {401}
    with mine.client(cookie=theirs.cookie) as client:
        assert {client.get(mine.url(p)).status_code for p in paths} == {403}
    revoked = Package([Path(get_testdata_file("MR_small.dcm"))])
    with session_scope() as session:
        session.get(Transaction, revoked.pk).status = TransactionStatus.REVOKED
    with revoked.client() as client:
        assert client.get(revoked.url(f"instances/{revoked.instances[0].id}/words/0")).status_code == 410
