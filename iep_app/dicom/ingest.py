"""Ingest DICOM files, folders, zip archives and DICOMDIR media into the file store."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import pydicom

from iep_app.dicom.index import (
    NotIndexable,
    indexed_values,
    is_media_directory,
    kind_of,
    read_header,
)
from iep_app.dicom.scan import scan_header
from iep_app.dicom.store import Digests, FileStore, storage_key_for

# Two workers: copying and hashing release the GIL, so one file is hashed while the next
# header is parsed. Files prepared ahead are bounded so staged files stay few.
INGEST_WORKERS = 2
_PREPARED_AHEAD = 8
# Files up to this size are read whole into memory, one per worker (and one zip member in
# the committing thread): read once, then hashed, indexed and written from the same bytes.
# Larger files are streamed through the store in chunks.
IN_MEMORY_BYTES = 16 * 1024**2
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ESCAPING_ENTRY = "This archive entry points outside its folder and was ignored for safety."
DAMAGED_ENTRY = "This archive entry is damaged, encrypted or packed in an unsupported way."
DAMAGED_FILE = "This DICOM file is damaged and cannot be read."
NOT_A_REGULAR_FILE = "This is a link or a special file, not an ordinary file; it was ignored for safety."
EMPTY_FILE = "This file is empty (0 bytes)."
# An archive of many tiny members costs memory to open (about 600 bytes per member, for
# zipfile's list of them) and time to ingest (about 1 ms each): the budget is the one of a
# staff upload (uploads.MAX_FILES), checked on the archive's own directory before it is parsed.
MAX_ARCHIVE_MEMBERS = 50_000
# Names in real exports are well under 100 characters; a central directory larger than this
# holds more members, or longer names, than any export writes.
MAX_CENTRAL_DIRECTORY_BYTES = MAX_ARCHIVE_MEMBERS * 256
# zipfile inflates bzip2 and LZMA members without a cap on each step's output (a few KB
# became 300 MiB in one read): only stored and deflated members, which every DICOM export
# and operating system writes, are read.
_READABLE_PACKING = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MISSING_REFERENCED = "The DICOMDIR lists this file but it is not on the media."
SAME_UID_OTHER_FILE = (
    "Another file of this upload has the same SOP Instance UID but different content; "
    "only the first was kept. Export the study again from its source."
)


@dataclass(frozen=True)
class IndexedInstance:
    """One stored instance and the header values the portal indexes."""

    patient: dict[str, str]
    study: dict[str, str]
    series: dict[str, str]
    instance: dict[str, str]
    kind: str
    storage_key: str
    size: int
    sha256: str
    crc32: int
    source_name: str


@dataclass(frozen=True)
class RejectedFile:
    """An input that was not stored, and why, in words a person understands."""

    source_name: str
    reason: str


@dataclass
class IngestReport:
    """What one ingest stored and what it turned away."""

    instances: list[IndexedInstance] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)


def ingest_paths(
    paths: Iterable[Path | str], store: FileStore, *, max_archive_bytes: int = 4 * 1024**3
) -> IngestReport:
    """Store every DICOM instance found in files, folders, zip archives and DICOMDIR media.

    Each input goes through a temporary file in the store and is hashed on the way; files
    up to ``IN_MEMORY_BYTES`` are held in memory while prepared, larger ones are streamed,
    so memory stays bounded whatever the size of the input. A file already stored is not
    stored again; different bytes under a stored SOP Instance UID are kept beside the
    stored file, under a key of their own (``FileStore.keep_instance``). Within one ingest
    an instance is listed once, and a second, different file with the same UID is
    rejected. Report order follows input order.

    Args:
        paths: files, folders (walked recursively), .zip archives or DICOMDIR files.
        store: where instances are kept.
        max_archive_bytes: archives larger than this, packed or unpacked, are refused.

    Returns:
        The instances stored or found already stored, and the inputs rejected with reasons.
    """
    with ThreadPoolExecutor(INGEST_WORKERS, thread_name_prefix="ingest") as pool:
        ingest = _Ingest(store, max_archive_bytes, pool)
        for path in paths:
            ingest.add_path(Path(path), str(path))
        ingest.drain()
    return ingest.report


@dataclass(frozen=True)
class _Prepared:
    """A staged file, indexed, waiting to be committed in input order."""

    staged: Path
    digests: Digests
    levels: dict[str, dict[str, str]]
    kind: str
    source_name: str


@dataclass(frozen=True)
class _Archive:
    """A zip archive met in a worker, opened later in input order."""

    path: Path
    name: str


# None: a DICOMDIR, neither stored nor rejected
_Outcome = _Prepared | RejectedFile | _Archive | None


class _Ingest:
    def __init__(self, store: FileStore, max_archive_bytes: int, pool: ThreadPoolExecutor):
        self.store = store
        self.max_archive_bytes = max_archive_bytes
        self.report = IngestReport()
        self._pool = pool
        self._pending: deque[Future[_Outcome]] = deque()
        self._seen: dict[str, str] = {}  # SOP Instance UID -> SHA-256 of the file kept

    def add_path(self, path: Path, name: str) -> None:
        if path.is_dir():
            self._add_folder(path)
        elif path.name.upper() == "DICOMDIR":
            self._add_media(path)
        else:
            self._add_file(path, name)

    def _add_file(self, path: Path, name: str) -> None:
        self._pending.append(self._pool.submit(self._prepare_file, path, name))
        while len(self._pending) > _PREPARED_AHEAD:
            self._finish(self._pending.popleft().result())

    def drain(self) -> None:
        """Commit everything prepared so far, in input order."""
        while self._pending:
            self._finish(self._pending.popleft().result())

    def _queue(self, outcome: _Outcome) -> None:
        """Queue an outcome known already, so it is reported in input order."""
        done: Future[_Outcome] = Future()
        done.set_result(outcome)
        self._pending.append(done)

    def _reject(self, name: str, reason: str) -> None:
        self.report.rejected.append(RejectedFile(name, reason))

    def _add_folder(self, root: Path) -> None:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for link in [d for d in dirs if (Path(folder) / d).is_symlink()]:
                # os.walk does not follow it; said, so the person knows what was left out
                self._queue(RejectedFile(str(Path(folder) / link), NOT_A_REGULAR_FILE))
            if "DICOMDIR" in files and self._add_media(Path(folder) / "DICOMDIR"):
                dirs.clear()  # media: the DICOMDIR says which files are instances
                continue
            for name in sorted(files):
                self.add_path(Path(folder) / name, str(Path(folder) / name))

    def _add_media(self, dicomdir: Path) -> bool:
        """Ingest the files a DICOMDIR references; False if it cannot be read as one."""
        try:
            ds = pydicom.dcmread(dicomdir, force=True)
            records = list(ds.DirectoryRecordSequence)
        except Exception:
            return False
        root = dicomdir.parent.resolve()
        for record in records:
            try:
                parts = record.get("ReferencedFileID")
            except Exception:  # a value pydicom cannot convert: nothing to follow
                parts = None
            if parts is None:
                continue
            parts = [str(parts)] if isinstance(parts, str) else [str(p) for p in parts]
            path = root.joinpath(*parts)
            name = str(dicomdir.parent.joinpath(*parts))
            try:
                escapes = ".." in parts or not path.resolve().is_relative_to(root)
                missing = not path.is_file()
            except (ValueError, OSError):  # a NUL byte, a name too long: no file has that name
                escapes, missing = False, True
            if escapes:
                self._queue(RejectedFile(name, ESCAPING_ENTRY))
            elif missing:
                self._queue(RejectedFile(name, MISSING_REFERENCED))
            else:
                # as a file, never as media: a DICOMDIR listing itself would recurse
                self._add_file(path, name)
        return True

    def _prepare_file(self, path: Path, name: str) -> _Outcome:
        """Runs in a worker: stage, parse and index one file, or open it as an archive."""
        try:
            # O_NOFOLLOW: a link in an upload could point anywhere (/etc/passwd, another
            # patient's file); O_NONBLOCK: opening a FIFO would otherwise wait forever.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            reason = NOT_A_REGULAR_FILE if path.is_symlink() else "This file could not be read."
            return RejectedFile(name, reason)
        try:
            with open(fd, "rb") as fp:
                info = os.fstat(fp.fileno())
                if not stat.S_ISREG(info.st_mode):
                    return RejectedFile(name, NOT_A_REGULAR_FILE)
                size = info.st_size
                in_memory = size <= IN_MEMORY_BYTES
                # one byte more than the size tells a file that grew since it was measured
                data = fp.read(size + 1 if in_memory else 4)
                if data[:4] in _ZIP_MAGIC:
                    return _Archive(path, name)
                if in_memory and len(data) <= size:
                    return self._prepare_bytes(data, name)
                fp.seek(0)
                return self._prepare(fp, name)
        except OSError:
            return RejectedFile(name, "This file could not be read.")

    def _prepare_bytes(self, data: bytes, name: str) -> _Outcome:
        """Stage and index a whole file held in memory."""
        if not data:
            return RejectedFile(name, EMPTY_FILE)
        scanned = scan_header(data)
        if scanned is None:  # not plain explicit VR little endian: pydicom reads and judges it
            return self._prepare(io.BytesIO(data), name)
        levels, kind = scanned
        # here rather than in the committing thread, which every file waits for
        self.store.make_folder_for(storage_key_for(levels["instance"]["SOPInstanceUID"]))
        staged, digests = self.store.stage_bytes(data)
        return _Prepared(staged, digests, levels, kind, name)

    def _prepare(self, fp: IO[bytes], name: str) -> _Outcome:
        staged, digests = self.store.stage(fp)
        try:
            ds = read_header(staged)
            if is_media_directory(ds):
                self.store.discard(staged)  # an index of the media, not an instance
                return None
            return _Prepared(staged, digests, indexed_values(ds), kind_of(ds), name)
        except NotIndexable as exc:
            self.store.discard(staged)
            return RejectedFile(name, str(exc))
        except Exception:
            # pydicom converts a value when it is first read: a malformed one (a VR flipped to
            # unknown bytes raises NotImplementedError) failed the whole upload from here.
            self.store.discard(staged)
            return RejectedFile(name, DAMAGED_FILE)
        except BaseException:
            self.store.discard(staged)
            raise

    def _finish(self, outcome: _Outcome) -> None:
        if isinstance(outcome, _Archive):
            self._add_zip(outcome.path, outcome.name)
        elif isinstance(outcome, RejectedFile):
            self.report.rejected.append(outcome)
        elif isinstance(outcome, _Prepared):
            self._commit(outcome)

    def _commit(self, prepared: _Prepared) -> None:
        levels = prepared.levels
        uid = levels["instance"]["SOPInstanceUID"]
        digests = prepared.digests
        seen = self._seen.get(uid)
        if seen is not None:
            self.store.discard(prepared.staged)
            if seen != digests.sha256:  # one package must never hold two files under one UID
                self._reject(prepared.source_name, SAME_UID_OTHER_FILE)
            return  # the same file again: listed once per report
        self._seen[uid] = digests.sha256
        key = self.store.keep_instance(prepared.staged, uid, digests)
        self.report.instances.append(
            IndexedInstance(
                patient=levels["patient"],
                study=levels["study"],
                series=levels["series"],
                instance=levels["instance"],
                kind=prepared.kind,
                storage_key=key,
                size=digests.size,
                sha256=digests.sha256,
                crc32=digests.crc32,
                source_name=prepared.source_name,
            )
        )

    def _add_zip(self, path: Path, name: str) -> None:
        """Ingest an archive's members one by one, in this thread: members share one file."""
        limit = _size_text(self.max_archive_bytes)
        too_large = f"This archive is larger than the {limit} limit and was not opened."
        if path.stat().st_size > self.max_archive_bytes:
            self._reject(name, too_large)
            return
        many = f"This archive holds more than {MAX_ARCHIVE_MEMBERS:,} files and was not opened."
        try:
            with open(path, "rb") as fp:
                if _central_directory_size(fp) > MAX_CENTRAL_DIRECTORY_BYTES:
                    self._reject(name, many)
                    return
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, struct.error):
            self._reject(name, "This zip archive is damaged and cannot be opened.")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ARCHIVE_MEMBERS:
                self._reject(name, many)
                return
            # The unpacked total is checked too: a small archive can inflate enormously.
            if sum(m.file_size for m in members) > self.max_archive_bytes:
                self._reject(name, too_large)
                return
            for member in members:
                self._finish(self._prepare_member(archive, member, f"{name}:{member.filename}"))

    def _prepare_member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> _Outcome:
        if _escapes(member.filename):
            return RejectedFile(name, ESCAPING_ENTRY)
        if member.compress_type not in _READABLE_PACKING:
            return RejectedFile(name, DAMAGED_ENTRY)
        try:
            with archive.open(member) as fp:
                if member.file_size <= IN_MEMORY_BYTES:
                    # read(n) inflates at most about n bytes per step; read() inflates all the
                    # compressed bytes in one step and cuts to the declared size only after, so a
                    # member declaring 1 KB could take 300 MiB (or the whole archive's worth).
                    return self._prepare_bytes(fp.read(member.file_size), name)
                return self._prepare(fp, name)
        # zlib.error: a damaged deflate stream (not an OSError), which failed the whole upload
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
            return RejectedFile(name, DAMAGED_ENTRY)


def _escapes(member_name: str) -> bool:
    """Tell whether a zip entry name would leave the folder it is unpacked into."""
    name = member_name.replace("\\", "/")
    parts = PurePosixPath(name).parts
    return name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":")


def _central_directory_size(fp: IO[bytes]) -> int:
    """The size of a zip's central directory, from its end record (zip64's if there is one).

    zipfile reads the whole directory into a list before anyone can count it; this looks
    first. Raises struct.error or BadZipFile when there is no end record to read.
    """
    end = fp.seek(0, os.SEEK_END)
    start = max(0, end - 22 - 0xFFFF)  # the end record is 22 bytes, then a comment of up to 64 KiB
    fp.seek(start)
    tail = fp.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0:
        raise zipfile.BadZipFile("no end of central directory")
    size: int = struct.unpack_from("<I", tail, at + 12)[0]
    locator = tail[at - 20 : at] if at >= 20 else b""
    if size == 0xFFFFFFFF and locator[:4] == b"PK\x06\x07":  # zip64: the real size is elsewhere
        fp.seek(struct.unpack_from("<Q", locator, 8)[0])
        size = struct.unpack_from("<Q", fp.read(56), 40)[0]
    return size


def _size_text(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.3g} GiB"
    return f"{size / 1024**2:.3g} MiB"
