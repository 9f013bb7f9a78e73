"""The record every export reads: one stored instance and what a download needs to know of it.

Its own module, below export, fileset and dicomdir, so those can share it without importing
each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from iep_app.dicom.index import InstanceKind

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ExportItem:
    """One stored instance, with what the downloads need to know without reading it."""

    path: Path
    size: int
    sha256: str
    crc32: int
    patient_id: str
    patient_name: str
    study_instance_uid: str
    study_date: str
    study_description: str
    series_instance_uid: str
    series_number: str
    series_description: str
    modality: str
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    instance_number: str
    kind: str

    def __post_init__(self) -> None:
        # The archive's CRCs and manifest are taken on trust from these: refuse malformed ones.
        if not _SHA256_HEX.fullmatch(self.sha256):
            raise ValueError(f"sha256 of {self.path} is not 64 lowercase hex digits")
        if not 0 <= self.crc32 <= 0xFFFFFFFF or self.size < 0:
            raise ValueError(f"crc32 or size of {self.path} is out of range")
        if self.kind not in set(InstanceKind):
            raise ValueError(f"kind {self.kind!r} is not one of {[k.value for k in InstanceKind]}")
