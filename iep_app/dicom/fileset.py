"""The DICOM File-set of a download: patients, studies and series, and their File IDs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from iep_app.dicom.export_item import ExportItem


@dataclass
class Series:
    """The instances of one series, in instance-number order."""

    instances: list[ExportItem]

    @property
    def first(self) -> ExportItem:
        """The first instance, whose series attributes stand for the series."""
        return self.instances[0]


@dataclass
class Study:
    """The series of one study, in series-number order."""

    series: list[Series] = field(default_factory=list)

    @property
    def first(self) -> ExportItem:
        """The first instance, whose study attributes stand for the study."""
        return self.series[0].first


@dataclass
class Patient:
    """The studies of one patient, in date order."""

    studies: list[Study] = field(default_factory=list)

    @property
    def first(self) -> ExportItem:
        """The first instance, whose patient attributes stand for the patient."""
        return self.studies[0].first


def build_hierarchy(items: Iterable[ExportItem]) -> list[Patient]:
    """Group items into patients, studies and series, in an order independent of the input's.

    Args:
        items: The instances to group.

    Returns:
        Patients by (PatientID, PatientName), studies by date then UID, series by number then
        UID, instances by number then UID.

    Raises:
        ValueError: If two items share a SOPInstanceUID.
    """
    tree: dict[tuple[str, str], dict[str, dict[str, list[ExportItem]]]] = {}
    seen: set[str] = set()
    for item in items:
        if item.sop_instance_uid in seen:
            raise ValueError(f"SOPInstanceUID {item.sop_instance_uid} is listed twice")
        seen.add(item.sop_instance_uid)
        patient = tree.setdefault((item.patient_id, item.patient_name), {})
        patient.setdefault(item.study_instance_uid, {}).setdefault(item.series_instance_uid, []).append(item)
    patients = []
    for key in sorted(tree):
        studies = []
        for series_by_uid in tree[key].values():
            series = [Series(sorted(g, key=_instance_order)) for g in series_by_uid.values()]
            studies.append(Study(sorted(series, key=lambda s: _series_order(s.first))))
        studies.sort(key=lambda s: (s.first.study_date, s.first.study_instance_uid))
        patients.append(Patient(studies))
    return patients


def iter_file_ids(patients: Sequence[Patient]) -> Iterator[tuple[tuple[str, ...], ExportItem]]:
    """Yield each instance with its File ID, in hierarchy order.

    File IDs are ``DICOM/Pnnnnnnn/Snnnnnnn/Snnnnnnn/Innnnnnn`` (patient, study, series,
    instance, counted from 1): ISO 9660 and PS3.10 legal, and free of patient data.
    """
    for p, patient in enumerate(patients, 1):
        for s, study in enumerate(patient.studies, 1):
            for e, series in enumerate(study.series, 1):
                for i, item in enumerate(series.instances, 1):
                    yield ("DICOM", f"P{p:07d}", f"S{s:07d}", f"S{e:07d}", f"I{i:07d}"), item


def _instance_order(item: ExportItem) -> tuple[int, str]:
    return _number(item.instance_number), item.sop_instance_uid


def _series_order(item: ExportItem) -> tuple[int, str]:
    return _number(item.series_number), item.series_instance_uid


def _number(value: str) -> int:
    # IS values may be empty or padded; unnumbered entries sort last.
    try:
        return int(value.strip())
    except ValueError:
        return 2**63
