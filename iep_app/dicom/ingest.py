"""Ingest DICOM files, folders, zip archives and DICOMDIR media into the file store."""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pydicom

from iep_app.dicom.index import (
    NotIndexable,
    indexed_values,
    is_media_directory,
    kind_of,
    read_header,
)
from iep_app.dicom.store import FileStore, storage_key_for

_CHUNK = 1024 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ESCAPING_ENTRY = "This archive entry points outside its folder and was ignored for safety."
DAMAGED_ENTRY = "This archive entry is damaged, encrypted or packed in an unsupported way."
MISSING_REFERENCED = "The DICOMDIR lists this file but it is not on the media."


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

    Inputs are streamed one file at a time through a temporary file in the store, hashed
    while copied, so memory stays bounded whatever the size of the input. An instance whose
    SOP Instance UID is already stored is not stored again: it is reported with the stored
    file's key and digests, and listed once per report.

    Args:
        paths: files, folders (walked recursively), .zip archives or DICOMDIR files.
        store: where instances are kept.
        max_archive_bytes: archives larger than this, packed or unpacked, are refused.

    Returns:
        The instances stored or found already stored, and the inputs rejected with reasons.
    """
    ingest = _Ingest(store, max_archive_bytes)
    for path in paths:
        ingest.add_path(Path(path), str(path))
    return ingest.report


class _Ingest:
    def __init__(self, store: FileStore, max_archive_bytes: int) -> None:
        self.store = store
        self.max_archive_bytes = max_archive_bytes
        self.report = IngestReport()
        self._seen: set[str] = set()

    def add_path(self, path: Path, name: str) -> None:
        if path.is_dir():
            self._add_folder(path)
        elif _is_zip(path):
            self._add_zip(path, name)
        elif path.name.upper() == "DICOMDIR":
            self._add_media(path)
        else:
            with open(path, "rb") as fp:
                self._add_stream(fp, name)

    def _reject(self, name: str, reason: str) -> None:
        self.report.rejected.append(RejectedFile(name, reason))

    def _add_folder(self, root: Path) -> None:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
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
            if "ReferencedFileID" not in record:
                continue
            parts = record.ReferencedFileID
            parts = [parts] if isinstance(parts, str) else list(parts)
            path = root.joinpath(*parts)
            name = str(dicomdir.parent.joinpath(*parts))
            if ".." in parts or not path.resolve().is_relative_to(root):
                self._reject(name, ESCAPING_ENTRY)
            elif not path.is_file():
                self._reject(name, MISSING_REFERENCED)
            else:
                with open(path, "rb") as fp:
                    self._add_stream(fp, name)
        return True

    def _add_zip(self, path: Path, name: str) -> None:
        limit = _size_text(self.max_archive_bytes)
        too_large = f"This archive is larger than the {limit} limit and was not opened."
        if path.stat().st_size > self.max_archive_bytes:
            self._reject(name, too_large)
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            self._reject(name, "This zip archive is damaged and cannot be opened.")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            # The unpacked total is checked too: a small archive can inflate enormously.
            if sum(m.file_size for m in members) > self.max_archive_bytes:
                self._reject(name, too_large)
                return
            for member in members:
                self._add_member(archive, member, f"{name}:{member.filename}")

    def _add_member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> None:
        if _escapes(member.filename):
            self._reject(name, ESCAPING_ENTRY)
            return
        try:
            with archive.open(member) as fp:
                self._add_stream(fp, name)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
            self._reject(name, DAMAGED_ENTRY)

    def _add_stream(self, fp: BinaryIO, name: str) -> None:
        staged, size, sha256, crc32 = _stage(self.store, fp)
        try:
            ds = read_header(staged)
            if is_media_directory(ds):
                self.store.discard(staged)  # an index of the media, not an instance
                return
            levels = indexed_values(ds)
        except NotIndexable as exc:
            self.store.discard(staged)
            self._reject(name, str(exc))
            return
        except BaseException:
            self.store.discard(staged)
            raise
        key = storage_key_for(levels["instance"]["SOPInstanceUID"])
        if not self.store.commit(staged, key):
            size, sha256, crc32 = _digest(self.store.path_of(key))
        if key in self._seen:
            return
        self._seen.add(key)
        self.report.instances.append(
            IndexedInstance(
                patient=levels["patient"],
                study=levels["study"],
                series=levels["series"],
                instance=levels["instance"],
                kind=kind_of(ds),
                storage_key=key,
                size=size,
                sha256=sha256,
                crc32=crc32,
                source_name=name,
            )
        )


def _stage(store: FileStore, fp: BinaryIO) -> tuple[Path, int, str, int]:
    """Copy a stream into a staging file, hashing on the way: the input is read once."""
    fd, staged = store.staging_file()
    sha = hashlib.sha256()
    crc = 0
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := fp.read(_CHUNK):
                sha.update(chunk)
                crc = zlib.crc32(chunk, crc)
                out.write(chunk)
                size += len(chunk)
    except BaseException:
        store.discard(staged)
        raise
    return staged, size, sha.hexdigest(), crc


def _digest(path: Path) -> tuple[int, str, int]:
    sha = hashlib.sha256()
    crc = 0
    size = 0
    with open(path, "rb") as fp:
        while chunk := fp.read(_CHUNK):
            sha.update(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return size, sha.hexdigest(), crc


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fp:
        return fp.read(4) in _ZIP_MAGIC


def _escapes(member_name: str) -> bool:
    """Tell whether a zip entry name would leave the folder it is unpacked into."""
    name = member_name.replace("\\", "/")
    parts = PurePosixPath(name).parts
    return name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":")


def _size_text(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.3g} GiB"
    return f"{size / 1024**2:.3g} MiB"
