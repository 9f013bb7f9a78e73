"""The same file is stored once, however often it comes; other bytes under a known UID are kept apart."""

import shutil
from pathlib import Path

import pydicom

from iep_app.dicom.ingest import SAME_UID_OTHER_FILE, ingest_paths
from iep_app.dicom.store import FileStore


def _stored_files(store: FileStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_same_instance_twice_in_one_ingest_is_stored_and_listed_once(corpus, store, tmp_path):
    copy = tmp_path / "copy.dcm"
    shutil.copy(corpus / "CT_small.dcm", copy)
    report = ingest_paths([corpus / "CT_small.dcm", copy], store)
    assert len(report.instances) == 1 and not report.rejected
    assert len(_stored_files(store)) == 1


def test_second_ingest_of_the_same_file_reports_the_stored_file(corpus, store):
    first = ingest_paths([corpus / "MR_small.dcm"], store).instances[0]
    second = ingest_paths([corpus / "MR_small.dcm"], store).instances[0]
    assert second == first
    assert len(_stored_files(store)) == 1


def _renamed(source: Path, target: Path, name: str) -> Path:
    """The same instance (same SOP Instance UID) under corrected demographics."""
    ds = pydicom.dcmread(source)
    ds.PatientName, ds.PatientID = name, "CORRECTED-1"
    ds.save_as(target)
    return target


def test_other_bytes_under_a_stored_uid_are_kept_apart_and_reported_as_themselves(corpus, store, tmp_path):
    first = ingest_paths([corpus / "CT_small.dcm"], store).instances[0]
    corrected = _renamed(corpus / "CT_small.dcm", tmp_path / "corrected.dcm", "Corrected^Name")
    second = ingest_paths([corrected], store).instances[0]
    assert second.instance["SOPInstanceUID"] == first.instance["SOPInstanceUID"]
    assert second.storage_key != first.storage_key
    assert second.patient["PatientName"] == "Corrected^Name"
    assert store.path_of(second.storage_key).read_bytes() == corrected.read_bytes()
    assert store.path_of(first.storage_key).read_bytes() == (corpus / "CT_small.dcm").read_bytes()
    # the corrected file once more: found under its own key, not stored a third time
    assert ingest_paths([corrected], store).instances[0].storage_key == second.storage_key
    assert len(_stored_files(store)) == 2


def test_other_transfer_syntax_of_a_stored_uid_is_served_as_sent(corpus, store):
    first = ingest_paths([corpus / "MR_small.dcm"], store).instances[0]
    second = ingest_paths([corpus / "MR_small_bigendian.dcm"], store).instances[0]
    assert second.storage_key != first.storage_key
    assert store.path_of(second.storage_key).read_bytes() == (corpus / "MR_small_bigendian.dcm").read_bytes()


def test_two_different_files_with_one_uid_in_one_upload_keep_the_first_and_say_why(corpus, store, tmp_path):
    corrected = _renamed(corpus / "CT_small.dcm", tmp_path / "corrected.dcm", "Other^Patient")
    report = ingest_paths([corpus / "CT_small.dcm", corrected], store)
    assert [i.patient["PatientName"] for i in report.instances] == ["CompressedSamples^CT1"]
    assert [(r.source_name, r.reason) for r in report.rejected] == [(str(corrected), SAME_UID_OTHER_FILE)]
    assert len(_stored_files(store)) == 1
