"""Grey-scale display pipeline: Modality LUT, VOI LUT and presentation, folded into one LUT."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from iep_app.dicom.cache import LruCache

LUT_CACHE_ENTRIES = 256  # 64 KiB each: 16 MiB at most
_luts = LruCache(LUT_CACHE_ENTRIES)


@dataclass(frozen=True)
class Window:
    """A VOI window in output units of the Modality LUT (e.g. Hounsfield units for CT)."""

    center: float
    width: float


@dataclass(frozen=True)
class LutTable:
    """A LUT from a Modality or VOI LUT Sequence item: descriptor and data."""

    first_mapped: int
    bits: int
    data: bytes  # uint16 little endian entries, hashable for the LUT cache

    def apply(self, x: np.ndarray) -> np.ndarray:
        table = np.frombuffer(self.data, dtype="<u2")
        index = np.clip(np.floor(x).astype(np.int64) - self.first_mapped, 0, table.size - 1)
        return table[index].astype(np.float64)


@dataclass(frozen=True)
class GrayPipeline:
    """Everything that maps a stored value to a display grey level, hashable for caching.

    Attributes:
        bits_stored: significant bits of each stored word.
        signed: stored values are two's complement.
        slope, intercept: the linear Modality LUT, used when ``modality_lut`` is None.
        modality_lut: a Modality LUT Sequence, which replaces slope and intercept.
        window: the VOI window; None uses ``voi_lut``.
        voi_lut: a VOI LUT Sequence, used when there is no window.
        function: VOI LUT Function: LINEAR, LINEAR_EXACT or SIGMOID.
        invert: show low values bright (MONOCHROME1, INVERSE presentation, or asked).
    """

    bits_stored: int
    signed: bool
    slope: float = 1.0
    intercept: float = 0.0
    modality_lut: LutTable | None = None
    window: Window | None = None
    voi_lut: LutTable | None = None
    function: str = "LINEAR"
    invert: bool = False

    def modality(self, stored: np.ndarray) -> np.ndarray:
        """Map stored values to modality values (e.g. Hounsfield units)."""
        if self.modality_lut is not None:
            return self.modality_lut.apply(stored)
        # Truncated toward zero like DCMTK, which keeps modality values as integers.
        return np.trunc(stored.astype(np.float64) * self.slope + self.intercept)

    def display(self, stored: np.ndarray) -> np.ndarray:
        """Map stored values to 8-bit grey levels; the standard's formulas, truncated."""
        x = self.modality(stored)
        if self.window is not None:
            y = _voi_window(x, self.window, self.function)
        elif self.voi_lut is not None:
            # DCMTK keeps the top 8 bits of the LUT's output (v * 256 / 2**bits)
            y = self.voi_lut.apply(x) * (256.0 / (1 << self.voi_lut.bits))
        else:
            y = _voi_window(x, min_max_window(x), "LINEAR")
        y = np.clip(y, 0.0, 255.0)
        # Inverted before truncating, as DCMTK maps onto a descending output range.
        return np.floor(255.0 - y if self.invert else y).astype(np.uint8)

    def words(self, itemsize: int) -> np.ndarray:
        """Stored values of every 8- or 16-bit word, in the order of the word's bit pattern.

        Bits above Bits Stored are dropped and the sign extended here, once per LUT, so
        frames can be indexed with their raw words (negative values land in the upper half).
        """
        patterns = np.arange(1 << (8 * itemsize), dtype=np.int64)
        bits = min(self.bits_stored, 8 * itemsize)
        values = patterns & ((1 << bits) - 1)
        if self.signed:
            values = np.where(values >= 1 << (bits - 1), values - (1 << bits), values)
        return values


def _voi_window(x: np.ndarray, window: Window, function: str) -> np.ndarray:
    c, w = window.center, window.width
    if function == "SIGMOID":
        return 255.0 / (1.0 + np.exp(-4.0 * (x - c) / max(w, 1e-6)))
    if function == "LINEAR_EXACT":
        w = max(w, 1e-6)
        exact = ((x - c) / w + 0.5) * 255.0
        return np.where(x <= c - w / 2, 0.0, np.where(x > c + w / 2, 255.0, exact))
    w = max(w, 1.0)
    low, high = c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2
    # The standard's formula rearranged so that exact results stay exact in floating point:
    # the textbook order yields 41.99999 for 42, and truncation then gives 41.
    linear = (x - low) * 255.0 / max(w - 1, 1e-6)
    return np.where(x <= low, 0.0, np.where(x > high, 255.0, linear))


def min_max_window(values: np.ndarray) -> Window:
    """The window spanning the range of modality values, as DCMTK's min-max VOI."""
    low, high = float(np.min(values)), float(np.max(values))
    return Window(center=(low + high + 1) / 2, width=high - low + 1)


def lut_for(pipeline: GrayPipeline, itemsize: int) -> np.ndarray:
    """Return the cached display LUT indexed by raw 8- or 16-bit words."""
    key = (pipeline, itemsize)
    lut = _luts.get(key)
    if lut is None:
        lut = pipeline.display(pipeline.words(itemsize))
        lut.flags.writeable = False
        _luts.put(key, lut)
    return lut


def apply(pipeline: GrayPipeline, frame: np.ndarray) -> np.ndarray:
    """Map a frame of stored values to 8-bit grey levels.

    16- and 8-bit integer frames go through a cached LUT (one lookup per pixel); wider or
    floating point frames are computed directly.
    """
    if frame.dtype.kind in "iu" and frame.dtype.itemsize <= 2:
        words = frame.view(np.uint16 if frame.dtype.itemsize == 2 else np.uint8)
        return np.take(lut_for(pipeline, frame.dtype.itemsize), words)  # type: ignore[arg-type]
    return pipeline.display(frame)


def modality_range_window(pipeline: GrayPipeline, frame: np.ndarray) -> Window:
    """The min-max window of one frame's modality values."""
    if frame.dtype.kind in "iu" and frame.dtype.itemsize <= 2:
        unsigned = frame.view(np.uint16 if frame.dtype.itemsize == 2 else np.uint8)
        present = np.flatnonzero(np.bincount(unsigned.ravel()))
        return min_max_window(pipeline.modality(pipeline.words(frame.dtype.itemsize)[present]))
    return min_max_window(pipeline.modality(frame))


def pipeline_for(ds: Dataset, *, signed: bool, window: Window | None, invert: bool) -> GrayPipeline:
    """Build the grey-scale pipeline a header describes.

    Args:
        ds: the header.
        signed: whether decoded values are signed (the decoder's word, not the header's).
        window: a window chosen by the viewer; None uses the file's first window.
        invert: invert on top of what the file asks for.
    """
    modality_lut = _lut_table(ds, "ModalityLUTSequence")
    voi_lut = _lut_table(ds, "VOILUTSequence")
    if window is None:
        window = file_window(ds)
    shape = str(ds.get("PresentationLUTShape", "")).upper()
    file_inverts = ds.get("PhotometricInterpretation") == "MONOCHROME1" or shape == "INVERSE"
    return GrayPipeline(
        bits_stored=int(ds.get("BitsStored") or ds.get("BitsAllocated") or 16),
        signed=signed,
        slope=float(ds.get("RescaleSlope", 1) or 1),
        intercept=float(ds.get("RescaleIntercept", 0) or 0),
        modality_lut=modality_lut,
        window=window,
        voi_lut=voi_lut,
        function=str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper(),
        invert=file_inverts != invert,
    )


def file_window(ds: Dataset) -> Window | None:
    """The first Window Center/Width pair in a header, or None."""
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is None or width is None:
        return None
    try:
        first_center = float(center[0] if _is_multi(center) else center)
        first_width = float(width[0] if _is_multi(width) else width)
    except (TypeError, ValueError, IndexError):
        return None
    return Window(first_center, first_width) if first_width > 0 else None


def _is_multi(value: object) -> bool:
    return isinstance(value, list | tuple) or type(value).__name__ == "MultiValue"


def _lut_table(ds: Dataset, keyword: str) -> LutTable | None:
    items = ds.get(keyword)
    if not items:
        return None
    item = items[0]
    try:
        entries, first, bits = (int(v) for v in item.LUTDescriptor)
        raw = item.LUTData
    except (AttributeError, TypeError, ValueError):
        return None
    if isinstance(raw, bytes):  # OW: 16-bit words in the file's byte order
        little = getattr(ds, "original_encoding", (None, True))[1] is not False
        data = np.frombuffer(raw, dtype="<u2" if little else ">u2")
    else:
        data = np.asarray(raw, dtype=np.uint16).ravel()
    entries = entries or 65536
    return LutTable(first_mapped=first, bits=bits, data=data[:entries].astype("<u2").tobytes())
