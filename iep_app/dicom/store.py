"""Content store for DICOM files, keyed by SOP Instance UID and written atomically."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_KEY = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digests:
    """Size and checksums of a file's bytes (the zip export needs the CRC-32 up front)."""

    size: int
    sha256: str
    crc32: int


class _Hasher:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.crc = 0
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.sha.update(chunk)
        self.crc = zlib.crc32(chunk, self.crc)
        self.size += len(chunk)

    def digests(self) -> Digests:
        return Digests(self.size, self.sha.hexdigest(), self.crc)


def storage_key_for(sop_instance_uid: str) -> str:
    """Return the storage key of a SOP Instance UID.

    Args:
        sop_instance_uid: the instance's UID, as read from the file.

    Returns:
        64 lowercase hex characters: the SHA-256 of the UID.
    """
    return hashlib.sha256(sop_instance_uid.strip().encode("ascii", "replace")).hexdigest()


def version_key_for(sop_instance_uid: str, sha256: str) -> str:
    """Return the storage key of a file whose SOP Instance UID names other bytes already.

    A re-export with corrected demographics often keeps its UIDs: the new bytes are kept
    beside the old ones, never instead of them, so each package serves what it was made of.

    Args:
        sop_instance_uid: the instance's UID, as read from the file.
        sha256: the hex SHA-256 of the file's bytes.

    Returns:
        64 lowercase hex characters, derived from the UID and the content together.
    """
    return storage_key_for(f"{sop_instance_uid.strip()}/{sha256}")


class FileStore:
    """Stores each DICOM instance once, under a key derived from its SOP Instance UID.

    Files sit at ``root/ab/cd/<key>``: fanning out keeps folders small on media with
    hundreds of thousands of instances. The original bytes are kept untouched.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path_of(self, storage_key: str) -> Path:
        """Return the absolute path of a stored file.

        Args:
            storage_key: a key returned by ``storage_key_for``.

        Raises:
            ValueError: the key is not one this store could have made; checking it keeps
                a key taken from a URL from ever naming a path outside the store.
        """
        if not _KEY.fullmatch(storage_key):
            raise ValueError(f"not a storage key: {storage_key!r}")
        return self.root / storage_key[:2] / storage_key[2:4] / storage_key

    def contains(self, storage_key: str) -> bool:
        """Tell whether a file is stored under this key."""
        return self.path_of(storage_key).is_file()

    def stage(self, source: IO[bytes]) -> tuple[Path, Digests]:
        """Copy a stream into a new temporary file inside the store, hashing on the way.

        The input is read once, a chunk at a time. The staging folder is on the store's
        file system, so ``commit`` can move the file into place atomically.

        Returns:
            The staged file (to ``commit`` or ``discard``) and the digests of its bytes.
        """

        def copy(out: IO[bytes], hasher: _Hasher) -> None:
            while chunk := source.read(_CHUNK):
                hasher.update(chunk)
                out.write(chunk)

        return self._stage_with(copy)

    def stage_bytes(self, data: bytes) -> tuple[Path, Digests]:
        """Like ``stage``, for a file already in memory: hashed and written in one piece.

        Hashing one large buffer releases the GIL for the whole computation, so other
        threads run meanwhile.
        """

        def write(out: IO[bytes], hasher: _Hasher) -> None:
            hasher.update(data)
            out.write(data)

        return self._stage_with(write)

    def _stage_with(self, fill: Callable[[IO[bytes], _Hasher], None]) -> tuple[Path, Digests]:
        fd, name = tempfile.mkstemp(dir=self._tmp, suffix=".part")
        staged, hasher = Path(name), _Hasher()
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out, hasher)
        except BaseException:
            self.discard(staged)
            raise
        return staged, hasher.digests()

    def digests_of(self, storage_key: str) -> Digests:
        """Read a stored file and return its size and checksums."""
        hasher = _Hasher()
        with open(self.path_of(storage_key), "rb") as fp:
            while chunk := fp.read(_CHUNK):
                hasher.update(chunk)
        return hasher.digests()

    def commit(self, staged: Path, storage_key: str) -> bool:
        """Move a staged file to its key unless that key is already stored.

        Returns:
            True if the file was stored, False if the key was already there (the staged
            file is then removed: the first copy of an instance wins).
        """
        try:
            return self._link(staged, storage_key)
        finally:
            self.discard(staged)

    def keep_instance(self, staged: Path, sop_instance_uid: str, digests: Digests) -> str:
        """Store a staged instance under its UID, or beside a different file of that UID.

        The same bytes again are stored once. Different bytes under a UID already stored
        (a corrected re-export, or a UID reused by mistake) get a key of their own
        (``version_key_for``): what is stored is never replaced nor confused with them.

        Returns:
            The storage key that now holds exactly these bytes.
        """
        key = storage_key_for(sop_instance_uid)
        try:
            if self._link(staged, key) or self.digests_of(key).sha256 == digests.sha256:
                return key
            version = version_key_for(sop_instance_uid, digests.sha256)
            self._link(staged, version)  # already there means these very bytes: the key says so
            return version
        finally:
            self.discard(staged)

    def _link(self, staged: Path, storage_key: str) -> bool:
        target = self.path_of(storage_key)
        try:
            # link() refuses to overwrite, so two uploads of one instance racing each
            # other cannot replace a file a reader may have open or has already hashed.
            try:
                os.link(staged, target)
            except FileNotFoundError:  # the key's folder is new (or staged is gone: raises again)
                self.make_folder_for(storage_key)
                os.link(staged, target)
        except FileExistsError:
            return False
        return True

    def make_folder_for(self, storage_key: str) -> None:
        """Create the folder a key's file goes in, ahead of ``commit`` (which does it if need be)."""
        self.path_of(storage_key).parent.mkdir(parents=True, exist_ok=True)

    def discard(self, staged: Path) -> None:
        """Remove a staged file that will not be kept."""
        staged.unlink(missing_ok=True)
