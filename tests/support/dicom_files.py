"""Small DICOM files made for viewer tests: a ruler with known spacing and an encapsulated PDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from iep_app.dicom.documents import ENCAPSULATED_PDF

# A one-page PDF with the text "iep test report", written by hand (no generator needed).
_PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>",
    None,  # the content stream, below
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
_PDF_TEXT = b"BT /F1 18 Tf 40 70 Td (iep test report) Tj ET"


def pdf_bytes() -> bytes:
    """A valid one-page PDF, with a correct cross-reference table."""
    objects = list(_PDF_OBJECTS)
    objects[3] = b"<< /Length %d >>\nstream\n" % len(_PDF_TEXT) + _PDF_TEXT + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _base(sop_class: str, *, study_uid: str | None, modality: str, description: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "TEST^RULER", "TEST-0002", "19800101"
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.StudyDate, ds.StudyTime, ds.StudyDescription = "20240202", "101010", "VIEWER TESTS"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = modality, 9, 1
    ds.SeriesDescription = description
    return ds


def make_ruler_image(
    path: Path,
    *,
    size: tuple[int, int] = (240, 320),
    spacing: tuple[float, float] = (0.6, 0.9),
    marks: tuple[tuple[int, int], tuple[int, int]] = ((40, 60), (280, 200)),
    study_uid: str | None = None,
) -> Path:
    """Write a grey image with two bright 5x5 marks centred on known (column, row) pixels.

    Args:
        path: file to write.
        size: (rows, columns).
        spacing: Pixel Spacing (row mm, column mm); not square on purpose.
        marks: the two mark centres as (column, row).
        study_uid: put it in this study.
    """
    rows, columns = size
    ds = _base(SecondaryCaptureImageStorage, study_uid=study_uid, modality="OT", description="RULER")
    pixels = np.full((rows, columns), 1200, dtype=np.uint16)
    pixels[::20, :] = 1800  # a grid, so zoom and pan are visible
    pixels[:, ::20] = 1800
    for column, row in marks:
        pixels[row - 2 : row + 3, column - 2 : column + 3] = 4000
    ds.Rows, ds.Columns = rows, columns
    ds.PixelSpacing = [spacing[0], spacing[1]]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]  # coronal: L/R across, H/F down
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2000, 4000
    ds.PixelData = pixels.astype("<u2").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def make_pdf_instance(path: Path, *, study_uid: str | None = None) -> Path:
    """Write an Encapsulated PDF Storage instance holding ``pdf_bytes()``."""
    ds = _base(ENCAPSULATED_PDF, study_uid=study_uid, modality="DOC", description="REPORT")
    document = pdf_bytes()
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.DocumentTitle = "Report"
    ds.BurnedInAnnotation = "YES"
    ds.EncapsulatedDocumentLength = len(document)
    ds.EncapsulatedDocument = document + (b"\x00" if len(document) % 2 else b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path
