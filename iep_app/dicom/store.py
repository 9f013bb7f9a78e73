"""Content store for DICOM files, keyed by SOP Instance UID and written atomically."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"[0-9a-f]{64}")


def storage_key_for(sop_instance_uid: str) -> str:
    """Return the storage key of a SOP Instance UID.

    Args:
        sop_instance_uid: the instance's UID, as read from the file.

    Returns:
        64 lowercase hex characters: the SHA-256 of the UID.
    """
    return hashlib.sha256(sop_instance_uid.strip().encode("ascii", "replace")).hexdigest()


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

    def staging_file(self) -> tuple[int, Path]:
        """Open a new temporary file inside the store (same file system, so rename is atomic).

        Returns:
            An open OS file descriptor and its path; the caller closes it and then either
            ``commit``s or ``discard``s the path.
        """
        fd, name = tempfile.mkstemp(dir=self._tmp, suffix=".part")
        return fd, Path(name)

    def commit(self, staged: Path, storage_key: str) -> bool:
        """Move a staged file to its key unless that key is already stored.

        Returns:
            True if the file was stored, False if the key was already there (the staged
            file is then removed: the first copy of an instance wins).
        """
        target = self.path_of(storage_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # link() refuses to overwrite, so two uploads of one instance racing each
            # other cannot replace a file a reader may have open or has already hashed.
            os.link(staged, target)
        except FileExistsError:
            return False
        finally:
            self.discard(staged)
        return True

    def discard(self, staged: Path) -> None:
        """Remove a staged file that will not be kept."""
        staged.unlink(missing_ok=True)
