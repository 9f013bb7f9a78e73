"""Hostile files in an upload (truncated, wrong VR, huge lengths, bombs, zip slip, links, empty, not
DICOM) are refused with a reason a person understands; the good files beside them are kept, nothing
is written outside the store, and memory stays bounded."""

from __future__ import annotations

import os
import resource
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pydicom
import pytest

from iep_app.dicom import deflate
from iep_app.dicom import ingest as ingest_module
from iep_app.dicom.index import TOO_LARGE_INFLATED, TRUNCATED
from iep_app.dicom.ingest import (
    DAMAGED_ENTRY,
    EMPTY_FILE,
    ESCAPING_ENTRY,
    MAX_ARCHIVE_MEMBERS,
    MISSING_REFERENCED,
    NOT_A_REGULAR_FILE,
    IngestReport,
    ingest_paths,
)
from iep_app.dicom.render import RenderError, render_frame
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.services.staff import uploads
from iep_app.services.staff.uploads import StagingWriter, UploadRefused
from tests.unit.dicom.test_deflate import _deflate_bomb

CORPUS = Path(pydicom.__file__).parent / "data" / "test_files"
NOT_DICOM = "This file is not a DICOM file."
BOMB_BYTES = 128 * 1024**2


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "store")


def _patched(data: bytes, marker: bytes, at: int, replacement: bytes) -> bytes:
    """The bytes with those after the first ``marker`` (at ``at`` past it) replaced."""
    start = data.index(marker) + at
    return data[:start] + replacement + data[start + len(replacement) :]


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, the reason ingest must give), each a different way for a file to be bad."""
    ct = (CORPUS / "CT_small.dcm").read_bytes()  # explicit VR little endian
    pixel_header = b"\xe0\x7f\x10\x00OW"
    return {
        "empty.dcm": (b"", EMPTY_FILE),
        "letter.dcm": (b"Dear colleague,\nplease find the images attached.\n", NOT_DICOM),
        "cut_in_pixels.dcm": (ct[: len(ct) // 2], TRUNCATED),
        "cut_in_a_header.dcm": (ct[: ct.index(pixel_header) + 4], TRUNCATED),
        "meta_only.dcm": (ct[:200], TRUNCATED),
        # the VR of Patient's Name replaced by two bytes no VR has
        "wrong_vr.dcm": (_patched(ct, b"\x10\x00\x10\x00PN", 4, b"\x01\x02"), TRUNCATED),
        # pixel data declaring ~4 GiB, and a short text element declaring 65,535 bytes
        "huge_pixel_length.dcm": (_patched(ct, pixel_header, 8, b"\xf0\xff\xff\xff"), TRUNCATED),
        "huge_text_length.dcm": (_patched(ct, b"\x10\x00\x20\x00LO", 6, b"\xff\xff"), TRUNCATED),
    }


def _good_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "ct.dcm", folder / "mr.dcm"]
    files[0].write_bytes((CORPUS / "CT_small.dcm").read_bytes())
    files[1].write_bytes((CORPUS / "MR_small.dcm").read_bytes())
    return files + make_ct_series(folder / "series", slices=2, size=32)


def _lying_zip(path: Path, name: str, inflated: int, declared: int) -> Path:
    """A zip whose member inflates to ``inflated`` bytes but whose headers declare ``declared``."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros, body = bytes(1024**2), bytearray()
    for _ in range(inflated // len(zeros)):
        body += packer.compress(zeros)
    body += packer.flush()
    crc = zlib.crc32(bytes(declared))  # right for what a reader stopping at the declared size sees
    sizes = struct.pack("<III", crc, len(body), declared)
    encoded = name.encode()
    local = (
        b"PK\x03\x04" + struct.pack("<HHHHH", 20, 0, 8, 0, 0) + sizes + struct.pack("<HH", len(encoded), 0)
    )
    central = (
        b"PK\x01\x02"
        + struct.pack("<HHHHHH", 20, 20, 0, 8, 0, 0)
        + sizes
        + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, 0)
        + encoded
    )
    records = local + encoded + bytes(body)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(records), 0)
    path.write_bytes(records + central + end)
    return path


def _tree(root: Path, *skip: Path) -> dict[str, int]:
    """Every file under root, outside the folders to skip, with its size (links not followed)."""
    found = {}
    for folder, _, files in os.walk(root):
        if any(Path(folder).is_relative_to(s) for s in skip):
            continue
        for name in files:
            path = Path(folder) / name
            found[str(path)] = path.lstat().st_size
    return found


def _ingest_measured(path: Path, store: FileStore) -> tuple[IngestReport, int]:
    """Ingest one path; the report and the peak of Python memory allocated meanwhile."""
    tracemalloc.start()
    try:
        return ingest_paths([path], store), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _reasons(report: IngestReport, prefix: str) -> dict[str, str]:
    return {r.source_name.removeprefix(prefix): r.reason for r in report.rejected}


def _assert_good_files_kept(report: IngestReport, store: FileStore, good: int) -> None:
    assert len(report.instances) == good
    for instance in report.instances:
        assert store.contains(instance.storage_key)
        assert instance.instance["SOPInstanceUID"] and instance.study["StudyInstanceUID"]
    assert list(store.root.joinpath("tmp").iterdir()) == []  # nothing staged is left behind


def _assert_written_for_people(report: IngestReport) -> None:
    for rejected in report.rejected:
        reason = rejected.reason
        assert reason[0].isupper() and reason.endswith(".")
        assert not any(word in reason for word in ("Error", "Exception", "Traceback", "errno", "0x"))


def test_a_folder_of_hostile_files_keeps_the_good_ones_and_says_why_for_the_rest(
    store, tmp_path, monkeypatch
):
    monkeypatch.setattr(deflate, "MAX_INFLATED_BYTES", 16 * 1024**2)  # a bomb past it is quicker to make
    upload = tmp_path / "upload"
    good = _good_files(upload)
    cases = hostile_files()
    for name, (data, _) in cases.items():
        (upload / "bad" / name).parent.mkdir(parents=True, exist_ok=True)
        (upload / "bad" / name).write_bytes(data)
    _deflate_bomb(upload / "bad" / "deflate_bomb.dcm", BOMB_BYTES)
    before = _tree(tmp_path, store.root)

    report, peak = _ingest_measured(upload, store)

    _assert_good_files_kept(report, store, len(good))
    expected = {f"bad/{name}": reason for name, (_, reason) in cases.items()}
    expected["bad/deflate_bomb.dcm"] = TOO_LARGE_INFLATED
    assert _reasons(report, f"{upload}/") == expected
    _assert_written_for_people(report)
    assert _tree(tmp_path, store.root) == before
    assert peak < 48 * 1024**2


def test_a_zip_of_hostile_files_keeps_the_good_ones_and_says_why_for_the_rest(store, tmp_path):
    good = _good_files(tmp_path / "good")
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in good:
            out.write(path, f"study/{path.name}")
        for name, (data, _) in hostile_files().items():
            out.writestr(f"bad/{name}", data)
        for name in ("../../../escaped.dcm", "/etc/cron.d/escaped", "C:\\escaped.dcm", "a/../../escaped.dcm"):
            out.writestr(name, (CORPUS / "rtplan.dcm").read_bytes())
        out.writestr("bad/packed.dcm", (CORPUS / "rtdose.dcm").read_bytes(), compress_type=zipfile.ZIP_BZIP2)
        out.writestr(
            "bad/nested.zip", archive.read_bytes() if archive.exists() else b"PK\x05\x06" + bytes(18)
        )
    before = _tree(tmp_path, store.root)

    report = ingest_paths([archive], store)

    _assert_good_files_kept(report, store, len(good))
    expected = {f"bad/{name}": reason for name, (_, reason) in hostile_files().items()}
    expected |= dict.fromkeys(
        ("../../../escaped.dcm", "/etc/cron.d/escaped", "C:\\escaped.dcm", "a/../../escaped.dcm"),
        ESCAPING_ENTRY,
    )
    expected |= {"bad/packed.dcm": DAMAGED_ENTRY, "bad/nested.zip": NOT_DICOM}
    assert _reasons(report, f"{archive}:") == expected
    _assert_written_for_people(report)
    assert _tree(tmp_path, store.root) == before
    assert not Path("/etc/cron.d/escaped").exists()


def test_a_zip_member_that_inflates_past_its_declared_size_is_read_only_that_far(store, tmp_path):
    # The headers say 1 KiB, the data inflates to 128 MiB: zipfile's read() inflated it all
    # in one step (300 MiB of memory was seen) before cutting to the declared size.
    bomb = _lying_zip(tmp_path / "bomb.zip", "ct.dcm", BOMB_BYTES, 1024)
    assert bomb.stat().st_size < 200 * 1024
    report, peak = _ingest_measured(bomb, store)
    assert report.instances == []
    assert report.rejected[0].reason in (NOT_DICOM, DAMAGED_ENTRY)
    assert peak < 8 * 1024**2


@pytest.mark.parametrize("packing", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_refused_unread(store, tmp_path, packing):
    # zipfile inflates these with no cap per step: 354 bytes of bzip2 became 300 MiB at once
    archive = tmp_path / "packed.zip"
    with zipfile.ZipFile(archive, "w", packing) as out:
        out.writestr("ct.dcm", (CORPUS / "CT_small.dcm").read_bytes())
    report = ingest_paths([archive], store)
    assert report.instances == [] and [r.reason for r in report.rejected] == [DAMAGED_ENTRY]


def test_a_zip_of_100000_tiny_members_is_refused_before_ingest(store, tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        for i in range(100_000):
            out.writestr(str(i), b"x")
    report = ingest_paths([archive], store)
    assert report.instances == []
    assert [r.reason for r in report.rejected] == [
        f"This archive holds more than {MAX_ARCHIVE_MEMBERS:,} files and was not opened."
    ]


def test_a_zip_whose_directory_is_too_large_is_refused_before_it_is_parsed(store, tmp_path, monkeypatch):
    archive = tmp_path / "long_names.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        for i in range(13_000):
            out.writestr(f"{i:01000d}", b"x")  # 13 MB of names
    parsed: list[tuple] = []
    monkeypatch.setattr(ingest_module.zipfile, "ZipFile", lambda *a, **k: parsed.append(a))
    report = ingest_paths([archive], store)
    assert parsed == [] and "more than" in report.rejected[0].reason


def test_links_and_special_files_in_a_folder_are_not_followed(store, tmp_path):
    upload = tmp_path / "upload"
    good = _good_files(upload)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "other_patient.dcm").write_bytes((CORPUS / "rtplan.dcm").read_bytes())
    os.symlink("/etc/passwd", upload / "passwd.dcm")
    os.symlink(outside / "other_patient.dcm", upload / "other_patient.dcm")
    os.symlink(outside, upload / "elsewhere")
    os.mkfifo(upload / "pipe.dcm")  # opening it plainly would wait forever

    report = ingest_paths([upload], store)

    _assert_good_files_kept(report, store, len(good))
    assert _reasons(report, f"{upload}/") == dict.fromkeys(
        ("passwd.dcm", "other_patient.dcm", "elsewhere", "pipe.dcm"), NOT_A_REGULAR_FILE
    )


def test_a_dicomdir_that_lists_itself_is_not_read_again(store, tmp_path):
    # Each reading of it read it again, a thousand deep (8 s), until Python's recursion limit.
    media = tmp_path / "media"
    media.mkdir()
    ds = pydicom.dcmread(CORPUS / "dicomdirtests" / "DICOMDIR")
    record = ds.DirectoryRecordSequence[0]
    record.ReferencedFileID = "DICOMDIR"
    ds.DirectoryRecordSequence = [record]
    ds.save_as(media / "DICOMDIR")
    report = ingest_paths([media], store)
    assert report.instances == [] and report.rejected == []


def _staged(data_dir: Path, files: dict[str, bytes]) -> Path:
    folder = uploads.folder_of(data_dir, uploads.new_upload(data_dir))
    writer = StagingWriter(folder)
    for name, data in files.items():
        writer.write(name, 0, data)
    writer.close()
    return folder


@pytest.mark.parametrize(
    "name", ["../../outside.dcm", "a/../../outside.dcm", "C:\\outside.dcm", "x\x00.dcm", ".."]
)
def test_staff_upload_names_that_leave_the_folder_are_refused(settings, name):
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    before = _tree(settings.data_dir.parent, folder)
    with pytest.raises(UploadRefused):
        StagingWriter(folder).write(name, 0, b"DICM")
    assert _tree(settings.data_dir.parent, folder) == before
    assert list(folder.rglob("*")) == [folder / "files"]


def test_staff_upload_absolute_names_stay_inside_the_folder(settings):
    folder = _staged(settings.data_dir, {"/etc/passwd": b"not DICOM", "\\\\server\\share\\x.dcm": b"x"})
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "files/etc/passwd",
        "files/server/share/x.dcm",
    ]


def test_staff_upload_chunks_with_a_gap_are_refused(settings):
    # Seeking far past the end made a sparse file of any size from a few bytes sent: the
    # byte limit never saw it, and ingest copied every (zero) byte of it into the store.
    folder = uploads.folder_of(settings.data_dir, uploads.new_upload(settings.data_dir))
    writer = StagingWriter(folder)
    writer.write("ct.dcm", 0, b"x")
    with pytest.raises(UploadRefused):
        writer.write("ct.dcm", 10**15, b"y")
    writer.close()
    assert (folder / "files" / "ct.dcm").stat().st_size == 1


def test_a_staff_upload_with_a_hostile_zip_keeps_the_good_files(settings, store, tmp_path):
    good = _good_files(tmp_path / "good")
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("../../../../staging_escape.dcm", (CORPUS / "rtplan.dcm").read_bytes())
        for path in good:
            out.write(path, path.name)
    folder = _staged(settings.data_dir, {"study.zip": archive.read_bytes(), "empty.dcm": b""})
    before = _tree(tmp_path, folder.parent, store.root)

    report = uploads.ingest(folder, store)

    _assert_good_files_kept(report, store, len(good))
    assert _reasons(report, "") == {
        "study.zip:../../../../staging_escape.dcm": ESCAPING_ENTRY,
        "empty.dcm": EMPTY_FILE,
    }
    assert _tree(tmp_path, folder.parent, store.root) == before
    assert list(folder.rglob("*")) == [folder / "report.json"]


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("A\x00B", MISSING_REFERENCED),  # raised ValueError (embedded null byte) out of ingest
        ("X" * 5000, MISSING_REFERENCED),  # raised OSError (file name too long) out of ingest
        (["..", "outside.dcm"], ESCAPING_ENTRY),
        (["/", "etc", "passwd"], ESCAPING_ENTRY),
    ],
)
def test_a_dicomdir_naming_impossible_or_outside_files_is_refused_per_record(
    store, tmp_path, reference, reason
):
    media = tmp_path / "media"
    media.mkdir()
    ds = pydicom.dcmread(CORPUS / "dicomdirtests" / "DICOMDIR")
    bad, good = ds.DirectoryRecordSequence[-1], ds.DirectoryRecordSequence[-2]
    (media / "good.dcm").write_bytes((CORPUS / "CT_small.dcm").read_bytes())
    good.ReferencedFileID = "good.dcm"
    bad.ReferencedFileID = reference
    ds.DirectoryRecordSequence = [bad, good]
    ds.save_as(media / "DICOMDIR")
    report = ingest_paths([media], store)
    assert len(report.instances) == 1
    assert [r.reason for r in report.rejected] == [reason]


@pytest.mark.parametrize(
    ("name", "rows", "columns"),
    [
        ("MR_small_RLE.dcm", 65535, 65535),  # took 8 GB and 40 s before failing
        ("SC_rgb_rle_2frame.dcm", 65535, 65535),  # took 12 GB
        ("MR_small_jpeg_ls_lossless.dcm", 128, 128),  # gdcm aborted the process (C++ assertion)
        ("MR_small_jp2klossless.dcm", 128, 128),
    ],
)
def test_rows_and_columns_beyond_the_pixel_data_are_refused_before_decoding(tmp_path, name, rows, columns):
    ds = pydicom.dcmread(CORPUS / name)
    ds.Rows, ds.Columns = rows, columns
    ds.save_as(tmp_path / name)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(RenderError):
        render_frame(tmp_path / name)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 256 * 1024  # kilobytes


def test_a_jpeg_codestream_declaring_its_own_size_is_rendered(tmp_path):
    assert render_frame(CORPUS / "MR_small_jpeg_ls_lossless.dcm")[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("MR_small_implicit.dcm", {"Rows": 0}),  # numpy: cannot reshape array of size 0
        ("MR_small_implicit.dcm", {"Columns": 0}),  # Pillow: cannot write empty image
        ("SC_rgb_rle_2frame.dcm", {"PixelRepresentation": 1}),  # Pillow: cannot handle signed RGB
    ],
)
def test_header_values_no_image_can_have_fail_to_render_with_a_reason(tmp_path, name, changes):
    # Found by a fuzz of header values (Rows, Columns, Bits Allocated, Pixel Representation, ...)
    ds = pydicom.dcmread(CORPUS / name)
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    ds.save_as(tmp_path / name)
    try:
        render_frame(tmp_path / name)
    except RenderError as error:
        assert str(error).endswith(".")
