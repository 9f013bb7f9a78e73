"""The file store of original DICOM files, built once per process from the settings."""

from __future__ import annotations

from functools import lru_cache

from iep_app.dicom.store import FileStore
from iep_app.settings import get_settings


@lru_cache(maxsize=1)
def store() -> FileStore:
    """The store under IEP_DATA_DIR (its root is resolved once, not on every image request)."""
    return FileStore(get_settings().store_dir)
