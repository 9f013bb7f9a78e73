"""Staff uploads: a private staging folder per upload, filled chunk by chunk, then ingested."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from iep_app.dicom.index import InstanceKind
from iep_app.dicom.ingest import IndexedInstance, IngestReport, RejectedFile, ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.services.errors import Refusal

# Named limits, with their budgets: one upload holds at most 20 GiB in at most 50,000 files
# (a large CT or MR study with a few thousand slices is well inside); the browser's own
# checks are not trusted.
MAX_UPLOAD_BYTES = 20 * 1024**3
MAX_FILES = 50_000
STALE_AFTER_SECONDS = 24 * 3600  # staging folders left behind (closed tab) are removed

_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_FILES = "files"
_REPORT = "report.json"


class UploadRefused(Refusal):
    """An upload broke a limit or named a file outside its folder; `key` says which."""


def staging_root(data_dir: Path) -> Path:
    """Where uploads wait: inside the private data dir, never under a public folder."""
    return data_dir / "staging"


def new_upload(data_dir: Path) -> str:
    """Make a fresh, private staging folder and return its ID."""
    root = staging_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    upload_id = secrets.token_urlsafe(24)
    (root / upload_id / _FILES).mkdir(parents=True, mode=0o700)
    return upload_id


def folder_of(data_dir: Path, upload_id: str) -> Path:
    """The staging folder of an upload ID (checked, so an ID can never name another path).

    Raises:
        UploadRefused: not an ID this module made, or no such upload.
    """
    if not _ID.fullmatch(upload_id or ""):
        raise UploadRefused("admin.send.refused.unknown_upload")
    folder = staging_root(data_dir) / upload_id
    if not folder.is_dir():
        raise UploadRefused("admin.send.refused.unknown_upload")
    return folder


def _relative(name: str) -> PurePosixPath:
    """A client's file name as a safe relative path (folders kept, nothing outside)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or ":" in parts[0] or any("\x00" in p for p in parts):
        raise UploadRefused("admin.send.refused.bad_file_name")
    return PurePosixPath(*parts)


class StagingWriter:
    """Writes streamed chunks into an upload's folder, enforcing the limits as bytes arrive.

    Chunks of one file come in order and a file starts at offset 0. Two files with the same
    name (browsers may send only base names) are both kept: the second gets a suffix.
    """

    def __init__(self, folder: Path) -> None:
        self._files = folder / _FILES
        self._open: tuple[str, BinaryIO] | None = None
        self.count = 0
        self.total = 0

    def write(self, filename: str, offset: int, data: bytes) -> None:
        """Put one chunk of one file at its offset.

        Raises:
            UploadRefused: too many bytes or files, a name that leaves the folder, or a
                chunk out of order.
        """
        self.total += len(data)
        if self.total > MAX_UPLOAD_BYTES:
            raise UploadRefused("admin.send.refused.too_large")
        if offset == 0:
            self._start(filename)
        elif self._open is None or self._open[0] != filename:
            raise UploadRefused("admin.send.refused.chunk_out_of_order")
        assert self._open is not None
        # Only the next byte: seeking past the end would leave a sparse file whose size (up to
        # petabytes for a few bytes sent) escapes the byte limit above and that ingest copies whole.
        if offset != self._open[1].tell():
            raise UploadRefused("admin.send.refused.chunk_out_of_order")
        self._open[1].write(data)

    def _start(self, filename: str) -> None:
        self.close()
        self.count += 1
        if self.count > MAX_FILES:
            raise UploadRefused("admin.send.refused.too_many_files")
        relative = _relative(filename)
        path, n = self._files / relative, 1
        while path.exists():
            path, n = self._files / relative.with_name(f"{relative.name}~{n}"), n + 1
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "wb")  # noqa: SIM115 (kept open across this file's chunks)
        except OSError:
            raise UploadRefused("admin.send.refused.bad_file_name") from None
        self._open = (filename, handle)

    def close(self) -> None:
        if self._open is not None:
            self._open[1].close()
            self._open = None


def ingest(folder: Path, store: FileStore) -> IngestReport:
    """Store every DICOM instance of an upload, keep the report beside it, drop the raw files.

    Rejected files are named relative to the upload, as the person dropped them.
    """
    files = folder / _FILES
    report = ingest_paths([files], store)
    prefix = f"{files}/"
    report.rejected = [RejectedFile(r.source_name.removeprefix(prefix), r.reason) for r in report.rejected]
    save_report(folder, report)
    shutil.rmtree(files, ignore_errors=True)
    return report


def save_report(folder: Path, report: IngestReport) -> None:
    """Keep an ingest report with its upload, for the Send step (state stays small)."""
    data = {
        "instances": [asdict(i) for i in report.instances],
        "rejected": [asdict(r) for r in report.rejected],
    }
    path = folder / _REPORT
    path.write_text(json.dumps(data))
    path.chmod(0o600)


def load_report(folder: Path) -> IngestReport:
    """The ingest report kept by `ingest`.

    Raises:
        UploadRefused: the upload was never ingested.
    """
    try:
        data = json.loads((folder / _REPORT).read_text())
    except (OSError, ValueError):
        raise UploadRefused("admin.send.refused.not_ingested") from None
    return IngestReport(
        instances=[IndexedInstance(**i) for i in data["instances"]],
        rejected=[RejectedFile(**r) for r in data["rejected"]],
    )


def discard(folder: Path) -> None:
    """Remove an upload's staging folder (sent, abandoned or refused)."""
    shutil.rmtree(folder, ignore_errors=True)


def remove_stale(data_dir: Path, *, now: datetime) -> int:
    """Remove staging folders untouched for a day; returns how many went."""
    root = staging_root(data_dir)
    if not root.is_dir():
        return 0
    limit = now.timestamp() - STALE_AFTER_SECONDS
    stale = [p for p in root.iterdir() if p.is_dir() and p.stat().st_mtime < limit]
    for folder in stale:
        discard(folder)
    return len(stale)


@dataclass(frozen=True)
class PatientFound:
    patient_id: str
    name: str
    birth_date: str


@dataclass(frozen=True)
class SeriesFound:
    study_uid: str
    modality: str
    description: str
    number: str
    instances: int
    storage_key: str  # of the middle image, for a thumbnail


@dataclass(frozen=True)
class StudyFound:
    study_uid: str
    date: str
    description: str
    accession: str
    patient: PatientFound


@dataclass(frozen=True)
class ReportSummary:
    """What staff check before sending: studies, series, rejected files, and the patients."""

    studies: list[StudyFound]
    series: list[SeriesFound]
    rejected: list[RejectedFile]
    patients: list[PatientFound]
    images: int

    @property
    def mismatch(self) -> bool:
        """Files disagree on the patient (ID, name or birth date): staff must look first."""
        return len(self.patients) > 1


def _patient(item: IndexedInstance) -> PatientFound:
    p = item.patient
    return PatientFound(p["PatientID"], p["PatientName"], p["PatientBirthDate"])


def summarise(report: IngestReport) -> ReportSummary:
    """Group an ingest report by study and series, and list the distinct patients."""
    studies: dict[str, StudyFound] = {}
    members: dict[tuple[str, str], list[IndexedInstance]] = {}
    patients: dict[PatientFound, None] = {}
    for item in report.instances:
        uid = item.study["StudyInstanceUID"]
        patients.setdefault(_patient(item))
        studies.setdefault(
            uid,
            StudyFound(
                study_uid=uid,
                date=item.study["StudyDate"],
                description=item.study["StudyDescription"],
                accession=item.study["AccessionNumber"],
                patient=_patient(item),
            ),
        )
        members.setdefault((uid, item.series["SeriesInstanceUID"]), []).append(item)
    series = []
    for (study_uid, _), items in members.items():
        images = sorted(
            (i for i in items if i.kind == InstanceKind.IMAGE),
            key=lambda i: (_number(i.instance["InstanceNumber"]), i.instance["SOPInstanceUID"]),
        )
        first = items[0].series
        series.append(
            SeriesFound(
                study_uid=study_uid,
                modality=first["Modality"],
                description=first["SeriesDescription"],
                number=first["SeriesNumber"],
                instances=len(items),
                storage_key=images[len(images) // 2].storage_key if images else "",
            )
        )
    series.sort(key=lambda s: (s.study_uid, _number(s.number)))
    return ReportSummary(
        studies=list(studies.values()),
        series=series,
        rejected=list(report.rejected),
        patients=list(patients),
        images=sum(1 for i in report.instances if i.kind == InstanceKind.IMAGE),
    )


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")
