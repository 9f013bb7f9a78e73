"""Fixtures of the export tests: corpus items, an encapsulated PDF and the built media."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import EncapsulatedPDFStorage, ExplicitVRLittleEndian, generate_uid

from iep_app.dicom.export import build_dicom_media
from iep_app.dicom.export_item import ExportItem
from iep_app.dicom.ziplayout import ZipLayout
from tests.unit.export.corpus import corpus_items, item_from_file

SENT_AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
MEDIA_ARGS: dict[str, Any] = {
    "transaction_id": "TX-2025-0042",
    "organisation": "Hôpital Test",
    "sent_at": SENT_AT,
}


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes them), of odd length to exercise the padding."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, format="PDF")
    data = buffer.getvalue()
    return data if len(data) % 2 else data + b"\n"


@pytest.fixture(scope="session")
def pdf_item(tmp_path_factory: pytest.TempPathFactory, pdf_bytes: bytes) -> ExportItem:
    """An Encapsulated PDF instance (the corpus has none), in the CT_small patient's study."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = EncapsulatedPDFStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientName, ds.PatientID = "CompressedSamples^CT1", "1CT1"
    ds.StudyInstanceUID = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
    ds.StudyDate, ds.StudyTime, ds.StudyID = "20040119", "072730", "1CT1"
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.Modality = generate_uid(), "99", "DOC"
    ds.SeriesDescription = "Report / final"
    ds.InstanceNumber, ds.ContentDate, ds.ContentTime = "1", "20040120", "101500"
    ds.DocumentTitle, ds.MIMETypeOfEncapsulatedDocument = "Radiology report", "application/pdf"
    ds.BurnedInAnnotation, ds.ConceptNameCodeSequence = "YES", []
    ds.EncapsulatedDocument, ds.EncapsulatedDocumentLength = pdf_bytes, len(pdf_bytes)
    path = tmp_path_factory.mktemp("pdf") / "report.dcm"
    ds.save_as(path, enforce_file_format=True)
    return item_from_file(path, "pdf")


@pytest.fixture(scope="session")
def items(pdf_item: ExportItem) -> list[ExportItem]:
    """Every test item: the corpus files and the encapsulated PDF."""
    return [*corpus_items(), pdf_item]


@pytest.fixture(scope="session")
def media(items: list[ExportItem]) -> ZipLayout:
    """The DICOM media of every test item."""
    return build_dicom_media(items, **MEDIA_ARGS)


@pytest.fixture(scope="session")
def media_bytes(media: ZipLayout) -> bytes:
    """The media archive, produced whole."""
    return b"".join(media.iter_range(0, media.total_length - 1))


@pytest.fixture
def extracted(media_bytes: bytes, tmp_path: Path) -> Path:
    """The media archive unpacked into a fresh folder."""
    with zipfile.ZipFile(io.BytesIO(media_bytes)) as archive:
        archive.extractall(tmp_path)
    return tmp_path
