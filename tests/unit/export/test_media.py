"""The DICOM media zip: original files, a DICOMDIR that readers accept, README and checksums."""

from __future__ import annotations

import dataclasses
import io
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.fileset import FileSet

from iep_app.dicom.export import build_dicom_media
from iep_app.dicom.ziplayout import ZipLayout
from tests.unit.export.conftest import MEDIA_ARGS

FILE_ID = re.compile(r"DICOM/P\d{7}/S\d{7}/S\d{7}/I\d{7}")
needs_dcmtk = pytest.mark.skipif(shutil.which("dcmdump") is None, reason="DCMTK is not installed")


def test_total_length_is_the_number_of_bytes_produced(media: ZipLayout, media_bytes: bytes):
    assert len(media_bytes) == media.total_length


def test_every_original_file_is_in_the_zip_byte_for_byte(items, media_bytes):
    archive = zipfile.ZipFile(io.BytesIO(media_bytes))
    assert archive.testzip() is None
    contents = {archive.read(n) for n in archive.namelist() if n.startswith("DICOM/")}
    assert contents == {item.path.read_bytes() for item in items}
    assert len(contents) == len(items)


def test_layout_is_dicomdir_readme_files_and_manifest_with_iso9660_names(items, media_bytes):
    names = zipfile.ZipFile(io.BytesIO(media_bytes)).namelist()
    assert names[:2] == ["DICOMDIR", "README.TXT"] and names[-1] == "SHA256SUM.TXT"
    assert all(FILE_ID.fullmatch(n) for n in names[2:-1])
    assert len(names) == len(items) + 3


def test_entries_are_stored_with_the_transaction_time(media_bytes):
    for info in zipfile.ZipFile(io.BytesIO(media_bytes)).infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (2025, 3, 14, 9, 26, 52)  # DOS time has 2-second steps


def test_filesets_dicomdir_lists_every_instance_at_its_path(items, extracted: Path):
    fileset = FileSet(extracted / "DICOMDIR")
    by_uid = {item.sop_instance_uid: item for item in items}
    found = {}
    for instance in fileset:
        found[instance.SOPInstanceUID] = Path(instance.path).read_bytes()
    assert found.keys() == by_uid.keys()
    assert all(data == by_uid[uid].path.read_bytes() for uid, data in found.items())


def test_dicomdir_records_follow_patient_study_series_and_instance_order(extracted: Path):
    fileset = FileSet(extracted / "DICOMDIR")
    mr700 = [i for i in fileset if i.SeriesInstanceUID.endswith(".18148.0.118")]
    assert [int(i.InstanceNumber) for i in mr700] == [1, 2, 3, 4, 5, 6, 7]
    kinds = {i.SOPInstanceUID[-6:]: i.node.record_type for i in fileset}
    assert sorted(set(kinds.values())) == [
        "ENCAP DOC", "IMAGE", "RT DOSE", "RT PLAN", "SR DOCUMENT", "WAVEFORM",
    ]  # fmt: skip


def test_dicomdir_records_carry_the_keys_their_types_require(extracted: Path):
    ds = dcmread(extracted / "DICOMDIR")
    records = {r.DirectoryRecordType: r for r in ds.DirectoryRecordSequence}
    assert records["ENCAP DOC"].MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert records["ENCAP DOC"].DocumentTitle == "Radiology report"
    assert records["RT PLAN"].RTPlanLabel == "Plan1"
    assert records["SR DOCUMENT"].CompletionFlag == "COMPLETE"
    assert records["STUDY"].StudyTime and "StudyID" in records["STUDY"]
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"


def test_non_ascii_names_are_written_in_utf8_and_read_back(items):
    renamed = [dataclasses.replace(i, patient_name="Müller^Jürgen") for i in items[:4]]
    layout = build_dicom_media(renamed, **MEDIA_ARGS)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(layout.iter_range())))
    dicomdir = dcmread(io.BytesIO(archive.read("DICOMDIR")))
    patient = dicomdir.DirectoryRecordSequence[0]
    assert patient.SpecificCharacterSet == "ISO_IR 192"
    assert str(patient.PatientName) == "Müller^Jürgen"


def test_manifest_checks_with_sha256sum(extracted: Path):
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUM.TXT"],
        cwd=extracted, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    listed = (extracted / "SHA256SUM.TXT").read_text().splitlines()
    files = [p for p in extracted.rglob("*") if p.is_file() and p.name != "SHA256SUM.TXT"]
    assert len(listed) == len(files)


def test_readme_says_who_sent_what_and_when(extracted: Path):
    readme = (extracted / "README.TXT").read_bytes().decode("utf-8")
    assert "Hôpital Test" in readme and "TX-2025-0042" in readme
    assert "Sent: 14/03/2025 09:26 UTC" in readme
    assert "39 DICOM files" in readme and "\r\n" in readme
    assert "CompressedSamples" not in readme  # no patient name


def test_the_same_items_in_any_order_give_the_same_bytes(items, media: ZipLayout, media_bytes):
    shuffled = random.Random(7).sample(items, len(items))
    again = build_dicom_media(shuffled, **MEDIA_ARGS)
    assert again.etag == media.etag
    assert b"".join(again.iter_range()) == media_bytes


def test_one_series_gives_a_valid_media_of_that_series(items, tmp_path: Path):
    series_uid = next(i.series_instance_uid for i in items if i.series_number == "700")
    one_series = [i for i in items if i.series_instance_uid == series_uid]
    layout = build_dicom_media(one_series, **MEDIA_ARGS)
    zipfile.ZipFile(io.BytesIO(b"".join(layout.iter_range()))).extractall(tmp_path)
    assert len(list(FileSet(tmp_path / "DICOMDIR"))) == 7


def test_nothing_to_export_and_duplicate_instances_are_refused(items):
    with pytest.raises(ValueError, match="nothing"):
        build_dicom_media([], **MEDIA_ARGS)
    with pytest.raises(ValueError, match="twice"):
        build_dicom_media([items[0], items[0]], **MEDIA_ARGS)


def test_malformed_digests_are_refused(items):
    with pytest.raises(ValueError, match="sha256"):
        dataclasses.replace(items[0], sha256="ABC")
    with pytest.raises(ValueError, match="kind"):
        dataclasses.replace(items[0], kind="movie")


@needs_dcmtk
def test_dcmdump_reads_the_dicomdir(extracted: Path):
    result = subprocess.run(
        ["dcmdump", "-q", "DICOMDIR"], cwd=extracted, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"Directory Record" IMAGE') == 34
    assert result.stderr == ""


@needs_dcmtk
def test_dcmgpdir_updating_the_dicomdir_finds_every_file_already_recorded(extracted: Path):
    # In update mode DCMTK matches each file against the existing records and adds a record
    # for any file or attribute it finds missing or inconsistent: no record may be added.
    before = dcmread(extracted / "DICOMDIR").DirectoryRecordSequence
    result = subprocess.run(
        ["dcmgpdir", "+U", "+I", "-Nxc", "-nb", "--recurse", "DICOM"],
        cwd=extracted, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "E:" not in result.stderr
    after = dcmread(extracted / "DICOMDIR").DirectoryRecordSequence
    assert [r.DirectoryRecordType for r in after] == [r.DirectoryRecordType for r in before]
