"""The study index in the database: patients, studies, series and instances from an ingest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from iep_app.dicom.index import InstanceKind
from iep_app.dicom.ingest import IndexedInstance
from iep_app.models import Instance, Patient, Series, Study, TransactionInstance, pk


def _int_or_none(value: str) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


_Row = TypeVar("_Row", Patient, Study, Series, Instance)


def _find_or_add(session: Session, model: type[_Row], make: Callable[[], _Row], *where: Any) -> _Row:
    found = session.exec(select(model).where(*where)).first()
    if found is None:
        found = make()
        session.add(found)
        session.flush()
    return found


class _Index:
    """Finds or adds the rows of one ingest, each level keyed by what identifies it here.

    A UID alone does not identify a row: a study re-sent with corrected demographics keeps
    its UIDs but is another patient's, so a study is found by its UID *and* patient, a
    series by its UID and study, and an instance by the bytes it stands for (its storage
    key). Rows met once are remembered, so a 2,000-slice series asks for its parents once.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[tuple[Any, ...], Any] = {}

    def _remembered(
        self, key: tuple[Any, ...], model: type[_Row], make: Callable[[], _Row], *where: Any
    ) -> _Row:
        if key not in self._rows:
            self._rows[key] = _find_or_add(self.session, model, make, *where)
        return self._rows[key]

    def patient(self, item: IndexedInstance) -> Patient:
        p = item.patient
        key = (p["PatientID"], p["PatientName"], p["PatientBirthDate"])
        return self._remembered(
            ("patient", *key),
            Patient,
            lambda: Patient(patient_id=key[0], patient_name=key[1], birth_date=key[2], sex=p["PatientSex"]),
            Patient.patient_id == key[0],
            Patient.patient_name == key[1],
            Patient.birth_date == key[2],
        )

    def study(self, item: IndexedInstance) -> Study:
        s = item.study
        patient_pk = pk(self.patient(item))
        return self._remembered(
            ("study", s["StudyInstanceUID"], patient_pk),
            Study,
            lambda: Study(
                patient_pk=patient_pk,
                study_instance_uid=s["StudyInstanceUID"],
                study_date=s["StudyDate"],
                study_time=s["StudyTime"],
                study_description=s["StudyDescription"],
                accession_number=s["AccessionNumber"],
                study_id=s["StudyID"],
                referring_physician_name=s["ReferringPhysicianName"],
            ),
            Study.study_instance_uid == s["StudyInstanceUID"],
            Study.patient_pk == patient_pk,
        )

    def series(self, item: IndexedInstance) -> Series:
        s = item.series
        study_pk = pk(self.study(item))
        return self._remembered(
            ("series", s["SeriesInstanceUID"], study_pk),
            Series,
            lambda: Series(
                study_pk=study_pk,
                series_instance_uid=s["SeriesInstanceUID"],
                modality=s["Modality"],
                series_number=s["SeriesNumber"],
                series_description=s["SeriesDescription"],
                body_part_examined=s["BodyPartExamined"],
            ),
            Series.series_instance_uid == s["SeriesInstanceUID"],
            Series.study_pk == study_pk,
        )

    def instance(self, item: IndexedInstance) -> Instance:
        i = item.instance
        # `make` runs only for a new row, so parents are looked up only when an instance is new.
        return _find_or_add(
            self.session,
            Instance,
            lambda: Instance(
                series_pk=pk(self.series(item)),
                sop_instance_uid=i["SOPInstanceUID"],
                sop_class_uid=i["SOPClassUID"],
                instance_number=_int_or_none(i["InstanceNumber"]),
                number_of_frames=_int_or_none(i["NumberOfFrames"]) or 1,
                rows=_int_or_none(i["Rows"]) or 0,
                columns=_int_or_none(i["Columns"]) or 0,
                transfer_syntax_uid=i["TransferSyntaxUID"],
                kind=item.kind,
                storage_key=item.storage_key,
                size=item.size,
                sha256=item.sha256,
                crc32=item.crc32,
            ),
            Instance.storage_key == item.storage_key,
        )


def index_instances(*, session: Session, items: Iterable[IndexedInstance]) -> list[Instance]:
    """Add ingested instances to the index, reusing the rows of files already known.

    Args:
        session: the database session.
        items: what the ingest accepted.

    Returns:
        One Instance row per stored file, in input order.
    """
    index = _Index(session)
    rows: dict[str, Instance] = {}
    for item in items:
        if item.storage_key not in rows:
            rows[item.storage_key] = index.instance(item)
    return list(rows.values())


@dataclass(frozen=True)
class SeriesView:
    """One series of a package as the recipient's pages list it."""

    series_pk: int
    study_pk: int
    modality: str
    series_number: str
    description: str
    image_count: int
    first_instance_pk: int | None


@dataclass(frozen=True)
class PackageContents:
    """The patient, studies and series a transaction holds."""

    patient: Patient | None
    studies: list[Study]
    series: list[SeriesView]
    instance_count: int
    total_bytes: int


def _sort_key(instance: Instance) -> tuple[int, str]:
    return (
        instance.instance_number if instance.instance_number is not None else 1 << 30,
        instance.sop_instance_uid,
    )


def instances_of(*, session: Session, transaction_pk: int) -> list[Instance]:
    """Every instance of a transaction."""
    query = (
        select(Instance)
        .join(TransactionInstance, col(TransactionInstance.instance_pk) == col(Instance.id))
        .where(TransactionInstance.transaction_pk == transaction_pk)
    )
    return list(session.exec(query))


def contents(*, session: Session, transaction_pk: int) -> PackageContents:
    """What a transaction holds, grouped for display."""
    instances = instances_of(session=session, transaction_pk=transaction_pk)
    by_series: dict[int, list[Instance]] = {}
    for instance in instances:
        by_series.setdefault(instance.series_pk, []).append(instance)
    series_rows = {s.id: s for s in session.exec(select(Series).where(col(Series.id).in_(by_series)))}
    study_rows = {
        s.id: s
        for s in session.exec(
            select(Study).where(col(Study.id).in_({s.study_pk for s in series_rows.values()}))
        )
    }
    views = []
    for series_pk, members in by_series.items():
        series = series_rows[series_pk]
        images = sorted((m for m in members if m.kind == InstanceKind.IMAGE), key=_sort_key)
        views.append(
            SeriesView(
                series_pk=series_pk,
                study_pk=series.study_pk,
                modality=series.modality,
                series_number=series.series_number,
                description=series.series_description,
                image_count=sum(m.number_of_frames for m in images),
                first_instance_pk=images[len(images) // 2].id if images else None,
            )
        )
    views.sort(key=lambda v: (v.study_pk, _int_or_none(v.series_number) or 0, v.series_pk))
    patient = None
    if study_rows:
        first_study = next(iter(study_rows.values()))
        patient = session.get(Patient, first_study.patient_pk)
    return PackageContents(
        patient=patient,
        studies=list(study_rows.values()),
        series=views,
        instance_count=len(instances),
        total_bytes=sum(i.size for i in instances),
    )
