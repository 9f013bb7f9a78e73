"""What the viewer lists and may open, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from iep_app.dicom.index import InstanceKind
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.services.errors import NotAllowed
from iep_app.services.recipient import viewing
from tests.support.dicom_files import make_pdf_instance, make_ruler_image
from tests.support.packages import by_email, share_files


def _package(session, settings, paths, email="viewer@example.org") -> int:
    shared = share_files(session, settings, paths, by_email(email, "codes@example.org"))
    return shared.transaction.id


@pytest.fixture
def files(tmp_path: Path) -> dict[str, list[Path]]:
    ct = make_ct_series(tmp_path / "ct", slices=3, size=32)
    ruler = make_ruler_image(tmp_path / "ruler.dcm", study_uid="1.2.826.0.1.3680043.10.1")
    pdf = make_pdf_instance(tmp_path / "report.dcm", study_uid="1.2.826.0.1.3680043.10.1")
    return {"ct": ct, "ruler+pdf": [ruler, pdf], "mr": [Path(get_testdata_file("MR_small.dcm"))]}


def test_browser_lists_studies_series_and_documents(session, settings, files):
    pk = _package(session, settings, [*reversed(files["ct"]), *files["ruler+pdf"]])
    browser = viewing.browse(session=session, transaction_pk=pk, lang="en")
    assert browser.patient_name in ("DEMO, PATIENT", "TEST, RULER")
    assert [s.date for s in browser.studies] == ["02/02/2024", "01/01/2024"]
    other, ct = browser.studies
    assert [(s.modality, s.image_count, s.description) for s in ct.series] == [
        ("CT", 3, "SYNTHETIC AXIAL 1.25")
    ]
    assert ct.objects == []
    assert [(s.modality, s.image_count) for s in other.series] == [("OT", 1)]
    assert [(o.kind, o.description) for o in other.objects] == [("pdf", "REPORT")]
    middle = viewing.series_images(
        session=session, transaction_pk=pk, series_pk=ct.series[0].series_pk
    ).instances[1]
    assert ct.series[0].thumbnail_pk == middle.id


def test_series_images_are_in_instance_number_order(session, settings, files):
    pk = _package(session, settings, list(reversed(files["ct"])))
    series_pk = viewing.browse(session=session, transaction_pk=pk, lang="en").studies[0].series[0].series_pk
    images = viewing.series_images(session=session, transaction_pk=pk, series_pk=series_pk)
    assert [i.instance_number for i in images.instances] == [1, 2, 3]
    assert images.patient_name == "DEMO, PATIENT" and images.series.modality == "CT"


def test_another_packages_series_and_instances_are_refused(session, settings, files):
    mine = _package(session, settings, files["ct"])
    theirs = _package(session, settings, files["ruler+pdf"], email="other@example.org")
    their_study = viewing.browse(session=session, transaction_pk=theirs, lang="en").studies[0]
    with pytest.raises(NotAllowed):
        viewing.series_images(session=session, transaction_pk=mine, series_pk=their_study.series[0].series_pk)
    with pytest.raises(NotAllowed):
        viewing.series_images(session=session, transaction_pk=mine, series_pk=999_999)
    pdf_pk = their_study.objects[0].instance_pk
    with pytest.raises(NotAllowed):
        viewing.package_instance(session=session, transaction_pk=mine, instance_pk=pdf_pk)
    found = viewing.package_instance(
        session=session, transaction_pk=theirs, instance_pk=pdf_pk, kind=InstanceKind.PDF
    )
    assert found.kind == "pdf"
    with pytest.raises(NotAllowed):  # right package, wrong kind
        viewing.package_instance(
            session=session, transaction_pk=theirs, instance_pk=pdf_pk, kind=InstanceKind.IMAGE
        )


def test_a_series_of_documents_only_has_no_images(session, settings, files):
    pk = _package(session, settings, files["ruler+pdf"])
    study = viewing.browse(session=session, transaction_pk=pk, lang="en").studies[0]
    pdf = viewing.package_instance(
        session=session, transaction_pk=pk, instance_pk=study.objects[0].instance_pk
    )
    with pytest.raises(NotAllowed):
        viewing.series_images(session=session, transaction_pk=pk, series_pk=pdf.series_pk)


def test_manifest_describes_every_instance_and_marks_unreadable_ones(session, settings, files):
    pk = _package(session, settings, [*files["ct"]])
    series_pk = viewing.browse(session=session, transaction_pk=pk, lang="en").studies[0].series[0].series_pk
    images = viewing.series_images(session=session, transaction_pk=pk, series_pk=series_pk)
    store = FileStore(settings.store_dir)
    store.path_of(images.instances[2].storage_key).unlink()  # lost from the store
    urls = {"words": "/w/{instance}/{frame}", "png": "/p/{instance}/{frame}"}
    body = viewing.manifest(images, store=store, urls=urls, lang="en")
    assert body["urls"] == urls
    assert body["series"]["patient"] == "DEMO, PATIENT"
    assert body["series"]["studyDate"] == "01/01/2024"
    first, _, lost = body["instances"]
    assert first["id"] == images.instances[0].id and first["number"] == 1
    assert first["mode"] == "gray" and first["windows"][1] == [-600.0, 1500.0, "LUNG"]
    assert first["orientation"] == ["R", "L", "A", "P"]
    assert lost == {"id": images.instances[2].id, "number": 3, "mode": "error", "frames": 1}
