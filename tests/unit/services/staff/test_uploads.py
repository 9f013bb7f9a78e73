"""Staff uploads: the private staging folder, streamed chunks, limits, ingest and its summary."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from pydicom.data import get_testdata_file

from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.models import utcnow
from iep_app.services.staff import uploads
from iep_app.services.staff.uploads import StagingWriter, UploadRefused


def _stream(writer: StagingWriter, name: str, data: bytes, chunk: int = 1000) -> None:
    for offset in range(0, max(len(data), 1), chunk):
        writer.write(name, offset, data[offset : offset + chunk])


def test_a_new_upload_is_a_private_folder_under_the_data_dir(settings):
    upload_id = uploads.new_upload(settings.data_dir)
    folder = uploads.folder_of(settings.data_dir, upload_id)
    assert folder.parent == settings.data_dir / "staging"
    assert oct(folder.parent.stat().st_mode & 0o777) == "0o700"
    assert "uploaded_files" not in str(folder)


@pytest.mark.parametrize("forged", ["", "../store", "a" * 10, "..%2f..", "x/y" * 10])
def test_forged_upload_ids_name_nothing(settings, forged):
    with pytest.raises(UploadRefused):
        uploads.folder_of(settings.data_dir, forged)


def test_chunks_rebuild_files_in_their_folders(settings):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    writer = StagingWriter(folder)
    _stream(writer, "study/a.dcm", b"A" * 2500)
    _stream(writer, "study/sub/b.dcm", b"B" * 10)
    writer.close()
    assert (folder / "files/study/a.dcm").read_bytes() == b"A" * 2500
    assert (folder / "files/study/sub/b.dcm").read_bytes() == b"B" * 10


def test_two_files_with_one_name_are_both_kept(settings):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    writer = StagingWriter(folder)
    _stream(writer, "IM0001", b"first file, longer")
    _stream(writer, "IM0001", b"second")
    writer.close()
    assert (folder / "files/IM0001").read_bytes() == b"first file, longer"
    assert (folder / "files/IM0001~1").read_bytes() == b"second"


@pytest.mark.parametrize("name", ["../escape.dcm", "a/../../x", "", "/", "C:/x", "a\x00b"])
def test_names_that_leave_the_folder_are_refused(settings, name):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    with pytest.raises(UploadRefused):
        StagingWriter(folder).write(name, 0, b"x")
    assert not (settings.data_dir / "escape.dcm").exists()


def test_limits_are_enforced_as_bytes_arrive(settings, monkeypatch):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 5000)
    writer = StagingWriter(folder)
    with pytest.raises(UploadRefused, match="admin.send.refused.too_large"):
        _stream(writer, "big", b"x" * 6000)
    monkeypatch.setattr(uploads, "MAX_FILES", 2)
    writer = StagingWriter(folder)
    writer.write("1", 0, b"")
    writer.write("2", 0, b"")
    with pytest.raises(UploadRefused, match="admin.send.refused.too_many_files"):
        writer.write("3", 0, b"")
    with pytest.raises(UploadRefused, match="admin.send.refused.chunk_out_of_order"):
        StagingWriter(folder).write("late", 100, b"x")


def test_ingest_reports_series_rejects_and_keeps_only_the_report(settings, tmp_path):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    writer = StagingWriter(folder)
    for path in make_ct_series(tmp_path / "ct", slices=5, size=64):
        _stream(writer, f"ct/{path.name}", path.read_bytes(), chunk=4096)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.write(get_testdata_file("MR_small.dcm"), "mr/MR_small.dcm")
    _stream(writer, "more.zip", archive.getvalue())
    _stream(writer, "notes.txt", b"not an image")
    writer.close()
    report = uploads.ingest(folder, FileStore(settings.store_dir))
    assert not (folder / "files").exists()
    assert [r.source_name for r in report.rejected] == ["notes.txt"]
    again = uploads.load_report(folder)
    assert again == report
    summary = uploads.summarise(report)
    assert sorted((s.modality, s.instances) for s in summary.series) == [("CT", 5), ("MR", 1)]
    assert summary.images == 6 and len(summary.studies) == 2
    assert summary.mismatch and len(summary.patients) == 2
    ct = next(s for s in summary.series if s.modality == "CT")
    assert FileStore(settings.store_dir).contains(ct.storage_key)


def test_one_patient_is_no_mismatch(settings, tmp_path):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    writer = StagingWriter(folder)
    for path in make_ct_series(tmp_path / "ct", slices=3, size=32):
        _stream(writer, path.name, path.read_bytes(), chunk=1 << 20)
    writer.close()
    summary = uploads.summarise(uploads.ingest(folder, FileStore(settings.store_dir)))
    assert not summary.mismatch and summary.patients[0].name == "DEMO^PATIENT"


def test_a_report_is_needed_before_sending(settings):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    with pytest.raises(UploadRefused):
        uploads.load_report(folder)


def test_stale_staging_folders_are_removed(settings):
    old = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    fresh = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    os.utime(old, (0, 0))
    assert uploads.remove_stale(settings.data_dir, now=utcnow()) == 1
    assert not old.exists() and fresh.exists()
