"""Render one frame of a DICOM image to PNG or JPEG, as DCMTK would display it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from iep_app.dicom.cache import LruCache
from iep_app.dicom.encode import scale_down, to_jpeg, to_png
from iep_app.dicom.lut import Window, apply, file_window, modality_range_window, pipeline_for
from iep_app.dicom.pixels import (
    RenderError,
    damaged_header,
    decode_frame,
    file_identity,
    number_of_frames,
    read_header,
)

__all__ = [
    "RenderError",
    "Window",
    "default_window",
    "frame_count",
    "render_frame",
    "render_pixels",
    "render_thumbnail",
]
_FORMATS = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg"}
# Encoded images of recent requests: a viewer, a browser reload or a second recipient
# asking for the same frame and window costs a dictionary lookup.
ENCODED_CACHE_BYTES = 64 * 1024**2
_encoded = LruCache(ENCODED_CACHE_BYTES)


def _encoded_key(
    path: Path,
    frame: int,
    window: Window | None,
    fmt: str,
    quality: int,
    max_size: int | None,
    invert: bool,
) -> tuple[tuple, str]:
    kind = _FORMATS.get(fmt.lower())
    if kind is None:
        raise ValueError(f"unknown image format: {fmt!r}")
    try:
        identity = file_identity(Path(path))
    except OSError as exc:
        raise RenderError("The file cannot be opened.") from exc
    return (identity, frame, window, kind, quality if kind == "jpeg" else 0, max_size, invert), kind


def cached_frame(
    path: Path,
    *,
    frame: int = 0,
    window: Window | None = None,
    fmt: str = "png",
    quality: int = 90,
    max_size: int | None = None,
    invert: bool = False,
) -> bytes | None:
    """The encoded image render_frame would return, if it is already cached; else None.

    Cheap enough (a stat and a dictionary look-up) to call on an event loop, so a repeated
    request need not wait for a worker thread.
    """
    try:
        key, _ = _encoded_key(path, frame, window, fmt, quality, max_size, invert)
    except RenderError:
        return None
    return _encoded.get(key)


def render_frame(
    path: Path,
    *,
    frame: int = 0,
    window: Window | None = None,
    fmt: str = "png",
    quality: int = 90,
    max_size: int | None = None,
    invert: bool = False,
) -> bytes:
    """Render one frame as an 8-bit PNG or JPEG.

    Args:
        path: a stored DICOM file.
        frame: zero-based frame index.
        window: VOI window for grey-scale images; None uses the file's first window, else
            its VOI LUT, else the frame's value range. Ignored for colour images.
        fmt: "png" (lossless) or "jpeg".
        quality: JPEG quality, 1 to 95.
        max_size: if given, the longer side is scaled down to at most this many pixels.
        invert: show the image inverted (on top of MONOCHROME1's own inversion).

    Returns:
        The encoded image.

    Raises:
        RenderError: the file holds no image, or its pixel data cannot be decoded.
        ValueError: an unknown format.
    """
    key, kind = _encoded_key(path, frame, window, fmt, quality, max_size, invert)
    data = _encoded.get(key)
    if data is None:
        pixels = render_pixels(Path(path), frame=frame, window=window, invert=invert)
        if max_size:
            pixels = scale_down(pixels, max_size)
        data = to_png(pixels) if kind == "png" else to_jpeg(pixels, quality)
        _encoded.put(key, data, len(data))
    return data


def render_pixels(
    path: Path, *, frame: int = 0, window: Window | None = None, invert: bool = False
) -> np.ndarray:
    """Return one frame as displayed: 8-bit grey (rows, columns) or RGB (rows, columns, 3).

    Raises:
        RenderError: the file holds no image, or its pixel data cannot be decoded.
    """
    ds, arr = decode_frame(Path(path), frame)
    if arr.ndim == 3:
        return _color_to_8bit(arr, invert)
    with damaged_header():  # the LUT attributes are read here first
        pipeline = pipeline_for(ds, signed=arr.dtype.kind == "i", window=window, invert=invert)
        if pipeline.window is None and pipeline.voi_lut is None:
            pipeline = replace(pipeline, window=modality_range_window(pipeline, arr))
        return apply(pipeline, arr)


def _color_to_8bit(arr: np.ndarray, invert: bool) -> np.ndarray:
    if arr.dtype.kind == "i":  # colour is unsigned by the standard; Pillow refuses signed samples
        arr = arr.view(np.dtype(f"u{arr.dtype.itemsize}"))
    if arr.dtype.itemsize > 1:  # keep the most significant byte of wider samples
        arr = (arr >> (8 * arr.dtype.itemsize - 8)).astype(np.uint8)
    arr = arr[..., :3]
    return 255 - arr if invert else arr


def render_thumbnail(path: Path, *, size: int = 128) -> bytes:
    """Render the first frame as a JPEG whose longer side is at most ``size`` pixels.

    Raises:
        RenderError: the file holds no image, or its pixel data cannot be decoded.
    """
    return render_frame(path, frame=0, fmt="jpeg", quality=85, max_size=size)


def default_window(path: Path) -> Window | None:
    """Return the window a grey-scale image is first shown with.

    The file's first Window Center/Width, else the value range of its first frame. None
    for colour images and for images whose VOI LUT Sequence sets the display instead.

    Raises:
        RenderError: the file holds no image, or its pixel data cannot be decoded.
    """
    with damaged_header():
        return _default_window(Path(path))


def _default_window(path: Path) -> Window | None:
    ds = read_header(path)
    if number_of_frames(ds) == 0:
        raise RenderError("This file holds no image.")
    if not str(ds.get("PhotometricInterpretation", "")).startswith("MONOCHROME"):
        return None  # colour: windows do not apply
    window = file_window(ds)
    if window is not None or "VOILUTSequence" in ds:
        return window
    _, arr = decode_frame(Path(path), 0)
    pipeline = pipeline_for(ds, signed=arr.dtype.kind == "i", window=None, invert=False)
    return modality_range_window(pipeline, arr)


def frame_count(path: Path) -> int:
    """Return the number of frames of a file: 0 when it holds no image.

    Raises:
        RenderError: the file cannot be read as DICOM.
    """
    return number_of_frames(read_header(Path(path)))
