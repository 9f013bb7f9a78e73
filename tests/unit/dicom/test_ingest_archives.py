"""Zip archives are streamed member by member; DICOMDIR media are read through their index."""

import zipfile
from pathlib import Path

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_are_ingested_and_escaping_members_rejected(corpus, store, tmp_path):
    ct = (corpus / "CT_small.dcm").read_bytes()
    archive = _zip(
        tmp_path / "study.zip",
        {
            "study/ct.dcm": ct,
            "study/mr.dcm": (corpus / "MR_small.dcm").read_bytes(),
            "../../evil.dcm": (corpus / "rtplan.dcm").read_bytes(),
            "/abs.dcm": (corpus / "rtdose.dcm").read_bytes(),
            "readme.txt": b"hello",
        },
    )
    report = ingest_paths([archive], store)
    assert sorted(i.source_name for i in report.instances) == [
        f"{archive}:study/ct.dcm",
        f"{archive}:study/mr.dcm",
    ]
    reasons = {r.source_name.split(":", 1)[1]: r.reason for r in report.rejected}
    assert "outside its folder" in reasons["../../evil.dcm"]
    assert "outside its folder" in reasons["/abs.dcm"]
    assert "not a DICOM file" in reasons["readme.txt"]


def test_archive_over_the_limit_is_rejected_unopened(corpus, store, tmp_path):
    archive = _zip(tmp_path / "big.zip", {"ct.dcm": (corpus / "CT_small.dcm").read_bytes()})
    report = ingest_paths([archive], store, max_archive_bytes=1000)
    assert report.instances == []
    assert "larger than" in report.rejected[0].reason


def test_archive_that_inflates_over_the_limit_is_rejected(store, tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {"zeros.dcm": bytes(5_000_000)})
    assert archive.stat().st_size < 100_000
    report = ingest_paths([archive], store, max_archive_bytes=1_000_000)
    assert "larger than" in report.rejected[0].reason


def test_dicomdir_media_indexes_the_referenced_files_only(corpus, store: FileStore):
    media = corpus / "dicomdirtests"
    report = ingest_paths([media / "DICOMDIR"], store)
    assert len(report.instances) == 31 and not report.rejected
    assert all("DICOMDIR" not in i.source_name for i in report.instances)


def test_folder_with_dicomdir_is_read_as_media(corpus, store):
    report = ingest_paths([corpus / "dicomdirtests"], store)
    # the root DICOMDIR lists 31 images; TINY_ALPHA beneath it is not walked
    assert len(report.instances) == 31 and not report.rejected


def test_plain_folder_is_walked_recursively(corpus, store, tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "ct").write_bytes((corpus / "CT_small.dcm").read_bytes())
    (tmp_path / "a" / "mr").write_bytes((corpus / "MR_small.dcm").read_bytes())
    report = ingest_paths([tmp_path / "a"], store)
    assert {i.series["Modality"] for i in report.instances} == {"CT", "MR"}
