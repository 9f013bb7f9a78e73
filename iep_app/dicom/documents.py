"""Encapsulated documents: the PDF inside an Encapsulated PDF Storage instance."""

from __future__ import annotations

from pathlib import Path

import pydicom

from iep_app.dicom.pixels import RenderError

ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"


def encapsulated_pdf(path: Path) -> bytes:
    """Return the PDF file held by an Encapsulated PDF instance, without DICOM padding.

    Raises:
        RenderError: the file is not an encapsulated PDF, or its document is not a PDF.
    """
    try:
        ds = pydicom.dcmread(path, force=True)
        document = bytes(ds.EncapsulatedDocument)
    except Exception as exc:
        raise RenderError("This file holds no readable document.") from exc
    mime = str(ds.get("MIMETypeOfEncapsulatedDocument", "application/pdf")).strip().lower()
    if str(ds.get("SOPClassUID", "")) != ENCAPSULATED_PDF or mime != "application/pdf":
        raise RenderError("This document is not a PDF.")
    # Values are padded to an even length; the real length is recorded beside them.
    length = ds.get("EncapsulatedDocumentLength")
    if isinstance(length, int) and 0 < length <= len(document):
        document = document[:length]
    if not document.startswith(b"%PDF-"):
        raise RenderError("This document is not a PDF.")
    return document
