"""The pictures zip for patients: JPEGs and PDFs in named folders, and what was left out."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import dcmread

from iep_app.dicom.export import extract_pdf, iter_pictures_zip
from iep_app.dicom.export_item import ExportItem
from tests.unit.export.conftest import MEDIA_ARGS

UNSAFE = re.compile(r'[<>:"\\|?*\x00-\x1f]')


def render_jpeg(path: Path) -> bytes:
    """A stand-in for the real renderer: the first frame, min-max scaled, as a JPEG."""
    pixels = dcmread(path).pixel_array.astype(np.float64)
    if pixels.ndim == 4 or (pixels.ndim == 3 and pixels.shape[-1] not in (3, 4)):
        pixels = pixels[0]
    low, high = pixels.min(), pixels.max()
    scaled = ((pixels - low) * (255.0 / max(high - low, 1.0))).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(scaled).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _pictures(items: list[ExportItem], render=render_jpeg) -> zipfile.ZipFile:
    data = b"".join(iter_pictures_zip(items, render=render, **MEDIA_ARGS))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def test_every_image_is_a_jpeg_that_opens(items: list[ExportItem]):
    archive = _pictures(items)
    jpegs = [n for n in archive.namelist() if n.endswith(".jpg")]
    assert len(jpegs) == sum(1 for i in items if i.kind == "image")
    for name in jpegs:
        with Image.open(io.BytesIO(archive.read(name))) as picture:
            assert picture.format == "JPEG"
            picture.load()


def test_the_pdf_report_is_extracted_exactly(items, pdf_bytes: bytes, pdf_item: ExportItem):
    archive = _pictures(items)
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 1
    assert archive.read(pdfs[0]) == pdf_bytes  # the DICOM padding byte is gone
    assert extract_pdf(pdf_item.path) == pdf_bytes


def test_folders_are_named_after_study_and_series_safely(items):
    names = _pictures(items).namelist()
    folders = {tuple(n.split("/")[:2]) for n in names if "/" in n}
    assert ("2004-01-19 e+1", "001") in {(s, e.split(" ")[0]) for s, e in folders}
    assert any(e == "002 T_S_C RF FAST PILOT" for _, e in folders)  # "/" in a description
    assert any(e == "099 Report _ final" for _, e in folders)
    for study, series in folders:
        assert not UNSAFE.search(study + series) and study.strip() == study


def test_folder_names_are_unique_even_when_descriptions_collide(items):
    pilots = [i for i in items if i.series_description == "T/S/C RF FAST PILOT"]
    assert len({i.series_instance_uid for i in pilots}) == 2  # two studies, one folder name
    one_study = [replace(i, study_instance_uid="1.2.3", study_description="One") for i in pilots]
    folders = {n.rsplit("/", 1)[0] for n in _pictures(one_study).namelist() if "/" in n}
    study = "2003-05-05 One"
    assert folders == {f"{study}/002 T_S_C RF FAST PILOT", f"{study}/002 T_S_C RF FAST PILOT (2)"}


def test_an_image_that_fails_to_render_is_named_in_the_readme(items):
    broken = next(i for i in items if i.kind == "image")

    def render(path: Path) -> bytes:
        if path == broken.path:
            raise RuntimeError("cannot decode")
        return render_jpeg(path)

    archive = _pictures(items, render)
    readme = archive.read("README.TXT").decode("utf-8")
    assert "could not be converted" in readme
    missing = readme.split("missing:")[1].strip().splitlines()
    assert len(missing) == 1 and missing[0] not in archive.namelist()
    assert missing[0].endswith("/0001.jpg")
    assert "1 report, 2 radiotherapy objects, 1 waveform" in readme
