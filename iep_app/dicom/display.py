"""What a browser needs to window grey-scale frames itself: stored words and their pipeline.

Why the browser windows grey-scale images (the viewer's central design decision):

- Dragging window/level must answer within 100 ms per step. Windowing on the server costs a
  request, a render and an image decode per step (about 40-55 ms on localhost, 90-160 ms on
  a 40 ms network, and 0.6 core-seconds per second of dragging per person); windowing a
  cached frame in the browser is a 65,536-entry lookup table and one pass over the pixels
  (about 10 ms, wherever the server is).
- JPEG, the format that would make server-side scrolling cheap, is lossy. Shipping the
  stored 16-bit words keeps the displayed image exact: the browser applies the same
  linear VOI formula (with truncation) as ``lut.GrayPipeline`` does for PNGs, and a test
  checks the two agree pixel for pixel.
- "Pure Python" stays true for everything that needs judgement: which frames a package
  holds, decoding every transfer syntax, the display pipeline's parameters (this module),
  presets, orientation and spacing. The browser only repeats a formula.

Images the browser cannot window exactly (Modality or VOI LUT Sequences, float or 32-bit
data) are windowed on the server as lossless PNGs ("server" mode); colour images come as
lossless PNGs too ("color" mode).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from iep_app.dicom.geometry import edge_labels, pixel_spacing
from iep_app.dicom.lut import pipeline_for
from iep_app.dicom.pixels import RenderError, decode_frame, number_of_frames
from iep_app.dicom.presets import file_windows

GRAY, COLOR, SERVER = "gray", "color", "server"
_WORD_CODES = {("u", 1): "u1", ("i", 1): "i1", ("u", 2): "u2", ("i", 2): "i2"}


@dataclass(frozen=True)
class DisplayInfo:
    """How one instance is shown, as plain values a browser reads from JSON.

    Attributes:
        mode: "gray" (stored words windowed in the browser), "color" (lossless PNG) or
            "server" (grey-scale the server windows, lossless PNG).
        frames, rows, columns: the pixel matrix.
        bits_stored, signed, slope, intercept, function, invert: the grey-scale pipeline
            (``invert`` is what the file asks for: MONOCHROME1 or an INVERSE LUT shape).
        windows: [[center, width, explanation], ...] from the file.
        spacing: [row mm, column mm, source] or None (measure in pixels).
        orientation: letters at [left, right, top, bottom] or None.
        lossy: the stored image was lossy compressed at some point.
    """

    mode: str
    frames: int
    rows: int
    columns: int
    bits_stored: int = 8
    signed: bool = False
    slope: float = 1.0
    intercept: float = 0.0
    function: str = "LINEAR"
    invert: bool = False
    windows: list[list[float | str]] = field(default_factory=list)
    spacing: list[float | str] | None = None
    orientation: list[str] | None = None
    lossy: bool = False

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def display_info(ds: Dataset) -> DisplayInfo:
    """Describe how a header's image is shown.

    Raises:
        RenderError: the data set holds no image.
    """
    frames = number_of_frames(ds)
    if frames == 0:
        raise RenderError("This file holds no image.")
    spacing = pixel_spacing(ds)
    labels = edge_labels(ds)
    common = {
        "frames": frames,
        "rows": int(ds.get("Rows") or 0),
        "columns": int(ds.get("Columns") or 0),
        "spacing": [spacing.row, spacing.column, spacing.source] if spacing else None,
        "orientation": labels.as_list() if labels else None,
        "lossy": str(ds.get("LossyImageCompression", "")).strip() == "01",
    }
    if not str(ds.get("PhotometricInterpretation", "")).startswith("MONOCHROME"):
        return DisplayInfo(mode=COLOR, **common)  # type: ignore[arg-type]
    signed = ds.get("PixelRepresentation", 0) == 1
    pipeline = pipeline_for(ds, signed=signed, window=None, invert=False)
    browser_can = (
        ds.get("BitsAllocated") in (8, 16)
        and pipeline.modality_lut is None
        and pipeline.voi_lut is None
        and "FloatPixelData" not in ds
        and "DoubleFloatPixelData" not in ds
    )
    return DisplayInfo(
        mode=GRAY if browser_can else SERVER,
        bits_stored=pipeline.bits_stored,
        signed=pipeline.signed,
        slope=pipeline.slope,
        intercept=pipeline.intercept,
        function=pipeline.function,
        invert=pipeline.invert,
        windows=[[w.center, w.width, w.explanation] for w in file_windows(ds)],
        **common,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class StoredWords:
    """One grey-scale frame as little-endian stored words, before any LUT."""

    data: bytes
    code: str  # u1, i1, u2 or i2
    rows: int
    columns: int


def stored_words(path: Path, frame: int) -> StoredWords:
    """Return one grey-scale frame's stored words for windowing in a browser.

    Raises:
        RenderError: no such frame, a colour image, or words wider than 16 bits.
    """
    _, arr = decode_frame(Path(path), frame)
    code = _WORD_CODES.get((arr.dtype.kind, arr.dtype.itemsize))
    if arr.ndim != 2 or code is None:
        raise RenderError("This image cannot be sent as 8- or 16-bit grey-scale words.")
    little = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return StoredWords(
        data=np.ascontiguousarray(little).tobytes(),
        code=code,
        rows=int(arr.shape[0]),
        columns=int(arr.shape[1]),
    )
