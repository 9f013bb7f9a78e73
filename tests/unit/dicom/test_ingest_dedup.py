"""The same SOP Instance UID is stored once, however often and from wherever it comes."""

import shutil
from pathlib import Path

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore


def _stored_files(store: FileStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_same_instance_twice_in_one_ingest_is_stored_and_listed_once(corpus, store, tmp_path):
    copy = tmp_path / "copy.dcm"
    shutil.copy(corpus / "CT_small.dcm", copy)
    report = ingest_paths([corpus / "CT_small.dcm", copy], store)
    assert len(report.instances) == 1 and not report.rejected
    assert len(_stored_files(store)) == 1


def test_second_ingest_reports_the_stored_file(corpus, store):
    first = ingest_paths([corpus / "MR_small.dcm"], store).instances[0]
    # same SOP Instance UID, other transfer syntax: the first stored bytes are kept
    second = ingest_paths([corpus / "MR_small_bigendian.dcm"], store).instances[0]
    assert second.storage_key == first.storage_key
    assert (second.sha256, second.size, second.crc32) == (first.sha256, first.size, first.crc32)
    assert len(_stored_files(store)) == 1
