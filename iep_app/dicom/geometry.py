"""Image geometry from DICOM headers: orientation letters, pixel spacing and lengths in mm."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydicom.dataset import Dataset

# Patient axes of the DICOM patient coordinate system (LPS): +x is the patient's left,
# +y posterior, +z head. Letters as in Patient Orientation (0020,0020).
_AXIS_LETTERS = (("L", "R"), ("P", "A"), ("H", "F"))
_OPPOSITE = {"L": "R", "R": "L", "P": "A", "A": "P", "H": "F", "F": "H"}
# An axis is named at an edge when it contributes at least this much to the edge's
# direction (about 14 degrees of obliquity): below it the letter is noise, not anatomy.
OBLIQUE_THRESHOLD = 0.25


@dataclass(frozen=True)
class EdgeLabels:
    """The patient directions towards each edge of the displayed image, e.g. R, L, A, P."""

    left: str
    right: str
    top: str
    bottom: str

    def as_list(self) -> list[str]:
        return [self.left, self.right, self.top, self.bottom]


@dataclass(frozen=True)
class Spacing:
    """Millimetres between pixel centres.

    Attributes:
        row: between adjacent rows (vertical on screen).
        column: between adjacent columns (horizontal on screen).
        source: the attribute it came from. "PixelSpacing" is calibrated in the patient;
            "ImagerPixelSpacing" is at the detector, so projection images magnify.
    """

    row: float
    column: float
    source: str


def direction_letters(vector: Sequence[float], threshold: float = OBLIQUE_THRESHOLD) -> str:
    """Name a direction in patient space by up to three letters, strongest axis first.

    Args:
        vector: a direction cosine (x, y, z) in the patient coordinate system.
        threshold: the smallest component that still earns a letter.

    Returns:
        e.g. "L" for (1, 0, 0), "LP" for a 30-degree oblique, "" for a null vector.
    """
    components = sorted(((abs(value), axis, value) for axis, value in enumerate(vector[:3])), reverse=True)
    letters = ""
    for magnitude, axis, value in components:
        if magnitude >= threshold:
            letters += _AXIS_LETTERS[axis][0 if value > 0 else 1]
    return letters


def edge_labels(ds: Dataset) -> EdgeLabels | None:
    """The orientation letters at the image's edges, when the header gives the geometry.

    Image Orientation (Patient) is used first (the first frame's, for enhanced
    multi-frame objects); projection images without it may carry Patient Orientation,
    which names the row and column directions directly.

    Returns:
        The letters, or None when the header does not say how the patient lay.
    """
    cosines = _orientation_cosines(ds)
    if cosines is not None:
        row, column = cosines[:3], cosines[3:]
        right, bottom = direction_letters(row), direction_letters(column)
        if right and bottom:
            return EdgeLabels(
                left=direction_letters([-v for v in row]),
                right=right,
                top=direction_letters([-v for v in column]),
                bottom=bottom,
            )
    return _from_patient_orientation(_get(ds, "PatientOrientation"))


def _from_patient_orientation(value: object) -> EdgeLabels | None:
    try:
        right, bottom = (str(v).strip().upper() for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    if not right or not bottom or any(c not in _OPPOSITE for c in right + bottom):
        return None
    opposite = "".join(_OPPOSITE[c] for c in right), "".join(_OPPOSITE[c] for c in bottom)
    return EdgeLabels(left=opposite[0], right=right, top=opposite[1], bottom=bottom)


def _orientation_cosines(ds: Dataset) -> list[float] | None:
    value = _get(ds, "ImageOrientationPatient")
    if value is None:
        value = _functional_group_value(ds, "PlaneOrientationSequence", "ImageOrientationPatient")
    numbers = _finite_numbers(value, 6)
    if numbers is None:
        return None
    row, column = numbers[:3], numbers[3:]
    if _norm(row) < 0.5 or _norm(column) < 0.5:
        return None
    return numbers


def pixel_spacing(ds: Dataset) -> Spacing | None:
    """The spacing a length measurement may use, or None (measure in pixels).

    Pixel Spacing first (also inside the functional groups of enhanced multi-frame
    objects), then Imager Pixel Spacing (projection radiography). Ultrasound region
    calibration is not used.
    """
    candidates = (
        ("PixelSpacing", _get(ds, "PixelSpacing")),
        ("PixelSpacing", _functional_group_value(ds, "PixelMeasuresSequence", "PixelSpacing")),
        ("ImagerPixelSpacing", _get(ds, "ImagerPixelSpacing")),
    )
    for source, value in candidates:
        numbers = _finite_numbers(value, 2)
        if numbers is not None and min(numbers) > 0:
            return Spacing(row=numbers[0], column=numbers[1], source=source)
    return None


def length_mm(start: tuple[float, float], end: tuple[float, float], spacing: Spacing) -> float:
    """The distance in millimetres between two points given as (column, row) in pixels."""
    dx = (end[0] - start[0]) * spacing.column
    dy = (end[1] - start[1]) * spacing.row
    return math.hypot(dx, dy)


def length_pixels(start: tuple[float, float], end: tuple[float, float]) -> float:
    """The distance in pixels between two (column, row) points."""
    return math.hypot(end[0] - start[0], end[1] - start[1])


def _get(ds: Dataset, keyword: str) -> object:
    try:
        return ds.get(keyword)
    except Exception:  # a value that cannot be parsed counts as missing
        return None


def _functional_group_value(ds: Dataset, macro: str, keyword: str) -> object:
    """A value from the shared, else the first per-frame, functional group."""
    for groups in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        try:
            value = getattr(getattr(ds, groups)[0], macro)[0].get(keyword)
        except (AttributeError, IndexError, TypeError, KeyError):
            continue
        if value is not None:
            return value
    return None


def _finite_numbers(value: object, count: int) -> list[float] | None:
    if value is None or isinstance(value, str | bytes):
        return None
    try:
        numbers = [float(v) for v in value]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


def _norm(vector: Sequence[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))
