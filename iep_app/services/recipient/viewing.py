"""What the viewer of a package may show: its studies, series, images and documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.dicom.display import display_info
from iep_app.dicom.index import InstanceKind
from iep_app.dicom.pixels import RenderError, read_header
from iep_app.dicom.presets import FileWindow, file_windows
from iep_app.dicom.store import FileStore
from iep_app.dicom.tags import TagRow, tag_rows
from iep_app.models import (
    Instance,
    Patient,
    Progress,
    Series,
    Study,
    Transaction,
    TransactionInstance,
    pk,
)
from iep_app.services import audit
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed
from iep_app.services.images.studies import instances_of
from iep_app.services.transactions import records
from iep_app.vocabulary import dicom_date, person_name


@dataclass(frozen=True)
class SeriesItem:
    """An image series as the browser lists it; ``thumbnail_pk`` is its middle image."""

    series_pk: int
    modality: str
    number: str
    description: str
    image_count: int
    thumbnail_pk: int


@dataclass(frozen=True)
class ObjectItem:
    """A non-image object (report, PDF, waveform, ...); only PDFs open in the browser."""

    instance_pk: int
    kind: str
    modality: str
    description: str


@dataclass(frozen=True)
class StudyItem:
    study_pk: int
    description: str
    date: str
    series: list[SeriesItem]
    objects: list[ObjectItem]


@dataclass(frozen=True)
class Browser:
    """Everything the study and series browser shows."""

    patient_name: str
    studies: list[StudyItem]


@dataclass(frozen=True)
class SeriesImages:
    """One image series of a package, its instances in display order."""

    series: Series
    study: Study
    patient_name: str
    instances: list[Instance]


def display_order(instance: Instance) -> tuple[int, str]:
    """Instance Number order; instances without one go last, by SOP Instance UID."""
    number = instance.instance_number
    return (number if number is not None else 1 << 30, instance.sop_instance_uid)


def browse(*, session: Session, transaction_pk: int, lang: str) -> Browser:
    """List a package's studies with their image series and other objects.

    Args:
        session: the database session.
        transaction_pk: the package, already checked to be this person's.
        lang: the reader's language, for the study dates.

    Returns:
        Studies newest first; series by series number; empty series left out.
    """
    by_series: dict[int, list[Instance]] = {}
    for instance in instances_of(session=session, transaction_pk=transaction_pk):
        by_series.setdefault(instance.series_pk, []).append(instance)
    series_rows = list(session.exec(select(Series).where(col(Series.id).in_(by_series))))
    studies = {
        pk(s): s
        for s in session.exec(select(Study).where(col(Study.id).in_({s.study_pk for s in series_rows})))
    }
    items: dict[int, StudyItem] = {
        pk: StudyItem(pk, s.study_description, dicom_date(s.study_date, lang=lang), [], [])
        # Newest study first, as a worklist shows them: the one a person came for.
        for pk, s in sorted(studies.items(), key=lambda kv: (kv[1].study_date, kv[0]), reverse=True)
    }
    for series in sorted(series_rows, key=_series_order):
        members = by_series[pk(series)]
        study = items[series.study_pk]
        images = sorted((m for m in members if m.kind == InstanceKind.IMAGE), key=display_order)
        if images:
            study.series.append(
                SeriesItem(
                    series_pk=pk(series),
                    modality=series.modality,
                    number=series.series_number,
                    description=series.series_description,
                    image_count=sum(max(m.number_of_frames, 1) for m in images),
                    thumbnail_pk=pk(images[len(images) // 2]),
                )
            )
        for other in sorted((m for m in members if m.kind != InstanceKind.IMAGE), key=display_order):
            study.objects.append(
                ObjectItem(pk(other), other.kind, series.modality, series.series_description)
            )
    patient = _patient_of(session, next(iter(studies.values()), None))
    return Browser(patient_name=patient, studies=list(items.values()))


@dataclass(frozen=True)
class Opened:
    """What the viewer shows when it opens: the browser, and the series it starts on."""

    browser: Browser
    first: SeriesImages | None


def open_viewer(
    *, session: Session, transaction: Transaction, now: datetime, lang: str, ip: str = ""
) -> Opened:
    """Record that the recipient opened the viewer, and list what it shows.

    Args:
        session: the database session.
        transaction: the package, already checked to be this person's.
        now: the time of opening (progress and audit).
        lang: the reader's language, for the study dates.
        ip: the client address, for the audit trail.

    Returns:
        The browser, and the first image series of the newest study (None without images).
    """
    browser = browse(session=session, transaction_pk=pk(transaction), lang=lang)
    records.advance(transaction, Progress.VIEWED, now)
    audit.record(
        session=session,
        now=now,
        action=Action.VIEWED,
        actor=audit.RECIPIENT,
        transaction_pk=pk(transaction),
        ip=ip,
    )
    first = next((study.series[0] for study in browser.studies if study.series), None)
    if first is None:
        return Opened(browser, None)
    images = series_images(session=session, transaction_pk=pk(transaction), series_pk=first.series_pk)
    return Opened(browser, images)


def series_images(*, session: Session, transaction_pk: int, series_pk: int) -> SeriesImages:
    """The image instances of one series of this package, in display order.

    Raises:
        NotAllowed: the package holds no image of that series (or it does not exist).
    """
    query = (
        select(Instance)
        .join(TransactionInstance, col(TransactionInstance.instance_pk) == col(Instance.id))
        .where(
            TransactionInstance.transaction_pk == transaction_pk,
            Instance.series_pk == series_pk,
            Instance.kind == InstanceKind.IMAGE,
        )
    )
    instances = sorted(session.exec(query), key=display_order)
    series = session.get(Series, series_pk)
    study = session.get(Study, series.study_pk) if series else None
    if not instances or series is None or study is None:
        raise NotAllowed()
    return SeriesImages(series, study, _patient_of(session, study), instances)


def package_instance(
    *, session: Session, transaction_pk: int, instance_pk: int, kind: str | None = None
) -> Instance:
    """One instance of this package, optionally of one kind.

    Raises:
        NotAllowed: another package's instance, a missing one, or the wrong kind.
    """
    link = session.get(TransactionInstance, (transaction_pk, instance_pk))
    instance = session.get(Instance, instance_pk) if link else None
    if instance is None or (kind is not None and instance.kind != kind):
        raise NotAllowed()
    return instance


def manifest(images: SeriesImages, *, store: FileStore, urls: dict[str, str], lang: str) -> dict[str, object]:
    """The series description a browser viewer loads: overlay text, geometry and pipeline.

    Reads every instance's header (cached for the frame requests that follow). An
    instance whose header cannot be read is listed with mode "error", so the viewer says
    so in its place rather than skipping it.

    Args:
        images: from ``series_images``.
        store: the file store.
        urls: URL templates with {instance} and {frame}, passed through to the browser.
        lang: the reader's language, for the study date.
    """
    instances = []
    for instance in images.instances:
        entry: dict[str, object] = {"id": instance.id, "number": instance.instance_number}
        try:
            entry |= display_info(read_header(store.path_of(instance.storage_key))).as_json()
        except RenderError:
            entry |= {"mode": "error", "frames": max(instance.number_of_frames, 1)}
        instances.append(entry)
    series, study = images.series, images.study
    return {
        "series": {
            "key": str(series.id),
            "modality": series.modality,
            "number": series.series_number,
            "description": series.series_description,
            "patient": images.patient_name,
            "studyDate": dicom_date(study.study_date, lang=lang),
            "studyDescription": study.study_description,
        },
        "urls": urls,
        "instances": instances,
    }


@dataclass(frozen=True)
class SeriesLook:
    """What a window menu needs: colour images have none; grey ones list the file's windows."""

    colour: bool
    windows: list[FileWindow]


def series_look(images: SeriesImages, *, store: FileStore) -> SeriesLook:
    """Read the first image's header to see how the series is shown.

    A header that cannot be read counts as grey-scale without windows.
    """
    try:
        ds = read_header(store.path_of(images.instances[0].storage_key))
    except RenderError:
        return SeriesLook(colour=False, windows=[])
    colour = not str(ds.get("PhotometricInterpretation", "MONOCHROME2")).startswith("MONOCHROME")
    return SeriesLook(colour=colour, windows=[] if colour else file_windows(ds))


def instance_tags(instance: Instance, *, store: FileStore) -> list[TagRow]:
    """The header of one instance as tag panel rows (pixel data is not read).

    Raises:
        RenderError: the stored file cannot be read.
    """
    return tag_rows(read_header(store.path_of(instance.storage_key)))


def _series_order(series: Series) -> tuple[int, int]:
    try:
        number = int(float(series.series_number))
    except (TypeError, ValueError):
        number = 1 << 30
    return number, pk(series)


def _patient_of(session: Session, study: Study | None) -> str:
    patient = session.get(Patient, study.patient_pk) if study else None
    return person_name(patient.patient_name) if patient else ""
