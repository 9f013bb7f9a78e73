"""The DICOMDIR of a download, encoded from export items without copying or rewriting files."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from copy import deepcopy
from itertools import zip_longest
from typing import TYPE_CHECKING

from pydicom import dcmread
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.multival import MultiValue
from pydicom.uid import UID, ExplicitVRLittleEndian, MediaStorageDirectoryStorage
from pydicom.valuerep import PersonName

from iep_app.dicom import fileset

if TYPE_CHECKING:
    from iep_app.dicom.export import ExportItem
    from iep_app.dicom.fileset import Patient, Series, Study

# Directory Record Types by SOP Class (PS3.3 Annex F); any other class is an IMAGE record.
_RECORD_TYPE_BY_CLASS = {
    "1.2.840.10008.5.1.4.1.1.4.2": "SPECTROSCOPY",
    "1.2.840.10008.5.1.4.1.1.66": "RAW DATA",
    "1.2.840.10008.5.1.4.1.1.66.1": "REGISTRATION",
    "1.2.840.10008.5.1.4.1.1.66.2": "FIDUCIAL",
    "1.2.840.10008.5.1.4.1.1.66.3": "REGISTRATION",
    "1.2.840.10008.5.1.4.1.1.67": "VALUE MAP",
    "1.2.840.10008.5.1.4.1.1.88.59": "KEY OBJECT DOC",
    "1.2.840.10008.5.1.4.1.1.481.2": "RT DOSE",
    "1.2.840.10008.5.1.4.1.1.481.3": "RT STRUCTURE SET",
    "1.2.840.10008.5.1.4.1.1.481.4": "RT TREAT RECORD",
    "1.2.840.10008.5.1.4.1.1.481.5": "RT PLAN",
    "1.2.840.10008.5.1.4.1.1.481.6": "RT TREAT RECORD",
    "1.2.840.10008.5.1.4.1.1.481.7": "RT TREAT RECORD",
    "1.2.840.10008.5.1.4.1.1.481.8": "RT PLAN",
    "1.2.840.10008.5.1.4.1.1.481.9": "RT TREAT RECORD",
}
_RECORD_TYPE_BY_CLASS_PREFIX = (
    ("1.2.840.10008.5.1.4.1.1.9.", "WAVEFORM"),
    ("1.2.840.10008.5.1.4.1.1.11.", "PRESENTATION"),
    ("1.2.840.10008.5.1.4.1.1.88.", "SR DOCUMENT"),
    ("1.2.840.10008.5.1.4.1.1.104.", "ENCAP DOC"),
)
_CONTENT = ("ContentDate", "ContentTime")
_LABELLED_CONTENT = (*_CONTENT, "ContentLabel", "ContentDescription", "ContentCreatorName")
# Keys of the lowest-level records besides InstanceNumber (PS3.3 F.5); IMAGE needs no other.
_INSTANCE_KEYS: dict[str, tuple[str, ...]] = {
    "RT DOSE": ("DoseSummationType",),
    "RT STRUCTURE SET": ("StructureSetLabel", "StructureSetDate", "StructureSetTime"),
    "RT PLAN": ("RTPlanLabel", "RTPlanDate", "RTPlanTime"),
    "RT TREAT RECORD": ("TreatmentDate", "TreatmentTime"),
    "PRESENTATION": (
        "PresentationCreationDate", "PresentationCreationTime", "ContentLabel",
        "ContentDescription", "ContentCreatorName", "ReferencedSeriesSequence",
    ),
    "WAVEFORM": _CONTENT,
    "SR DOCUMENT": (
        *_CONTENT, "CompletionFlag", "VerificationFlag", "VerificationDateTime",
        "ConceptNameCodeSequence",
    ),
    "KEY OBJECT DOC": (*_CONTENT, "ConceptNameCodeSequence"),
    "ENCAP DOC": (
        *_CONTENT, "DocumentTitle", "HL7InstanceIdentifier", "ConceptNameCodeSequence",
        "MIMETypeOfEncapsulatedDocument",
    ),
    "RAW DATA": _CONTENT,
    "REGISTRATION": _LABELLED_CONTENT,
    "FIDUCIAL": _LABELLED_CONTENT,
    "VALUE MAP": _LABELLED_CONTENT,
    "SPECTROSCOPY": (
        *_CONTENT, "ImageType", "NumberOfFrames", "Rows", "Columns", "DataPointRows",
        "DataPointColumns",
    ),
}  # fmt: skip
# Conditional keys are copied when the file has them and never written empty.
_CONDITIONAL_KEYS = {"HL7InstanceIdentifier", "VerificationDateTime", "ReferencedSeriesSequence"}
_STUDY_KEYS_FROM_FILE = ("StudyTime", "StudyID", "AccessionNumber")
_TEXT_VRS = {"PN", "LO", "SH", "LT", "ST", "UT", "UC"}


def record_type(sop_class_uid: str) -> str:
    """Return the Directory Record Type for an instance of `sop_class_uid`."""
    if sop_class_uid in _RECORD_TYPE_BY_CLASS:
        return _RECORD_TYPE_BY_CLASS[sop_class_uid]
    for prefix, kind in _RECORD_TYPE_BY_CLASS_PREFIX:
        if sop_class_uid.startswith(prefix):
            return kind
    return "IMAGE"


def encode_dicomdir(patients: Sequence[Patient], *, file_set_id: str, instance_uid: str) -> bytes:
    """Encode the DICOMDIR of `patients`, whose files lie at the IDs of `iter_file_ids`.

    The records are built with pydicom, but the file is assembled here rather than by
    `pydicom.fileset.FileSet`, which copies every instance into a staging directory: this way
    the originals are never read or rewritten. Patient and image records come from the export
    items alone; the header of one file per study is read (without pixel data) for StudyTime,
    StudyID and AccessionNumber, and the header of each non-image instance (reports, RT, PDF)
    for the keys its record type requires. Each record's three offset elements are fixed-size
    and written first, so every offset is known once the record keys are encoded: a single pass.

    Args:
        patients: The hierarchy from `build_hierarchy`.
        file_set_id: The File-set ID (CS, up to 16 characters).
        instance_uid: The Media Storage SOP Instance UID of the DICOMDIR.

    Returns:
        The DICOMDIR file, Explicit VR Little Endian, with explicit lengths.
    """
    file_ids = fileset.iter_file_ids(patients)
    roots = [
        _Record(_patient_keys(patient), [_study_record(s, file_ids) for s in patient.studies])
        for patient in patients
    ]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MediaStorageDirectoryStorage
    meta.MediaStorageSOPInstanceUID = UID(instance_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    prefix = DicomBytesIO()
    prefix.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(prefix, meta, enforce_standard=True)
    head_length = len(_encode(_file_set_head(file_set_id, 0, 0)))
    flat = list(_walk(roots))
    position = len(prefix.getvalue()) + head_length + 12  # 12: the sequence's own header
    for record in flat:
        record.offset = position
        position += 8 + len(_offsets(0, 0)) + len(record.keys)
    items = b"".join(record.item() for record in flat)
    head = _encode(_file_set_head(file_set_id, roots[0].offset, roots[-1].offset))
    sequence = struct.pack("<HH2sHI", 0x0004, 0x1220, b"SQ", 0, len(items))
    return prefix.getvalue() + head + sequence + items


class _Record:
    """A directory record: encoded keys, its lower-level records, and its offset once placed."""

    def __init__(self, keys: Dataset, children: list[_Record] | None = None) -> None:
        self.keys = _encode(keys)
        self.children = children or []
        self.next: _Record | None = None
        self.offset = 0

    def item(self) -> bytes:
        lower = self.children[0].offset if self.children else 0
        body = _offsets(self.next.offset if self.next else 0, lower) + self.keys
        return struct.pack("<HHI", 0xFFFE, 0xE000, len(body)) + body


def _walk(records: list[_Record]) -> Iterator[_Record]:
    for record, following in zip_longest(records, records[1:]):
        record.next = following
        yield record
        yield from _walk(record.children)


def _offsets(next_record: int, lower_level: int) -> bytes:
    # (0004,1400) next, (0004,1410) in use (retired, 0xFFFF as DCMTK writes), (0004,1420) lower
    return (
        struct.pack("<HH2sHI", 0x0004, 0x1400, b"UL", 4, next_record)
        + struct.pack("<HH2sHH", 0x0004, 0x1410, b"US", 2, 0xFFFF)
        + struct.pack("<HH2sHI", 0x0004, 0x1420, b"UL", 4, lower_level)
    )


def _file_set_head(file_set_id: str, first: int, last: int) -> Dataset:
    ds = Dataset()
    ds.FileSetID = file_set_id
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = first
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = last
    ds.FileSetConsistencyFlag = 0
    return ds


def _study_record(study: Study, file_ids: Iterator[tuple[tuple[str, ...], ExportItem]]) -> _Record:
    series_records = []
    for series in study.series:
        instances = [_Record(_instance_keys(*next(file_ids))) for _ in series.instances]
        series_records.append(_Record(_series_keys(series), instances))
    return _Record(_study_keys(study), series_records)


def _patient_keys(patient: Patient) -> Dataset:
    ds = _new_record("PATIENT")
    ds.PatientName = patient.first.patient_name
    ds.PatientID = patient.first.patient_id
    return _with_charset(ds)


def _study_keys(study: Study) -> Dataset:
    item = study.first
    source = _read_keys(item, _STUDY_KEYS_FROM_FILE)
    ds = _new_record("STUDY")
    ds.StudyDate = item.study_date
    ds.StudyDescription = item.study_description
    ds.StudyInstanceUID = item.study_instance_uid
    _copy_keys(source, ds, _STUDY_KEYS_FROM_FILE)
    return _with_charset(ds)


def _series_keys(series: Series) -> Dataset:
    item = series.first
    ds = _new_record("SERIES")
    ds.Modality = item.modality
    ds.SeriesInstanceUID = item.series_instance_uid
    ds.SeriesNumber = item.series_number
    if item.series_description:
        ds.SeriesDescription = item.series_description
    return _with_charset(ds)


def _instance_keys(file_id: tuple[str, ...], item: ExportItem) -> Dataset:
    kind = record_type(item.sop_class_uid)
    ds = _new_record(kind)
    ds.ReferencedFileID = list(file_id)
    ds.ReferencedSOPClassUIDInFile = item.sop_class_uid
    ds.ReferencedSOPInstanceUIDInFile = item.sop_instance_uid
    ds.ReferencedTransferSyntaxUIDInFile = item.transfer_syntax_uid
    ds.InstanceNumber = item.instance_number
    keys = _INSTANCE_KEYS.get(kind, ())
    if keys:
        _copy_keys(_read_keys(item, keys), ds, keys)
    return _with_charset(ds)


def _new_record(kind: str) -> Dataset:
    ds = Dataset()
    ds.DirectoryRecordType = kind
    return ds


def _read_keys(item: ExportItem, keywords: Sequence[str]) -> Dataset:
    return dcmread(item.path, stop_before_pixels=True, defer_size=4096, specific_tags=[*keywords])


def _copy_keys(source: Dataset, target: Dataset, keywords: Sequence[str]) -> None:
    for keyword in keywords:
        if keyword in source:
            element = source[keyword]
            target.add_new(element.tag, element.VR, _plain(element.value))
        elif keyword not in _CONDITIONAL_KEYS:
            vr = dictionary_VR(keyword)
            target.add_new(keyword, vr, [] if vr == "SQ" else None)


def _plain(value: object) -> object:
    # Decoded values are re-encoded under the record's own character set, not the file's.
    if isinstance(value, PersonName):
        return str(value)
    if isinstance(value, MultiValue):
        return [_plain(v) for v in value]
    return deepcopy(value)


def _with_charset(ds: Dataset) -> Dataset:
    if _has_non_ascii(ds):
        ds.SpecificCharacterSet = "ISO_IR 192"
    return ds


def _has_non_ascii(ds: Dataset) -> bool:
    for element in ds:
        if element.VR == "SQ" and any(_has_non_ascii(item) for item in element.value):
            return True
        if element.VR in _TEXT_VRS and not str(element.value or "").isascii():
            return True
    return False


def _encode(ds: Dataset) -> bytes:
    buffer = DicomBytesIO()
    buffer.is_little_endian = True
    buffer.is_implicit_VR = False
    write_dataset(buffer, ds)
    return buffer.getvalue()
