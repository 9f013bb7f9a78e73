"""The synthetic CT is valid DICOM with real geometry and clearly synthetic demographics."""

from pathlib import Path

import numpy as np
from pydicom import dcmread

from iep_app.dicom.synthetic import make_ct_series, make_ct_slice


def test_series_has_geometry_and_one_study(tmp_path: Path):
    paths = make_ct_series(tmp_path, slices=4, size=64)
    datasets = [dcmread(p) for p in paths]
    assert len({ds.StudyInstanceUID for ds in datasets}) == 1
    assert len({ds.SOPInstanceUID for ds in datasets}) == 4
    first = datasets[0]
    assert first.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert str(first.PatientName) == "DEMO^PATIENT"
    assert [float(ds.ImagePositionPatient[2]) for ds in datasets] == [0.0, -1.25, -2.5, -3.75]
    assert first.PixelRepresentation == 1 and first.RescaleIntercept == -1024


def test_slice_holds_air_lung_soft_tissue_and_bone(tmp_path: Path):
    ds = dcmread(make_ct_slice(tmp_path / "s.dcm", size=128, pixel_spacing=0.7))
    hu = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
    assert float(ds.PixelSpacing[0]) == 0.7
    assert hu.min() < -900 and hu.max() > 900
    assert np.any((hu > -900) & (hu < -700))  # lung
    assert np.any((hu > 0) & (hu < 100))  # soft tissue
