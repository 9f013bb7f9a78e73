"""Ingesting pydicom's corpus: images stored, broken files rejected with the right reason."""

from pathlib import Path

import pytest
from pydicom import dcmread

from iep_app.dicom.index import INDEXED_ATTRIBUTES
from iep_app.dicom.ingest import IngestReport, ingest_paths
from iep_app.dicom.store import FileStore

NOT_DICOM = "not a DICOM file"
TRUNCATED = "incomplete (truncated)"
NO_UID = "no SOP Instance UID"


@pytest.fixture(scope="module")
def report(corpus: Path, tmp_path_factory) -> IngestReport:
    files = [p for p in sorted(corpus.iterdir()) if p.is_file()]
    return ingest_paths(files, FileStore(tmp_path_factory.mktemp("store")))


def _by_name(report: IngestReport) -> dict[str, object]:
    found: dict[str, object] = {Path(i.source_name).name: i for i in report.instances}
    found.update({Path(r.source_name).name: r for r in report.rejected})
    return found


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("README.txt", NOT_DICOM),
        ("crayons.icc", NOT_DICOM),
        ("rtplan.dump", NOT_DICOM),
        ("test1.json", NOT_DICOM),
        ("zipMR.gz", NOT_DICOM),
        ("no_meta.dcm", NOT_DICOM),
        ("MR_truncated.dcm", TRUNCATED),
        ("rtplan_truncated.dcm", TRUNCATED),
        ("meta_missing_tsyntax.dcm", NO_UID),
        ("nested_priv_SQ.dcm", NO_UID),
    ],
)
def test_broken_and_foreign_files_are_rejected_with_the_reason(report, name, reason):
    rejected = _by_name(report)[name]
    assert reason in rejected.reason


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("CT_small.dcm", "image"),
        ("693_J2KI.dcm", "image"),
        ("examples_ybr_color.dcm", "image"),
        ("examples_palette.dcm", "image"),
        ("reportsi.dcm", "report"),
        ("test-SR.dcm", "report"),
        ("waveform_ecg.dcm", "waveform"),
        ("rtplan.dcm", "rt"),
        ("rtstruct.dcm", "rt"),  # no preamble: accepted, it names its SOP instance
        ("badVR.dcm", "rt"),  # RT Dose with a malformed IS value; the rtdose*.dcm share its UID
    ],
)
def test_instances_are_stored_and_classified(report, name, kind):
    instance = _by_name(report)[name]
    assert instance.kind == kind


def test_every_indexed_key_is_present_and_within_its_vr_length(report):
    for instance in report.instances:
        for level, keyword, limit in INDEXED_ATTRIBUTES:
            value = getattr(instance, level)[keyword]
            assert isinstance(value, str) and len(value) <= limit


def test_stored_bytes_are_the_original_bytes_with_their_digests(report, corpus):
    import hashlib
    import zlib

    ct = _by_name(report)["CT_small.dcm"]
    original = (corpus / "CT_small.dcm").read_bytes()
    assert ct.size == len(original)
    assert ct.sha256 == hashlib.sha256(original).hexdigest()
    assert ct.crc32 == zlib.crc32(original)
    assert ct.instance["Rows"] == "128" and ct.series["Modality"] == "CT"
    assert ct.patient["PatientName"] == "CompressedSamples^CT1"


def test_overlong_values_are_cut_to_the_vr_maximum(corpus, store, tmp_path):
    ds = dcmread(corpus / "CT_small.dcm")
    ds.StudyDescription = "X" * 200
    ds.AccessionNumber = "A" * 40
    path = tmp_path / "long.dcm"
    ds.save_as(path)
    instance = ingest_paths([path], store).instances[0]
    assert instance.study["StudyDescription"] == "X" * 64
    assert instance.study["AccessionNumber"] == "A" * 16


def test_unknown_transfer_syntax_is_rejected(corpus, store, tmp_path):
    ds = dcmread(corpus / "CT_small.dcm")
    ds.file_meta.TransferSyntaxUID = "1.2.3.4.5.6.7"
    path = tmp_path / "private-syntax.dcm"
    ds.save_as(path)
    rejected = ingest_paths([path], store).rejected
    assert len(rejected) == 1 and "unsupported transfer syntax" in rejected[0].reason
