"""The zip layout: any byte range on demand, Zip64 when sizes, offsets or counts need it."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from iep_app.dicom.export import build_dicom_media
from iep_app.dicom.ziplayout import (
    FileBody,
    SourceChanged,
    ZipLayout,
    ZipMember,
    build_layout,
    iter_zip,
)
from tests.unit.export.conftest import MEDIA_ARGS

MODIFIED = datetime(2025, 1, 2, 3, 4, 6, tzinfo=UTC)


class LayoutFile(io.RawIOBase):
    """A read-only, seekable file over a layout that fetches only the bytes read."""

    def __init__(self, layout: ZipLayout) -> None:
        self._layout, self._position = layout, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position}.get(whence)
        self._position = (self._layout.total_length if base is None else base) + offset
        return self._position

    def readinto(self, buffer) -> int:
        end = min(self._position + len(buffer), self._layout.total_length) - 1
        if end < self._position:
            return 0
        data = b"".join(self._layout.iter_range(self._position, end))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def _boundaries(media_bytes: bytes) -> list[int]:
    points = {0, len(media_bytes) - 1}
    for info in zipfile.ZipFile(io.BytesIO(media_bytes)).infolist():
        points |= {info.header_offset, info.header_offset + 30 + len(info.filename)}
        points.add(info.header_offset + 30 + len(info.filename) + info.file_size)
    return sorted(p + d for p in points for d in (-1, 0, 1) if 0 <= p + d < len(media_bytes))


def test_every_range_is_the_same_slice_of_the_whole(media: ZipLayout, media_bytes: bytes):
    points = _boundaries(media_bytes)
    rng = random.Random(3)
    ranges = [(a, b) for a, b in zip(points, points[1:], strict=False)]
    ranges += [(p, p) for p in points] + [(0, media.total_length - 1)]
    for _ in range(50):
        low, high = sorted(rng.sample(range(media.total_length), 2))
        ranges.append((low, high))
    for start, end in ranges:
        assert b"".join(media.iter_range(start, end)) == media_bytes[start : end + 1]


def test_small_chunks_give_the_same_bytes_and_bounded_chunks(media: ZipLayout, media_bytes):
    chunks = list(media.iter_range(10, 50_000, chunk_size=4096))
    assert b"".join(chunks) == media_bytes[10:50_001]
    assert max(len(c) for c in chunks) < 2 * 4096


def test_ranges_outside_the_archive_are_refused(media: ZipLayout):
    for start, end in [(-1, 5), (5, 4), (0, media.total_length)]:
        with pytest.raises(ValueError):
            list(media.iter_range(start, end))


def test_zip64_records_open_with_zipfile_and_unzip(items, tmp_path: Path):
    layout = build_dicom_media(items, **MEDIA_ARGS, zip64_threshold=2000)
    data = b"".join(layout.iter_range())
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert {archive.read(n) for n in archive.namelist() if n.startswith("DICOM/")} == {
        i.path.read_bytes() for i in items
    }
    if shutil.which("unzip"):
        (tmp_path / "media.zip").write_bytes(data)
        result = subprocess.run(["unzip", "-tq", tmp_path / "media.zip"], capture_output=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_more_than_65535_entries_use_zip64_end_records(tmp_path: Path):
    members = [ZipMember.from_bytes(f"F/{n:06d}", b"%d" % n) for n in range(70_000)]
    layout = build_layout(members, modified=MODIFIED)
    path = tmp_path / "many.zip"
    with path.open("wb") as out:
        for chunk in layout.iter_range():
            out.write(chunk)
    archive = zipfile.ZipFile(path)
    assert len(archive.infolist()) == 70_000
    assert archive.read("F/069999") == b"69999"
    if shutil.which("unzip"):
        result = subprocess.run(["unzip", "-tq", path], capture_output=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_offsets_beyond_4_gib_use_zip64_without_reading_the_big_file(tmp_path: Path):
    big = tmp_path / "big"
    with big.open("wb") as handle:
        handle.truncate(4_500_000_000)  # sparse: costs no disk and is never read below
    members = [
        ZipMember("big", FileBody(big, 4_500_000_000, "0" * 64), 0),
        ZipMember.from_bytes("after", b"beyond four gibibytes"),
    ]
    layout = build_layout(members, modified=MODIFIED)
    archive = zipfile.ZipFile(io.BufferedReader(LayoutFile(layout)))
    infos = {info.filename: info for info in archive.infolist()}
    assert infos["big"].file_size == 4_500_000_000
    assert infos["after"].header_offset > 0xFFFFFFFF
    assert archive.read("after") == b"beyond four gibibytes"


def test_a_file_that_changed_size_stops_the_stream(items, tmp_path: Path):
    copy = tmp_path / "copy.dcm"
    shutil.copyfile(items[0].path, copy)
    member = ZipMember("a", FileBody(copy, items[0].size, items[0].sha256), items[0].crc32)
    layout = build_layout([member], modified=MODIFIED)
    os.truncate(copy, items[0].size - 10)
    with pytest.raises(SourceChanged):
        list(layout.iter_range())


def test_etag_changes_with_content_and_not_with_paths(items, tmp_path: Path):
    copy = tmp_path / "copy.dcm"
    shutil.copyfile(items[0].path, copy)
    item = items[0]

    def etag(path: Path, digest: str) -> str:
        body = FileBody(path, item.size, digest)
        return build_layout([ZipMember("a", body, item.crc32)], modified=MODIFIED).etag

    assert etag(item.path, item.sha256) == etag(copy, item.sha256)
    assert etag(item.path, item.sha256) != etag(item.path, "f" * 64)


def test_streamed_zip_of_unknown_length_opens(tmp_path: Path):
    members = [("a.txt", b"alpha"), ("dossier/é.txt", "é".encode()), ("empty", b"")]
    data = b"".join(iter_zip(iter(members), modified=MODIFIED))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert [(n, archive.read(n)) for n in archive.namelist()] == members
    assert archive.getinfo("dossier/é.txt").flag_bits & 0x800
