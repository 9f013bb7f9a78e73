"""Export items made from real DICOM files, for the export tests and the download benchmark."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from pydicom import dcmread
from pydicom.data import get_testdata_file

from iep_app.dicom.export_item import ExportItem

# pydicom's corpus: three patients of header-and-tiny-pixel files, several series each.
DICOMDIR_TESTS = Path(str(get_testdata_file("DICOMDIR"))).parent
SINGLE_FILES = {
    "CT_small.dcm": "image",
    "MR_small.dcm": "image",
    "SC_rgb_small_odd.dcm": "image",
    "rtplan.dcm": "rt",
    "rtdose.dcm": "rt",
    "test-SR.dcm": "report",
    "waveform_ecg.dcm": "waveform",
}


def item_from_file(path: Path, kind: str = "image") -> ExportItem:
    """Describe a DICOM file as the ingest would: its digests and indexed attributes."""
    data = path.read_bytes()
    ds = dcmread(path, stop_before_pixels=True)

    def text(keyword: str) -> str:
        return str(ds.get(keyword, "") or "")

    return ExportItem(
        path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        crc32=zlib.crc32(data),
        patient_id=text("PatientID"),
        patient_name=text("PatientName"),
        study_instance_uid=text("StudyInstanceUID"),
        study_date=text("StudyDate"),
        study_description=text("StudyDescription"),
        series_instance_uid=text("SeriesInstanceUID"),
        series_number=text("SeriesNumber"),
        series_description=text("SeriesDescription"),
        modality=text("Modality"),
        sop_instance_uid=text("SOPInstanceUID"),
        sop_class_uid=text("SOPClassUID"),
        transfer_syntax_uid=str(ds.file_meta.TransferSyntaxUID),
        instance_number=text("InstanceNumber"),
        kind=kind,
    )


def corpus_items() -> list[ExportItem]:
    """Return items for 38 corpus files: images of 3 patients, RT, SR and a waveform."""
    items = [item_from_file(p) for p in sorted(DICOMDIR_TESTS.glob("[0-9]*/*/*"))]
    for name, kind in SINGLE_FILES.items():
        items.append(item_from_file(Path(str(get_testdata_file(name))), kind))
    return items
