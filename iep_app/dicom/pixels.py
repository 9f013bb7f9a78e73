"""Decoding one frame of a DICOM file, with bounded caches of headers and decoded frames."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pydicom
import pydicom.pixels
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from iep_app.dicom.cache import LruCache
from iep_app.dicom.codestream import first_frame_size

DEFAULT_FRAME_CACHE_BYTES = 256 * 1024**2
HEADER_CACHE_ENTRIES = 1024  # a few KB to tens of KB each: a few tens of MB at worst
_NATIVE_LITTLE_ENDIAN = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)
_PIXEL_DATA = 0x7FE00010
_DEFER_BYTES = 4096
_JPEG_FAMILY = "1.2.840.10008.1.2.4."  # JPEG, JPEG-LS, JPEG 2000 and the video syntaxes
# Decoders allocate what Rows and Columns declare, whatever the data holds: 65535 x 65535 in a
# 6 KB RLE file took 8 GB and 40 s, and made a JPEG-LS decoder (gdcm) abort the process. Frames
# larger than this are refused before decoding; the largest real ones fit (mammography 4096 x
# 5120 x 16 bits: 40 MiB; 8192 x 8192 RGB: 192 MiB).
MAX_FRAME_BYTES = 256 * 1024**2


class RenderError(Exception):
    """A file whose image cannot be shown; the message is written for a person."""


_headers = LruCache(HEADER_CACHE_ENTRIES)
_frames = LruCache(DEFAULT_FRAME_CACHE_BYTES)


def configure_frame_cache(max_bytes: int) -> None:
    """Set the memory cap of the decoded-frame cache (default 256 MiB); 0 disables it."""
    _frames.resize(max_bytes)


def frame_cache_usage() -> tuple[int, int]:
    """Return (bytes used, byte cap) of the decoded-frame cache."""
    return _frames.used, _frames.capacity


def file_identity(path: Path) -> tuple[str, int, int]:
    """Key a file by path, modification time and size, so a rewritten file is re-read."""
    st = os.stat(path)
    return str(path), st.st_mtime_ns, st.st_size


def read_header(path: Path) -> Dataset:
    """Return a file's data set with pixel data left on disk (cached).

    Raises:
        RenderError: the file cannot be read as DICOM.
    """
    try:
        identity = file_identity(path)
    except OSError as exc:
        raise RenderError("The file cannot be opened.") from exc
    ds = _headers.get(identity)
    if ds is None:
        try:
            # force: files stored without the DICM prefix are accepted at ingest
            ds = pydicom.dcmread(path, defer_size=_DEFER_BYTES, force=True)
        except Exception as exc:
            raise RenderError("This file cannot be read as DICOM.") from exc
        _headers.put(identity, ds)
    return ds


@contextmanager
def damaged_header() -> Iterator[None]:
    """Tell a header value pydicom cannot convert as a RenderError, not as its converter's error.

    pydicom converts a value when it is first read, so a malformed one (a VR flipped to unknown
    bytes raises NotImplementedError, a bad number ValueError) fails wherever it is first used.
    """
    try:
        yield
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError("The header of this file is damaged; its image cannot be shown.") from exc


def number_of_frames(ds: Dataset) -> int:
    """Frames in a data set: 0 without pixel data, else NumberOfFrames or 1."""
    if _PIXEL_DATA not in ds:
        return 0
    try:
        return max(int(ds.get("NumberOfFrames") or 1), 1)
    except (TypeError, ValueError):
        digits = re.match(r"\s*(\d+)", str(ds["NumberOfFrames"].value))
        return max(int(digits.group(1)), 1) if digits else 1
    except Exception:  # a value pydicom cannot convert at all (an unknown VR): one frame, as DCMTK
        return 1


def decode_frame(path: Path, frame: int) -> tuple[Dataset, np.ndarray]:
    """Return a file's header and one decoded frame, from the cache when possible.

    Grey-scale frames hold stored values (before any LUT); colour frames are RGB, with
    YBR converted and palette colour applied.

    Raises:
        RenderError: no pixel data, frame out of range, or data that cannot be decoded.
    """
    ds = read_header(path)
    frames = number_of_frames(ds)
    with damaged_header():  # 0 rows or columns: nothing to decode, and encoders refuse it
        empty = not int(ds.get("Rows") or 0) or not int(ds.get("Columns") or 0)
    if frames == 0 or empty:
        raise RenderError("This file holds no image.")
    if not 0 <= frame < frames:
        raise RenderError(f"This image has {frames} frame(s); frame {frame} does not exist.")
    key = (*file_identity(path), frame)
    arr = _frames.get(key)
    if arr is None:
        with damaged_header():
            arr = _decode(path, ds, frame)
        arr.flags.writeable = False  # shared between threads through the cache
        _frames.put(key, arr, arr.nbytes)
    return ds, arr


def _decode(path: Path, ds: Dataset, frame: int) -> np.ndarray:
    arr = _read_native(path, ds, frame)
    if arr is None:
        arr = _decode_with_pydicom(path, ds, frame)
    if arr.dtype.byteorder == ">":  # big endian data: the LUT indexes native words
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if ds.get("PhotometricInterpretation") == "PALETTE COLOR":
        arr = pydicom.pixels.apply_color_lut(arr, ds)
        if arr.dtype.itemsize > 1:  # 16-bit palette entries: keep the high byte, as DCMTK
            arr = (arr >> 8).astype(np.uint8)
    return np.ascontiguousarray(arr)


def _read_native(path: Path, ds: Dataset, frame: int) -> np.ndarray | None:
    """Read one uncompressed little-endian grey-scale frame straight from the file.

    Values are the raw 16- or 8-bit words: bits above Bits Stored are dealt with by the
    LUT, which costs nothing per pixel. Returns None where pydicom must decode instead.
    """
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    bits = ds.get("BitsAllocated")
    if syntax not in _NATIVE_LITTLE_ENDIAN or ds.get("SamplesPerPixel", 1) != 1:
        return None
    if bits not in (8, 16):
        return None
    elem = ds.get_item(_PIXEL_DATA, keep_deferred=True)
    tell = getattr(elem, "value_tell", None)
    if tell is None or getattr(elem, "value", None) is not None:
        return None
    count = int(ds.Rows) * int(ds.Columns)
    signed = ds.get("PixelRepresentation", 0) == 1
    dtype = np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")
    offset = tell + frame * count * dtype.itemsize
    if offset + count * dtype.itemsize > tell + getattr(elem, "length", 0):
        raise RenderError("The image data in this file is incomplete.")
    arr = np.fromfile(path, dtype=dtype, count=count, offset=offset)
    if arr.size != count:
        raise RenderError("The image data in this file is incomplete.")
    return arr.reshape(int(ds.Rows), int(ds.Columns))


def _decode_with_pydicom(path: Path, ds: Dataset, frame: int) -> np.ndarray:
    frame_bytes = _frame_bytes(ds)
    if frame_bytes > MAX_FRAME_BYTES:
        raise RenderError("This image is larger than this server can show.")
    if not _codestream_fits(path, ds):
        raise RenderError(_decode_failure(ds))
    try:
        if hasattr(ds, "file_meta") and "TransferSyntaxUID" in ds.file_meta:
            return pydicom.pixels.pixel_array(os.fspath(path), index=frame)
    except BaseException as exc:  # retried below through a full read
        if not _is_decoder_failure(exc):
            raise
    # pixel_array(path) decodes a single frame but parses strictly; deflated data sets,
    # files without meta information and mislabelled VRs need the whole data set read,
    # and every frame decoded: bounded by the same cap.
    if frame_bytes * number_of_frames(ds) > MAX_FRAME_BYTES:
        raise RenderError(_decode_failure(ds))
    try:
        full = pydicom.dcmread(path, force=True)
        if not full.file_meta.get("TransferSyntaxUID"):  # absent, or present and empty
            full.file_meta.TransferSyntaxUID = _implied_syntax(full)
        if "NumberOfFrames" in ds:  # a malformed count ("1A") is read as DCMTK reads it
            full.NumberOfFrames = number_of_frames(ds)
        arr = full.pixel_array
        single_frame_ndim = 2 if int(ds.get("SamplesPerPixel", 1) or 1) == 1 else 3
        return arr[frame] if arr.ndim > single_frame_ndim else arr
    except BaseException as exc:
        if not _is_decoder_failure(exc):
            raise
        raise RenderError(_decode_failure(ds)) from exc


def _codestream_fits(path: Path, ds: Dataset) -> bool:
    """Tell whether a JPEG-family frame holds at least what Rows and Columns declare (see codestream)."""
    syntax = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    if not syntax.startswith(_JPEG_FAMILY):
        return True
    tell = getattr(ds.get_item(_PIXEL_DATA, keep_deferred=True), "value_tell", None)
    size = first_frame_size(path, tell) if tell is not None else None
    return size is not None and int(ds.Rows) <= size[0] and int(ds.Columns) <= size[1]


def _frame_bytes(ds: Dataset) -> int:
    """What one decoded frame takes in memory, from what the header declares."""
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    samples, bits = int(ds.get("SamplesPerPixel") or 1), int(ds.get("BitsAllocated") or 8)
    return rows * columns * max(samples, 1) * max(bits, 8) // 8


def _is_decoder_failure(exc: BaseException) -> bool:
    """Tell a failure to decode from an interrupt or exit, which must go on up.

    Decoders written in Rust (pylibjpeg-rle) panic on some damaged data, and pyo3 raises the
    panic as PanicException, a BaseException that `except Exception` lets through to the worker.
    """
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _implied_syntax(ds: Dataset) -> pydicom.uid.UID:
    implicit, little = ds.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else pydicom.uid.ExplicitVRBigEndian


def _decode_failure(ds: Dataset) -> str:
    meta = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    # an empty value reads as a plain str, without the UID properties used here
    syntax = pydicom.uid.UID(str(meta)) if meta else None
    name = syntax.name if syntax else ""
    if syntax is not None and syntax.is_compressed:
        return (
            f"The image is compressed as {name} and could not be decoded: the data is "
            "damaged or uses a variant this server cannot decode."
        )
    return "The image data in this file is damaged or incomplete."
