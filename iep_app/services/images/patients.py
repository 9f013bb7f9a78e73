"""The patient header a verified recipient sees: IDs, name, birth date and sex, formatted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from iep_app.models import Transaction
from iep_app.services.images import studies
from iep_app.vocabulary import dicom_date, person_name


@dataclass(frozen=True)
class PatientHeader:
    """What every forward step shows on top; for pages only, never for URLs or logs."""

    public_id: str
    patient_id: str
    patient_name: str
    birth_date: str
    sex: str  # the DICOM code: M, F, O, or "" when unknown


def header(*, session: Session, transaction: Transaction, lang: str) -> PatientHeader:
    """The patient header of a package in the reader's language (empty fields when it holds no patient)."""
    assert transaction.id is not None
    patient = studies.contents(session=session, transaction_pk=transaction.id).patient
    if patient is None:
        return PatientHeader(transaction.public_id or "", "", "", "", "")
    sex = patient.sex.strip().upper()
    return PatientHeader(
        public_id=transaction.public_id or "",
        patient_id=patient.patient_id,
        patient_name=person_name(patient.patient_name),
        birth_date=dicom_date(patient.birth_date, lang=lang),
        sex=sex if sex in ("M", "F", "O") else "",
    )
