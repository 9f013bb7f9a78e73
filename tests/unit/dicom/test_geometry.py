"""Orientation letters, pixel spacing and lengths, from real and edited headers."""

from __future__ import annotations

import math
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from iep_app.dicom.geometry import (
    Spacing,
    direction_letters,
    edge_labels,
    length_mm,
    length_pixels,
    pixel_spacing,
)


def _with(**attributes) -> Dataset:
    ds = Dataset()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        ([1, 0, 0, 0, 1, 0], ["R", "L", "A", "P"]),  # axial, as a CT scanner writes it
        ([1, 0, 0, 0, 0, -1], ["R", "L", "H", "F"]),  # coronal
        ([0, 1, 0, 0, 0, -1], ["A", "P", "H", "F"]),  # sagittal
        ([-1, 0, 0, 0, -1, 0], ["L", "R", "P", "A"]),  # axial seen from above, prone
    ],
)
def test_edge_letters_of_the_standard_planes(orientation, expected):
    assert edge_labels(_with(ImageOrientationPatient=orientation)).as_list() == expected


def test_oblique_planes_name_the_strongest_axis_first():
    angle = math.radians(30)
    row = [math.cos(angle), math.sin(angle), 0]  # 30 degrees from left towards posterior
    labels = edge_labels(_with(ImageOrientationPatient=[*row, 0, 0, -1]))
    assert labels.right == "LP" and labels.left == "RA"
    assert direction_letters([0.99, 0.1, 0.05]) == "L"  # small tilts add no letter


def test_patient_orientation_is_used_for_projection_images():
    labels = edge_labels(_with(PatientOrientation=["A", "FR"]))
    assert labels.as_list() == ["P", "A", "HL", "FR"]


@pytest.mark.parametrize(
    "attributes",
    [{}, {"ImageOrientationPatient": [0, 0, 0, 0, 0, 0]}, {"PatientOrientation": ["X", "Y"]}],
)
def test_no_letters_without_usable_geometry(attributes):
    assert edge_labels(_with(**attributes)) is None


def test_enhanced_multiframe_geometry_comes_from_the_functional_groups(corpus: Path):
    ds = pydicom.dcmread(corpus / "liver_1frame.dcm", stop_before_pixels=True)
    assert "ImageOrientationPatient" not in ds and "PixelSpacing" not in ds
    assert edge_labels(ds).as_list() == ["R", "L", "A", "P"]
    assert pixel_spacing(ds) == Spacing(0.810547, 0.810547, "PixelSpacing")


def test_spacing_prefers_pixel_spacing_then_the_detector():
    both = _with(PixelSpacing=[0.5, 0.7], ImagerPixelSpacing=[0.2, 0.2])
    assert pixel_spacing(both) == Spacing(0.5, 0.7, "PixelSpacing")
    detector = _with(ImagerPixelSpacing=[0.2, 0.3])
    assert pixel_spacing(detector) == Spacing(0.2, 0.3, "ImagerPixelSpacing")


@pytest.mark.parametrize("value", [None, [0, 0.5], [0.5], [float("nan"), 1.0]])
def test_bad_or_missing_spacing_means_pixels(value):
    ds = _with(PixelSpacing=value) if value is not None else _with()
    assert pixel_spacing(ds) is None


def test_unparsable_spacing_text_means_pixels():
    ds = Dataset()
    ds.add_new(0x00280030, "LO", ["a", "b"])  # not numbers, as a broken writer may store
    assert pixel_spacing(ds) is None


def test_lengths_use_row_spacing_vertically_and_column_spacing_across():
    spacing = Spacing(row=0.6, column=0.9, source="PixelSpacing")
    assert length_mm((0, 0), (10, 0), spacing) == pytest.approx(9.0)
    assert length_mm((0, 0), (0, 10), spacing) == pytest.approx(6.0)
    assert length_mm((40, 60), (280, 200), spacing) == pytest.approx(math.hypot(216, 84))
    assert length_pixels((0, 0), (3, 4)) == 5.0
