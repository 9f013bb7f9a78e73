"""What a package's downloads are called and contain: file names, and export items from the index."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.dicom.export_item import ExportItem
from iep_app.dicom.store import FileStore
from iep_app.models import Instance, Patient, Progress, Series, Study, Transaction, TransactionInstance, pk
from iep_app.services import audit
from iep_app.services.audit import Action
from iep_app.services.transactions import records


class DownloadKind(enum.StrEnum):
    """What a recipient may download (the last part of its URL, /download/<kind>.zip)."""

    DICOM = "dicom"  # the original files, with a DICOMDIR, for viewers and PACS
    PICTURES = "pictures"  # JPEGs and PDFs for people without a DICOM viewer


def file_name(public_id: str, kind: DownloadKind, *, series: bool = False) -> str:
    """The name a download is saved under, whichever page or endpoint offers it.

    Args:
        public_id: the package's transaction ID.
        kind: which download.
        series: one series of the package rather than all of it.

    Returns:
        ``NS000708-DICOM.zip``, ``NS000708-series-DICOM.zip``, ``NS000708-pictures.zip``.
    """
    word = "DICOM" if kind == DownloadKind.DICOM else "pictures"
    return f"{public_id}{'-series' if series else ''}-{word}.zip"


def export_items(
    *, session: Session, transaction: Transaction, store: FileStore, series_pk: int | None = None
) -> list[ExportItem]:
    """The stored instances of a package (or of one of its series), ready for export.

    Args:
        session: the database session.
        transaction: the package; only its own instances are ever listed.
        store: where the original files are.
        series_pk: limit to this series; a series not in the package gives an empty list.

    Returns:
        One item per instance, ordered by series and instance number.
    """
    query = (
        select(Instance, Series, Study, Patient)
        .join(TransactionInstance, col(TransactionInstance.instance_pk) == col(Instance.id))
        .join(Series, col(Series.id) == col(Instance.series_pk))
        .join(Study, col(Study.id) == col(Series.study_pk))
        .join(Patient, col(Patient.id) == col(Study.patient_pk))
        .where(TransactionInstance.transaction_pk == pk(transaction))
        .order_by(col(Series.id), col(Instance.instance_number), col(Instance.id))
    )
    if series_pk is not None:
        query = query.where(col(Series.id) == series_pk)
    return [
        ExportItem(
            path=store.path_of(instance.storage_key),
            size=instance.size,
            sha256=instance.sha256,
            crc32=instance.crc32,
            patient_id=patient.patient_id,
            patient_name=patient.patient_name,
            study_instance_uid=study.study_instance_uid,
            study_date=study.study_date,
            study_description=study.study_description,
            series_instance_uid=series.series_instance_uid,
            series_number=series.series_number,
            series_description=series.series_description,
            modality=series.modality,
            sop_instance_uid=instance.sop_instance_uid,
            sop_class_uid=instance.sop_class_uid,
            transfer_syntax_uid=instance.transfer_syntax_uid,
            instance_number="" if instance.instance_number is None else str(instance.instance_number),
            kind=instance.kind,
        )
        for instance, series, study, patient in session.exec(query)
    ]


@dataclass(frozen=True)
class Download:
    """One download about to stream: what goes in, and who sent the package."""

    items: list[ExportItem]
    organisation: str


def start(
    *,
    session: Session,
    transaction: Transaction,
    kind: DownloadKind,
    store: FileStore,
    organisation: str,
    series_pk: int | None,
    byte_range: str,
    now: datetime,
    ip: str,
) -> Download | None:
    """List a download's files, mark the package downloaded and audit what, how much and from where.

    Args:
        session: the database session (the caller commits).
        transaction: the package, already authorised for this request.
        kind: which download.
        store: where the original files are.
        organisation: the sending organisation's name, for the archive's README.
        series_pk: one series of the package, or None for all of it.
        byte_range: the request's Range header ("" for none), kept in the audit trail.
        now: the current time.
        ip: the client's address.

    Returns:
        The download, or None when there is nothing to send (a series not in the package).
    """
    items = export_items(session=session, transaction=transaction, store=store, series_pk=series_pk)
    if not items:
        return None
    row = session.get(Transaction, pk(transaction))
    assert row is not None
    records.advance(row, Progress.DOWNLOADED, now)
    audit.record(
        session=session,
        now=now,
        action=Action.DOWNLOADED,
        actor=audit.RECIPIENT,
        transaction_pk=pk(transaction),
        ip=ip,
        kind=kind,
        series=series_pk,
        files=len(items),
        bytes=sum(i.size for i in items),
        range=byte_range,
    )
    return Download(items=items, organisation=organisation)
