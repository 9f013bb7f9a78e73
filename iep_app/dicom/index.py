"""What the portal indexes from a DICOM header: the attribute table, kinds and file checks."""

from __future__ import annotations

import enum
from pathlib import Path

import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import UID

from iep_app.dicom.deflate import DEFLATED_SYNTAX, MAX_INFLATED_BYTES, inflated_size_over, meta_syntax_and_end

# (level, DICOM keyword, maximum length of its VR): values longer than the standard allows
# are cut so a malformed file cannot push oversized text into the index.
INDEXED_ATTRIBUTES: tuple[tuple[str, str, int], ...] = (
    ("patient", "PatientID", 64),  # LO
    ("patient", "PatientName", 64),  # PN, 64 per component group: the index keeps the first 64
    ("patient", "PatientBirthDate", 8),  # DA
    ("patient", "PatientSex", 16),  # CS
    ("study", "StudyInstanceUID", 64),  # UI
    ("study", "StudyDate", 8),  # DA
    ("study", "StudyTime", 14),  # TM
    ("study", "StudyDescription", 64),  # LO
    ("study", "AccessionNumber", 16),  # SH
    ("study", "StudyID", 16),  # SH
    ("study", "ReferringPhysicianName", 64),  # PN
    ("series", "SeriesInstanceUID", 64),  # UI
    ("series", "Modality", 16),  # CS
    ("series", "SeriesNumber", 12),  # IS
    ("series", "SeriesDescription", 64),  # LO
    ("series", "BodyPartExamined", 16),  # CS
    ("instance", "SOPInstanceUID", 64),  # UI
    ("instance", "SOPClassUID", 64),  # UI
    ("instance", "InstanceNumber", 12),  # IS
    ("instance", "NumberOfFrames", 12),  # IS
    ("instance", "Rows", 5),  # US: at most 65535
    ("instance", "Columns", 5),  # US
    ("instance", "TransferSyntaxUID", 64),  # UI, from the file meta information
)

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"


class InstanceKind(enum.StrEnum):
    """What an instance is to people, from its SOP Class; stored in Instance.kind (models reuses it)."""

    IMAGE = "image"  # has pixels: viewed, rendered as a picture
    PDF = "pdf"  # Encapsulated PDF: shown and exported as a document
    REPORT = "report"  # structured report or CDA
    WAVEFORM = "waveform"
    RT = "rt"  # radiotherapy objects other than RT Image
    OTHER = "other"


_KIND_BY_SOP_CLASS = {
    "1.2.840.10008.5.1.4.1.1.104.1": InstanceKind.PDF,  # Encapsulated PDF
    "1.2.840.10008.5.1.4.1.1.104.2": InstanceKind.REPORT,  # Encapsulated CDA
    "1.2.840.10008.5.1.4.1.1.481.1": InstanceKind.IMAGE,  # RT Image is a picture, unlike the rest of RT
}
_KIND_BY_SOP_CLASS_PREFIX = (
    ("1.2.840.10008.5.1.4.1.1.88.", InstanceKind.REPORT),  # structured reports, key object selection
    ("1.2.840.10008.5.1.4.1.1.9.", InstanceKind.WAVEFORM),  # ECG, audio, haemodynamic, ...
    ("1.2.840.10008.5.1.4.1.1.481.", InstanceKind.RT),  # RT dose, structure set, plan, ...
)
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")

# Elements larger than this are skipped by seeking rather than read: pixel data never
# enters memory while indexing.
DEFER_BYTES = 4096
TOO_LARGE_INFLATED = (
    "This file is compressed (deflate) and would unpack to more than "
    f"{MAX_INFLATED_BYTES // 1024**2} MiB; it was refused for safety."
)
_UNDEFINED_LENGTH = 0xFFFFFFFF
TRUNCATED = "This DICOM file is incomplete (truncated), probably cut off while copying."

_IMPLIED_SYNTAX = {  # (implicit VR, little endian) -> transfer syntax, for files without meta
    (True, True): pydicom.uid.ImplicitVRLittleEndian,
    (False, True): pydicom.uid.ExplicitVRLittleEndian,
    (False, False): pydicom.uid.ExplicitVRBigEndian,
}


class NotIndexable(Exception):
    """A file the portal cannot index; the message is written for a person."""


def read_header(path: Path) -> Dataset:
    """Read a DICOM header without loading pixel data, and check the file is complete.

    Files without the 128-byte preamble and "DICM" prefix are read too when their data set
    parses and names a SOP instance: old archives and some modalities write them, and
    their bytes are stored untouched.

    Raises:
        NotIndexable: the file is not DICOM, is truncated or cannot be identified.
    """
    with open(path, "rb") as fp:
        has_prefix = fp.read(132)[128:132] == b"DICM"
        meta = meta_syntax_and_end(fp) if has_prefix else None
        if meta and meta[0] == DEFLATED_SYNTAX and inflated_size_over(fp, meta[1]):
            raise NotIndexable(TOO_LARGE_INFLATED)
        fp.seek(0)
        try:
            ds = pydicom.dcmread(fp, defer_size=DEFER_BYTES, force=True)
        except Exception as exc:
            if has_prefix:
                raise NotIndexable("This DICOM file is damaged and cannot be read.") from exc
            raise NotIndexable("This file is not a DICOM file.") from exc
    if not has_prefix and not ("SOPInstanceUID" in ds and "SOPClassUID" in ds):
        raise NotIndexable("This file is not a DICOM file.")
    _check_complete(ds, path.stat().st_size)
    return ds


def _check_complete(ds: Dataset, size: int) -> None:
    syntax = transfer_syntax(ds)
    if syntax and not UID(syntax).is_transfer_syntax:
        raise NotIndexable(f"This file uses an unsupported transfer syntax ({syntax}); it cannot be read.")
    if syntax == pydicom.uid.DeflatedExplicitVRLittleEndian:
        return  # positions refer to the inflated stream, not the file
    tags = tuple(ds.keys())
    if not tags:  # the meta information alone: the data set was cut off
        raise NotIndexable(TRUNCATED)
    # Iterating a Dataset converts every element; its tags with keep_deferred leave skipped
    # values unread, only their positions are looked at.
    end: int | None = None
    for tag in tags:
        elem = ds.get_item(tag, keep_deferred=True)
        length = getattr(elem, "length", _UNDEFINED_LENGTH)
        tell = getattr(elem, "value_tell", None)
        end = None if length == _UNDEFINED_LENGTH or tell is None else tell + length
        if end is not None and end > size:
            raise NotIndexable(TRUNCATED)
    # pydicom stops without a word when fewer bytes than an element header remain: a copy cut
    # inside the last element's header would otherwise be kept, without its pixel data.
    if end is not None and 0 < size - end < 12:
        raise NotIndexable(TRUNCATED)


def transfer_syntax(ds: Dataset) -> str:
    """Return the transfer syntax of a read data set, implied from its encoding if absent."""
    syntax = ds.file_meta.get("TransferSyntaxUID", "") if hasattr(ds, "file_meta") else ""
    if syntax:
        return str(syntax)
    return str(_IMPLIED_SYNTAX.get(tuple(ds.original_encoding), ""))  # type: ignore[arg-type]


def is_media_directory(ds: Dataset) -> bool:
    """Tell whether a data set is a DICOMDIR (an index of media, not an instance)."""
    meta = getattr(ds, "file_meta", Dataset())
    return meta.get("MediaStorageSOPClassUID", "") == MEDIA_STORAGE_DIRECTORY or (
        "DirectoryRecordSequence" in ds
    )


def sop_instance_uid(ds: Dataset) -> str:
    """Return the SOP Instance UID of a data set, from its meta information if need be.

    Raises:
        NotIndexable: neither the data set nor its meta information names the instance.
    """
    meta = getattr(ds, "file_meta", Dataset())
    uid = _text(ds, "SOPInstanceUID", 64) or _text(meta, "MediaStorageSOPInstanceUID", 64)
    if not uid:
        raise NotIndexable("This DICOM file has no SOP Instance UID, so it cannot be identified.")
    return uid


def kind_of(ds: Dataset) -> InstanceKind:
    """Classify an instance as image, pdf, report, waveform, rt or other by its SOP Class."""
    return kind_for(_text(ds, "SOPClassUID", 64), any(k in ds for k in PIXEL_KEYWORDS))


def kind_for(sop_class: str, has_pixels: bool) -> InstanceKind:
    """Classify an instance from its SOP Class UID and whether it carries pixel data."""
    if sop_class in _KIND_BY_SOP_CLASS:
        return _KIND_BY_SOP_CLASS[sop_class]
    for prefix, kind in _KIND_BY_SOP_CLASS_PREFIX:
        if sop_class.startswith(prefix):
            return kind
    return InstanceKind.IMAGE if has_pixels else InstanceKind.OTHER


def indexed_values(ds: Dataset) -> dict[str, dict[str, str]]:
    """Return the indexed attributes grouped by level; every key present, missing ones "".

    Args:
        ds: a data set read by ``read_header``.
    """
    levels: dict[str, dict[str, str]] = {}
    for level, keyword, limit in INDEXED_ATTRIBUTES:
        if keyword == "TransferSyntaxUID":
            value = transfer_syntax(ds)[:limit]
        else:
            value = _text(ds, keyword, limit)
        levels.setdefault(level, {})[keyword] = value
    levels["instance"]["SOPInstanceUID"] = sop_instance_uid(ds)
    return levels


def _text(ds: Dataset, keyword: str, limit: int) -> str:
    raw = _ascii_value(ds, keyword)
    if raw is not None:
        return raw.strip(" \x00")[:limit]
    try:
        value = ds.get(keyword)
    except Exception:  # a malformed value (bad IS, bad charset) indexes as missing
        return ""
    if value is None:
        return ""
    multiple = isinstance(value, MultiValue | list)
    text = "\\".join(str(v) for v in value) if multiple else str(value)
    return text.strip(" \x00")[:limit]


# VRs whose bytes are plain ASCII whatever the character set: read without pydicom's
# value conversion, which costs more than the rest of indexing put together.
_ASCII_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI"})
_TEXT_VRS = frozenset({"LO", "PN", "SH"})


def _ascii_value(ds: Dataset, keyword: str) -> str | None:
    """The raw text of an element if it can be read as ASCII directly; None otherwise."""
    tag = tag_for_keyword(keyword)
    if tag is None or tag not in ds:
        return None if tag is None else ""
    elem = ds.get_item(tag, keep_deferred=True)
    value = getattr(elem, "value", None)
    if not isinstance(elem, RawDataElement) or not isinstance(value, bytes):
        return None
    return ascii_text(elem.VR or dictionary_VR(tag), value, little_endian=elem.is_little_endian)


def ascii_text(vr: str, value: bytes, *, little_endian: bool) -> str | None:
    """The text of a raw value when it can be had without pydicom's conversion; None otherwise.

    Values that are not plain ASCII go through pydicom, which knows the character sets.
    """
    if vr == "US" and len(value) >= 2:
        return str(int.from_bytes(value[:2], "little" if little_endian else "big"))
    if value.isascii() and (vr in _ASCII_VRS or (vr in _TEXT_VRS and b"\x1b" not in value)):
        return value.decode("ascii")
    return None
