"""A study re-sent under corrected demographics keeps its UIDs: each package shows and serves its own patient.

Before the fix the second package reused the first one's rows and file: it listed the first
patient and its download held the first patient's bytes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from sqlmodel import Session, SQLModel
from starlette.testclient import TestClient

from iep_app.db import get_engine
from iep_app.iep_app import api
from iep_app.models import Patient
from iep_app.services.images.studies import contents
from iep_app.settings import get_settings
from tests.support.packages import verified_package


def _corrected_copy(tmp_path: Path) -> Path:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName, ds.PatientID = "Corrected^Patient", "CORRECTED-7"
    target = tmp_path / "corrected.dcm"
    ds.save_as(target)
    return target


def _downloaded_files(public_id: str, cookie: str) -> set[str]:
    with TestClient(api, base_url="http://testserver") as client:
        client.cookies.set(f"iep_{public_id}", cookie, path=f"/api/t/{public_id}")
        answer = client.get(f"/api/t/{public_id}/download/dicom.zip")
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = [n for n in archive.namelist() if n.startswith("DICOM/")]
        return {hashlib.sha256(archive.read(n)).hexdigest() for n in names}


def test_corrected_resend_shows_and_serves_the_corrected_patient(tmp_path):
    original = Path(get_testdata_file("CT_small.dcm"))
    corrected = _corrected_copy(tmp_path)
    SQLModel.metadata.create_all(get_engine())
    with Session(get_engine(), expire_on_commit=False) as session:
        first, first_cookie = verified_package(session, get_settings(), [original], "first@example.org")
        second, second_cookie = verified_package(session, get_settings(), [corrected], "second@example.org")
        shown = contents(session=session, transaction_pk=second.id)
        assert shown.patient is not None and shown.patient.patient_name == "Corrected^Patient"
        package_patient = session.get(Patient, second.patient_pk)
        assert package_patient is not None and package_patient.patient_id == "CORRECTED-7"
        first_shown = contents(session=session, transaction_pk=first.id).patient
        assert first_shown is not None and first_shown.patient_name == "CompressedSamples^CT1"
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert _downloaded_files(second.public_id, second_cookie) == {digest(corrected)}
    assert _downloaded_files(first.public_id, first_cookie) == {digest(original)}
