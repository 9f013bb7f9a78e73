"""The patient header a verified recipient sees: IDs, name, birth date and sex, formatted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from iep_app.models import Transaction
from iep_app.services.images import studies


@dataclass(frozen=True)
class PatientHeader:
    """What every forward step shows on top; for pages only, never for URLs or logs."""

    public_id: str
    patient_id: str
    patient_name: str
    birth_date: str
    sex: str  # the DICOM code: M, F, O, or "" when unknown


def person_name(value: str) -> str:
    """A DICOM person name (Family^Given^Middle^Prefix^Suffix) as "FAMILY, Given Middle"."""
    alphabetic = value.split("=", 1)[0]
    parts = [p.strip() for p in alphabetic.split("^")] + [""] * 5
    family, given, middle, prefix, suffix = parts[:5]
    first = " ".join(p for p in (prefix, given, middle) if p)
    name = ", ".join(p for p in (family, first) if p)
    return f"{name} {suffix}".strip()


def dicom_date(value: str) -> str:
    """A DICOM date (YYYYMMDD) as DD/MM/YYYY; anything else is shown as it is."""
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[6:]}/{value[4:6]}/{value[:4]}"
    return value


def header(*, session: Session, transaction: Transaction) -> PatientHeader:
    """The patient header of a package (empty fields when it holds no patient)."""
    assert transaction.id is not None
    patient = studies.contents(session=session, transaction_pk=transaction.id).patient
    if patient is None:
        return PatientHeader(transaction.public_id or "", "", "", "", "")
    sex = patient.sex.strip().upper()
    return PatientHeader(
        public_id=transaction.public_id or "",
        patient_id=patient.patient_id,
        patient_name=person_name(patient.patient_name),
        birth_date=dicom_date(patient.birth_date),
        sex=sex if sex in ("M", "F", "O") else "",
    )
