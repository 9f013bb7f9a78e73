"""STORED zip archives as byte layouts: exact length up front, any byte range on demand."""

from __future__ import annotations

import bisect
import hashlib
import os
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CHUNK_SIZE = 1 << 20
_LARGE_PIECE = 64 << 10  # sent without waiting for more
ZIP64_LIMIT = 0xFFFFFFFF  # the largest size or offset a classic zip field holds
_MAX_CLASSIC_ENTRIES = 0xFFFF
_VERSION_CLASSIC = 20
_VERSION_ZIP64 = 45
_MADE_BY_UNIX = 3 << 8
_UTF8_NAME_FLAG = 0x0800
_REGULAR_FILE_0644 = 0o100644 << 16


class SourceChanged(RuntimeError):
    """A file on disk no longer has the size it had when the layout was built."""


@dataclass(frozen=True)
class FileBody:
    """Bytes that stay on disk until they are streamed.

    Attributes:
        path: The file to read.
        size: Its size in bytes when the layout was built.
        digest: An identifier of its content (its SHA-256 in hex); it feeds the ETag.
    """

    path: Path
    size: int
    digest: str


@dataclass(frozen=True)
class ZipMember:
    """One file of an archive: its name, its bytes (in memory or on disk) and their CRC-32."""

    name: str
    body: bytes | FileBody
    crc32: int

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> ZipMember:
        """Return a member for in-memory `data`, computing its CRC-32."""
        return cls(name, data, zlib.crc32(data))

    @property
    def size(self) -> int:
        """The member's size in bytes."""
        return self.body.size if isinstance(self.body, FileBody) else len(self.body)


def dos_date_time(moment: datetime) -> tuple[int, int]:
    """Return the MS-DOS (date, time) words for `moment`'s wall clock, clamped to 1980-2107."""
    year = min(max(moment.year, 1980), 2107)
    date = (year - 1980) << 9 | moment.month << 5 | moment.day
    time = moment.hour << 11 | moment.minute << 5 | moment.second // 2
    return date, time


@dataclass(frozen=True)
class _Entry:
    name: bytes
    flags: int
    crc32: int
    size: int
    offset: int


class ZipEncoder:
    """Encodes the headers of a STORED zip, member after member, tracking offsets.

    Both the fixed layout and the chunked stream use it, so the two write the same records.
    `zip64_threshold` is a parameter so that tests can reach the Zip64 records with small files.
    """

    def __init__(self, *, modified: datetime, zip64_threshold: int = ZIP64_LIMIT) -> None:
        self._date, self._time = dos_date_time(modified)
        self._threshold = zip64_threshold
        self._entries: list[_Entry] = []
        self.offset = 0

    def add(self, name: str, crc32: int, size: int) -> bytes:
        """Record a member and return its local file header; its body must follow it.

        Args:
            name: The path inside the archive, with forward slashes.
            crc32: The CRC-32 of the body.
            size: The body's length in bytes.

        Returns:
            The local file header, to be written just before the body.
        """
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8_NAME_FLAG
        self._entries.append(_Entry(encoded, flags, crc32, size, self.offset))
        # Sizes are known before the body, so no data descriptor is needed.
        if size >= self._threshold:
            extra = struct.pack("<HHQQ", 1, 16, size, size)
            version, stated = _VERSION_ZIP64, ZIP64_LIMIT
        else:
            extra, version, stated = b"", _VERSION_CLASSIC, size
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, version, flags, 0, self._time, self._date,
            crc32, stated, stated, len(encoded), len(extra),
        )  # fmt: skip
        header += encoded + extra
        self.offset += len(header) + size
        return header

    def finish(self) -> bytes:
        """Return the central directory and the end records (Zip64 ones when needed)."""
        directory_offset = self.offset
        directory = b"".join(self._central_header(entry) for entry in self._entries)
        count, size = len(self._entries), len(directory)
        tail = b""
        needs_zip64 = (
            count >= _MAX_CLASSIC_ENTRIES
            or max(size, directory_offset) >= self._threshold
            or any(e.size >= self._threshold or e.offset >= self._threshold for e in self._entries)
        )
        if needs_zip64:
            end64_offset = directory_offset + size
            tail = struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY_UNIX | _VERSION_ZIP64, _VERSION_ZIP64,
                0, 0, count, count, size, directory_offset,
            )  # fmt: skip
            tail += struct.pack("<IIQI", 0x07064B50, 0, end64_offset, 1)
            # Fields that still fit keep their value, for readers that ignore Zip64.
            count = min(count, _MAX_CLASSIC_ENTRIES)
            size, directory_offset = min(size, ZIP64_LIMIT), min(directory_offset, ZIP64_LIMIT)
        tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, directory_offset, 0)
        return directory + tail

    def _central_header(self, entry: _Entry) -> bytes:
        # Only the fields that overflow go into the Zip64 extra, in the order APPNOTE fixes.
        values = []
        stated_size, stated_offset = entry.size, entry.offset
        if entry.size >= self._threshold:
            values += [entry.size, entry.size]
            stated_size = ZIP64_LIMIT
        if entry.offset >= self._threshold:
            values.append(entry.offset)
            stated_offset = ZIP64_LIMIT
        extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
        version = _VERSION_ZIP64 if values else _VERSION_CLASSIC
        header = struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY_UNIX | version, version, entry.flags, 0,
            self._time, self._date, entry.crc32, stated_size, stated_size, len(entry.name),
            len(extra), 0, 0, 0, _REGULAR_FILE_0644, stated_offset,
        )  # fmt: skip
        return header + entry.name + extra


class ZipLayout:
    """An archive as an ordered list of segments: in-memory bytes, or file bodies on disk.

    Nothing is read from disk until `iter_range` runs, and then only the bytes asked for, so
    memory stays bounded by the chunk size whatever the archive's size.
    """

    def __init__(self, segments: Iterable[bytes | FileBody]) -> None:
        """Lay out `segments` one after another (adjacent in-memory ones are joined)."""
        self._segments: list[bytes | FileBody] = []
        run: list[bytes] = []
        for segment in segments:
            if isinstance(segment, bytes):
                run.append(segment)
                continue
            if run:
                self._segments.append(b"".join(run))
                run = []
            self._segments.append(segment)
        if run:
            self._segments.append(b"".join(run))
        self._starts: list[int] = []
        position = 0
        for segment in self._segments:
            self._starts.append(position)
            position += _length(segment)
        self.total_length = position
        self.etag = _etag(self._segments)

    def iter_range(
        self, start: int = 0, end: int | None = None, *, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        """Yield the bytes from `start` to `end` inclusive, in chunks under twice `chunk_size`.

        Args:
            start: The first byte's offset.
            end: The last byte's offset (inclusive); None means the last byte of the archive.
            chunk_size: The largest read from disk; small pieces are gathered up to it.

        Yields:
            Consecutive chunks whose concatenation is exactly the requested range.

        Raises:
            ValueError: If the range is empty or outside the archive.
            SourceChanged: If a file is shorter or longer than it was when laid out.
        """
        end = self.total_length - 1 if end is None else end
        if not 0 <= start <= end < self.total_length:
            raise ValueError(f"range {start}-{end} is outside 0-{self.total_length - 1}")
        # Each chunk costs the server a thread hop and a send, so headers and small files are
        # gathered; a large piece goes out as read, joined only to what waits before it.
        pending: list[bytes] = []
        waiting = 0
        for piece in self._pieces(start, end + 1, chunk_size):
            pending.append(piece)
            waiting += len(piece)
            if len(piece) >= _LARGE_PIECE or waiting >= chunk_size:
                yield piece if len(pending) == 1 else b"".join(pending)
                pending, waiting = [], 0
        if pending:
            yield b"".join(pending)

    def __iter__(self) -> Iterator[bytes]:
        """Yield the whole archive in chunks."""
        return self.iter_range()

    def _pieces(self, start: int, stop: int, chunk_size: int) -> Iterator[bytes]:
        index = bisect.bisect_right(self._starts, start) - 1
        position = start
        while position < stop:
            segment, segment_start = self._segments[index], self._starts[index]
            low = position - segment_start
            high = min(stop - segment_start, _length(segment))
            if high > low:
                if isinstance(segment, FileBody):
                    yield from _read_file(segment, low, high, chunk_size)
                else:
                    for offset in range(low, high, chunk_size):
                        yield segment[offset : min(offset + chunk_size, high)]
                position = segment_start + high
            index += 1


def build_layout(
    members: Sequence[ZipMember], *, modified: datetime, zip64_threshold: int = ZIP64_LIMIT
) -> ZipLayout:
    """Lay out a STORED zip of `members`, in order, without reading any file body.

    Args:
        members: The files of the archive; file bodies carry their size and CRC-32 already.
        modified: The timestamp written for every member: fixed, so the bytes are reproducible.
        zip64_threshold: Sizes and offsets from this value up use Zip64 records.

    Returns:
        The layout, whose `total_length` is known before any byte is produced.
    """
    encoder = ZipEncoder(modified=modified, zip64_threshold=zip64_threshold)
    segments: list[bytes | FileBody] = []
    for member in members:
        segments += [encoder.add(member.name, member.crc32, member.size), member.body]
    segments.append(encoder.finish())
    return ZipLayout(segments)


def iter_zip(members: Iterable[tuple[str, bytes]], *, modified: datetime) -> Iterator[bytes]:
    """Stream a STORED zip of in-memory members whose length is not known in advance.

    Each member is held in memory only while it is written, so memory stays bounded by the
    largest member.

    Args:
        members: (name, data) pairs, produced lazily.
        modified: The timestamp written for every member.

    Yields:
        The archive's bytes, member by member, then the central directory.
    """
    encoder = ZipEncoder(modified=modified)
    for name, data in members:
        yield encoder.add(name, zlib.crc32(data), len(data)) + data
    yield encoder.finish()


def _length(segment: bytes | FileBody) -> int:
    return segment.size if isinstance(segment, FileBody) else len(segment)


def _etag(segments: Sequence[bytes | FileBody]) -> str:
    # A strong validator: the bytes are fully determined by the in-memory segments and the
    # content digests of the files, so equal tags mean equal bytes (needed for If-Range).
    digest = hashlib.sha256()
    for segment in segments:
        if isinstance(segment, FileBody):
            digest.update(b"F%d:%s;" % (segment.size, segment.digest.encode()))
        else:
            digest.update(b"B%d:" % len(segment))
            digest.update(segment)
    return f'"{digest.hexdigest()[:40]}"'


def _read_file(body: FileBody, low: int, high: int, chunk_size: int) -> Iterator[bytes]:
    with open(body.path, "rb", buffering=0) as handle:
        if os.fstat(handle.fileno()).st_size != body.size:
            raise SourceChanged(f"{body.path} is no longer {body.size} bytes long")
        handle.seek(low)
        position = low
        while position < high:
            data = handle.read(min(chunk_size, high - position))
            if not data:
                raise SourceChanged(f"{body.path} ended at byte {position}")
            position += len(data)
            yield data
