"""Downloads of a transaction: DICOM media (zip with DICOMDIR) and pictures for patients."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import generate_uid

from iep_app.dicom.dicomdir import encode_dicomdir
from iep_app.dicom.export_item import ExportItem
from iep_app.dicom.fileset import Patient, Study, build_hierarchy, iter_file_ids
from iep_app.dicom.index import InstanceKind
from iep_app.dicom.ziplayout import (
    ZIP64_LIMIT,
    FileBody,
    ZipLayout,
    ZipMember,
    build_layout,
    iter_zip,
)
from iep_app.vocabulary import dicom_date_sortable, moment

logger = logging.getLogger(__name__)

_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
# Names Windows keeps for devices, with or without an extension.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"}
_WINDOWS_DEVICES |= {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
_KIND_NOUNS = {
    InstanceKind.REPORT: "report",
    InstanceKind.RT: "radiotherapy object",
    InstanceKind.WAVEFORM: "waveform",
    InstanceKind.OTHER: "other object",
}
_PLURALS = {"study": "studies", "series": "series"}
_README_LANGUAGE = "en"  # the README is written in English
_FOLDER_NAME_MAX = 60  # keeps paths short of Windows' 260-character limit


def build_dicom_media(
    items: Iterable[ExportItem],
    *,
    transaction_id: str,
    organisation: str,
    sent_at: datetime,
    zip64_threshold: int = ZIP64_LIMIT,
) -> ZipLayout:
    """Lay out a DICOM media zip (IHE PDI style) of `items`, without reading the images.

    The archive holds ``DICOMDIR``, ``README.TXT``, the original files byte for byte under
    ``DICOM/`` (see `iter_file_ids`) and ``SHA256SUM.TXT``. It is STORED, so its length is
    known up front, and its bytes depend only on the inputs: the same call gives the same
    archive, which lets a client resume it with a Range request.

    Args:
        items: The instances to include (the whole transaction, or one series).
        transaction_id: Shown in README.TXT; also seeds the DICOMDIR's UID and File-set ID.
        organisation: The sending organisation, shown in README.TXT.
        sent_at: When the transaction was sent; every zip entry carries this time.
        zip64_threshold: Sizes and offsets from this value up use Zip64 (tests lower it).

    Returns:
        The layout: `total_length`, `etag` and `iter_range(start, end)`.

    Raises:
        ValueError: If `items` is empty or lists an instance twice.
    """
    patients = build_hierarchy(items)
    if not patients:
        raise ValueError("there is nothing to export")
    files = list(iter_file_ids(patients))
    # Derived from the content, so that a repeated download gets the same bytes.
    uid = generate_uid(entropy_srcs=[transaction_id, *sorted(i.sop_instance_uid for _, i in files)])
    file_set_id = re.sub(r"[^A-Z0-9_ ]", "_", transaction_id.upper())[:16] or "IEP"
    dicomdir = encode_dicomdir(patients, file_set_id=file_set_id, instance_uid=uid)
    readme = _media_readme(patients, organisation, transaction_id, sent_at)
    members = [ZipMember.from_bytes("DICOMDIR", dicomdir)]
    members.append(ZipMember.from_bytes("README.TXT", readme))
    digests = [hashlib.sha256(m.body).hexdigest() for m in members if isinstance(m.body, bytes)]
    for file_id, item in files:
        body = FileBody(item.path, item.size, item.sha256)
        members.append(ZipMember("/".join(file_id), body, item.crc32))
        digests.append(item.sha256)
    # sha256sum -c format: digest, two spaces (text mode), path; LF endings.
    manifest = "".join(f"{d}  {m.name}\n" for d, m in zip(digests, members, strict=True))
    members.append(ZipMember.from_bytes("SHA256SUM.TXT", manifest.encode("utf-8")))
    return build_layout(members, modified=sent_at, zip64_threshold=zip64_threshold)


def iter_pictures_zip(
    items: Iterable[ExportItem],
    *,
    render: Callable[[Path], bytes],
    transaction_id: str,
    organisation: str,
    sent_at: datetime,
) -> Iterator[bytes]:
    """Stream a zip of pictures for patients: a JPEG per image and each PDF report.

    Folders are named after study (date and description) and series (number and description),
    made safe for Windows and macOS and unique. An instance that fails to render is left out
    and named in README.TXT, since the response has already started when it is reached.

    Args:
        items: The instances to include; kinds other than "image" and "pdf" are counted only.
        render: Returns the JPEG of an image file.
        transaction_id: Shown in README.TXT.
        organisation: The sending organisation, shown in README.TXT.
        sent_at: When the transaction was sent; every zip entry carries this time.

    Returns:
        An iterator over the archive's bytes, whose length is not known in advance (send it
        chunked); images are rendered one at a time as it is consumed.
    """
    patients = build_hierarchy(items)
    return iter_zip(_pictures(patients, render, organisation, transaction_id, sent_at), modified=sent_at)


def _pictures(
    patients: Sequence[Patient],
    render: Callable[[Path], bytes],
    organisation: str,
    transaction_id: str,
    sent_at: datetime,
) -> Iterator[tuple[str, bytes]]:
    counts = {"jpg": 0, "pdf": 0}
    left_out: dict[str, int] = {}
    failed: list[str] = []
    study_names: set[str] = set()
    for study in (s for p in patients for s in p.studies):
        study_dir = _unique_name(_study_title(study), study_names, "Study")
        series_names: set[str] = set()
        for series in study.series:
            first = series.first
            number = first.series_number.strip()
            title = f"{number.zfill(3) if number.isdigit() else number} "
            title += first.series_description or first.modality
            series_dir = _unique_name(title, series_names, "Series")
            for n, item in enumerate(series.instances, 1):
                if item.kind not in (InstanceKind.IMAGE, InstanceKind.PDF):
                    left_out[item.kind] = left_out.get(item.kind, 0) + 1
                    continue
                extension = "jpg" if item.kind == InstanceKind.IMAGE else "pdf"
                name = f"{study_dir}/{series_dir}/{n:04d}.{extension}"
                try:
                    data = render(item.path) if item.kind == InstanceKind.IMAGE else extract_pdf(item.path)
                except Exception:
                    logger.exception("could not convert %s for the pictures zip", item.path)
                    failed.append(name)
                    continue
                counts[extension] += 1
                yield name, data
    head = _readme_head("Pictures", organisation, transaction_id, sent_at)
    yield "README.TXT", _pictures_readme(head, counts, left_out, failed)


def extract_pdf(path: Path) -> bytes:
    """Return the PDF held in an Encapsulated PDF instance, without its padding byte.

    Raises:
        ValueError: If the file holds no encapsulated PDF.
    """
    ds = dcmread(path)
    if ds.get("MIMETypeOfEncapsulatedDocument") != "application/pdf":
        raise ValueError(f"{path} holds no encapsulated PDF")
    data = bytes(ds.EncapsulatedDocument)
    length = ds.get("EncapsulatedDocumentLength")
    return data[:length] if length else data


def _unique_name(text: str, taken: set[str], fallback: str) -> str:
    name = _UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", text))
    name = " ".join(name.split())[:_FOLDER_NAME_MAX].rstrip(" .") or fallback
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    candidate, n = name, 2
    # Compared case-insensitively: Windows and macOS would merge "CT" and "ct".
    while candidate.casefold() in taken:
        candidate, n = f"{name} ({n})", n + 1
    taken.add(candidate.casefold())
    return candidate


def _study_title(study: Study) -> str:
    modalities = " ".join(sorted({s.first.modality for s in study.series if s.first.modality}))
    what = study.first.study_description or modalities
    return f"{dicom_date_sortable(study.first.study_date)} {what}".strip()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {_PLURALS.get(noun, noun + 's')}"


def _readme_head(what: str, organisation: str, transaction_id: str, sent_at: datetime) -> str:
    return (
        f"{what} sent by {organisation}\n"
        f"Transaction: {transaction_id}\n"
        f"Sent: {moment(sent_at, lang=_README_LANGUAGE)}\n"
    )


def _media_readme(
    patients: Sequence[Patient], organisation: str, transaction_id: str, sent_at: datetime
) -> bytes:
    studies = [s for p in patients for s in p.studies]
    n_series = sum(len(s.series) for s in studies)
    n_files = sum(len(series.instances) for s in studies for series in s.series)
    size = sum(i.size for s in studies for series in s.series for i in series.instances)
    lines = [
        _readme_head("DICOM images", organisation, transaction_id, sent_at),
        f"Contents: {_count(len(studies), 'study')}, {_count(n_series, 'series')}, "
        f"{_count(n_files, 'DICOM file')} "
        f"({size / 1e6:.1f} MB)\n",
        "Studies:",
    ]
    for study in studies:
        files = _count(sum(len(series.instances) for series in study.series), "file")
        lines.append(f"  {_study_title(study)}: {_count(len(study.series), 'series')}, {files}")
    lines += [
        "",
        "Files:",
        "  DICOMDIR        the index of the DICOM files (DICOM PS3.10), for viewers and PACS",
        "  DICOM/          the DICOM files exactly as received, unchanged; the folder names",
        "                  are numbers (patient, study, series, instance), not patient data",
        "  SHA256SUM.TXT   the SHA-256 checksum of every file, to check them with",
        "                  sha256sum -c SHA256SUM.TXT",
        "  README.TXT      this file",
        "",
    ]
    return "\n".join(lines).replace("\n", "\r\n").encode("utf-8")


def _pictures_readme(head: str, counts: dict[str, int], left_out: dict[str, int], failed: list[str]) -> bytes:
    lines = [
        head,
        f"Contents: {counts['jpg']} pictures (JPEG) and {counts['pdf']} documents (PDF),",
        "in one folder per study and series.",
        "",
        "These pictures are for viewing. They are not the original images and are not meant",
        "for diagnosis: doctors should ask for the DICOM download, which holds the originals.",
    ]
    if left_out:
        kinds = ", ".join(_count(n, _KIND_NOUNS[InstanceKind(kind)]) for kind, n in sorted(left_out.items()))
        lines += ["", f"Not shown as pictures (in the DICOM download only): {kinds}."]
    if failed:
        lines += ["", "These could not be converted and are missing:", *(f"  {n}" for n in failed)]
    return ("\n".join(lines) + "\n").replace("\n", "\r\n").encode("utf-8")
