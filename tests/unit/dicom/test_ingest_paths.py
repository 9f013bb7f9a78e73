"""Files read whole into memory are indexed and stored exactly as streamed ones."""

import dataclasses

import pytest

from iep_app.dicom import ingest
from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore

NAMES = [
    "CT_small.dcm",  # read by the scanner
    "MR_small_implicit.dcm",  # implicit VR: pydicom's path
    "examples_jpeg2k.dcm",  # encapsulated pixel data
    "MR_truncated.dcm",  # rejected as truncated
    "README.txt",  # not DICOM
    "rtstruct.dcm",  # no preamble
]


def _ingest(corpus, root, monkeypatch, in_memory_bytes):
    monkeypatch.setattr(ingest, "IN_MEMORY_BYTES", in_memory_bytes)
    report = ingest_paths([corpus / name for name in NAMES], FileStore(root))
    return [dataclasses.asdict(i) for i in report.instances], report.rejected


def test_in_memory_and_streamed_files_give_the_same_report(corpus, tmp_path, monkeypatch):
    in_memory = _ingest(corpus, tmp_path / "a", monkeypatch, 16 * 1024**2)
    streamed = _ingest(corpus, tmp_path / "b", monkeypatch, 0)
    assert in_memory == streamed
    assert len(in_memory[0]) == 4 and len(in_memory[1]) == 2
    for instance in in_memory[0]:
        path = FileStore(tmp_path / "a").path_of(instance["storage_key"])
        assert path.stat().st_size == instance["size"]
    assert not list((tmp_path / "a" / "tmp").iterdir())


@pytest.mark.parametrize("in_memory_bytes", [16 * 1024**2, 0])
def test_a_non_ascii_byte_in_a_date_is_indexed_not_fatal(corpus, tmp_path, monkeypatch, in_memory_bytes):
    data = (corpus / "CT_small.dcm").read_bytes()
    study_date = b"\x08\x00\x20\x00DA\x08\x0020040119"
    assert data.count(study_date) == 1
    path = tmp_path / "odd-date.dcm"
    path.write_bytes(data.replace(study_date, study_date[:-8] + b"2004\xe9119"))
    monkeypatch.setattr(ingest, "IN_MEMORY_BYTES", in_memory_bytes)
    report = ingest_paths([path, corpus / "MR_small.dcm"], FileStore(tmp_path / "store"))
    assert [i.study["StudyDate"] for i in report.instances] == ["2004é119", "20040826"]
