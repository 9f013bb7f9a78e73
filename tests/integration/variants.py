"""Test files made by modifying corpus slices: pipeline features no corpus file exercises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset


def _lut_item(entries: int, first: int, bits: int, data: np.ndarray) -> Dataset:
    item = Dataset()
    item.LUTDescriptor = [entries, first, bits]
    item.add_new("LUTData", "OW", data.astype("<u2").tobytes())
    return item


def _monochrome1(ds: Dataset) -> None:
    ds.PhotometricInterpretation = "MONOCHROME1"


def _sigmoid(ds: Dataset) -> None:
    ds.VOILUTFunction = "SIGMOID"


def _inverse_shape(ds: Dataset) -> None:
    ds.PresentationLUTShape = "INVERSE"


def _voi_lut(ds: Dataset) -> None:
    del ds.WindowCenter, ds.WindowWidth
    curve = np.sqrt(np.arange(4096) / 4095) * 4095  # a gamma-like VOI LUT, 12 bits out
    ds.VOILUTSequence = [_lut_item(4096, 0, 12, curve)]


def _modality_lut(ds: Dataset) -> None:
    ds.ModalityLUTSequence = [_lut_item(4096, 0, 16, np.arange(4096) * 3 + 100)]
    ds.ModalityLUTSequence[0].ModalityLUTType = "US"
    del ds.WindowCenter, ds.WindowWidth


def _twelve_bits_dirty(ds: Dataset) -> None:
    words = (ds.pixel_array.astype(np.uint16) & 0x0FFF) | 0xA000  # garbage above bit 11
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, 0
    ds.PixelData = words.tobytes()


def _twelve_bits_signed(ds: Dataset) -> None:
    values = ds.pixel_array.astype(np.int16) - 2000
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, 1
    ds.PixelData = (values.astype(np.uint16) & 0x0FFF).tobytes()  # sign not extended
    del ds.WindowCenter, ds.WindowWidth


def _fractional_rescale(ds: Dataset) -> None:
    ds.RescaleSlope, ds.RescaleIntercept = "0.37", "-12.5"


def _two_windows(ds: Dataset) -> None:
    ds.WindowCenter, ds.WindowWidth = [300, 600], [500, 1600]


# name -> (corpus file, change, DCMTK window options that mean what render_frame does)
VARIANTS: dict[str, tuple[str, Callable[[Dataset], None], list[str]]] = {
    "monochrome1": ("MR_small.dcm", _monochrome1, ["+Wi", "1"]),
    "sigmoid": ("MR_small.dcm", _sigmoid, ["+Wi", "1"]),
    "inverse_shape": ("MR_small.dcm", _inverse_shape, ["+Wi", "1"]),
    "voi_lut": ("MR_small.dcm", _voi_lut, ["+Wl", "1"]),
    "modality_lut": ("MR_small.dcm", _modality_lut, ["+Wm"]),
    "twelve_bits_dirty": ("MR_small.dcm", _twelve_bits_dirty, ["+Wi", "1"]),
    "twelve_bits_signed": ("MR_small.dcm", _twelve_bits_signed, ["+Wm"]),
    "fractional_rescale": ("CT_small.dcm", _fractional_rescale, ["+Wm"]),
    "two_windows": ("MR_small.dcm", _two_windows, ["+Wi", "1"]),
}


def make_variant(name: str, folder: Path) -> Path:
    """Write the named variant into a folder and return its path."""
    source, change, _ = VARIANTS[name]
    ds = dcmread(get_testdata_file(source))
    change(ds)
    path = folder / f"{name}.dcm"
    ds.save_as(path)
    return path
