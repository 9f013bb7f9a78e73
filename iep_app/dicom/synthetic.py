"""Synthetic CT studies of a body phantom, made here, for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

# Hounsfield units of the phantom's tissues.
AIR, LUNG, FAT, SOFT_TISSUE, LIVER, KIDNEY, BLOOD, BONE, CORTEX = (
    -1000,
    -850,
    -100,
    40,
    60,
    30,
    180,
    400,
    1000,
)
_INTERCEPT = -1024  # stored = HU + 1024, as most scanners write it


def make_ct_series(out_dir: Path, *, slices: int = 300, size: int = 512, seed: int = 0) -> list[Path]:
    """Write an axial CT series of a synthetic torso, one file per slice.

    The patient, study and series are clearly synthetic ("DEMO^PATIENT"); UIDs are newly
    generated on every call, so two calls make two distinct studies.

    Args:
        out_dir: folder to write into (created if missing).
        slices: number of slices, head to feet, 1.25 mm apart.
        size: rows and columns of each slice (a 400 mm field of view).
        seed: seed of the image noise.

    Returns:
        The paths written, in slice order.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # A pool of noise fields reused with shifts: drawing fresh noise per slice would
    # dominate the time to make a series.
    noise = rng.normal(0.0, 12.0, size=(4, size, size)).astype(np.int16)
    template = _template(size, spacing=400.0 / size, thickness=1.25)
    grid = _grid(size)
    paths = []
    for index in range(slices):
        position = index / max(slices - 1, 1)  # 0 at the top of the chest, 1 at the pelvis
        hu = _phantom_slice(grid, position)
        hu += np.roll(noise[index % 4], index * 7, axis=1)
        ds = _slice_dataset(template, hu, index, z=-index * 1.25)
        path = out_dir / f"CT{index + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def make_ct_slice(
    path: Path,
    *,
    size: int = 64,
    pixel_spacing: float = 0.5,
    window: tuple[float, float] | None = (40.0, 400.0),
    position: float = 0.3,
) -> Path:
    """Write one synthetic CT slice, e.g. with a known pixel spacing for measurement tests.

    Args:
        path: file to write.
        size: rows and columns.
        pixel_spacing: millimetres per pixel, both directions.
        window: (center, width) written as the file's window, or None for no window.
        position: where in the torso the slice is, 0 (chest) to 1 (pelvis).

    Returns:
        The path written.
    """
    template = _template(size, spacing=pixel_spacing, thickness=1.0)
    if window is None:
        del template.WindowCenter, template.WindowWidth
    else:
        template.WindowCenter, template.WindowWidth = window
    ds = _slice_dataset(template, _phantom_slice(_grid(size), position), 0, z=0.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from -1 to 1 across the field of view, x to the patient's left."""
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    return axis[np.newaxis, :], axis[:, np.newaxis]


def _ellipse(grid: tuple[np.ndarray, np.ndarray], cx: float, cy: float, rx: float, ry: float):
    x, y = grid
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def _phantom_slice(grid: tuple[np.ndarray, np.ndarray], z: float) -> np.ndarray:
    """Hounsfield units of one axial slice at height z (0 chest, 1 pelvis)."""
    x, y = grid
    hu = np.full((y.shape[0], x.shape[1]), AIR, dtype=np.int16)
    width = 0.80 - 0.08 * np.sin(z * np.pi)
    hu[_ellipse(grid, 0, 0.05, width, 0.55)] = FAT
    hu[_ellipse(grid, 0, 0.05, width - 0.06, 0.49)] = SOFT_TISSUE
    if z < 0.45:  # chest: lungs shrinking towards the diaphragm, heart between them
        lung = 0.30 * (1.0 - z / 0.45) ** 0.5 + 0.02
        hu[_ellipse(grid, -0.33, -0.02, lung, lung * 1.35)] = LUNG
        hu[_ellipse(grid, 0.33, -0.02, lung, lung * 1.35)] = LUNG
        hu[_ellipse(grid, 0.08, -0.12, 0.18, 0.15)] = SOFT_TISSUE + 10
    if 0.3 < z < 0.7:  # abdomen: liver on the patient's right, kidneys at the back
        hu[_ellipse(grid, -0.30, 0.0, 0.32 * np.sin((z - 0.3) / 0.4 * np.pi), 0.28)] = LIVER
        hu[_ellipse(grid, -0.28, 0.28, 0.08, 0.11)] = KIDNEY
        hu[_ellipse(grid, 0.28, 0.28, 0.08, 0.11)] = KIDNEY
    hu[_ellipse(grid, 0.05, 0.18, 0.05, 0.05)] = BLOOD  # aorta, contrast enhanced
    hu[_ellipse(grid, 0, 0.36, 0.10, 0.09)] = CORTEX  # vertebral body
    hu[_ellipse(grid, 0, 0.36, 0.08, 0.07)] = BONE
    hu[_ellipse(grid, 0, 0.49, 0.04, 0.05)] = CORTEX  # spinous process
    if z < 0.6:  # ribs: short arcs on the body wall
        ring = _ellipse(grid, 0, 0.05, width - 0.07, 0.48) & ~_ellipse(grid, 0, 0.05, width - 0.11, 0.44)
        ribs = ring & (np.cos(np.arctan2(y, x) * 14) > 0.6)
        hu[ribs] = CORTEX
    return hu


def _template(size: int, *, spacing: float, thickness: float) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.PatientName, ds.PatientID = "DEMO^PATIENT", "DEMO-0001"
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.FrameOfReferenceUID = generate_uid()
    ds.StudyDate, ds.StudyTime, ds.StudyID = "20240101", "120000", "1"
    ds.AccessionNumber, ds.ReferringPhysicianName = "DEMO0001", "DEMO^REFERRER"
    ds.StudyDescription = "SYNTHETIC CT CHEST ABDOMEN"
    ds.SeriesDescription, ds.SeriesNumber = "SYNTHETIC AXIAL 1.25", 1
    ds.Modality, ds.BodyPartExamined, ds.Manufacturer = "CT", "CHEST", "iep synthetic phantom"
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [round(spacing, 6), round(spacing, 6)]
    ds.SliceThickness, ds.KVP = thickness, 120
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = _INTERCEPT, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = [40, -600], [400, 1500]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "LUNG"]
    return ds


def _slice_dataset(template: Dataset, hu: np.ndarray, index: int, *, z: float) -> Dataset:
    ds = template.copy()
    ds.file_meta = FileMetaDataset(template.file_meta)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.InstanceNumber = index + 1
    half = float(ds.PixelSpacing[0]) * int(ds.Columns) / 2
    ds.ImagePositionPatient = [-half, -half, round(z, 3)]
    ds.SliceLocation = round(z, 3)
    ds.PixelData = (hu.astype(np.int32) - _INTERCEPT).astype("<i2").tobytes()
    return ds
