"""The image size a JPEG, JPEG-LS or JPEG 2000 codestream declares, read before a decoder runs.

gdcm, the only JPEG-LS and JPEG lossless decoder installed, aborts the whole process (a C++
assertion, not an exception) when Rows and Columns declare more than the codestream holds:
a render compares the two first and refuses a file where they disagree.
"""

from __future__ import annotations

import struct
from pathlib import Path

_ITEM = b"\xfe\xff\x00\xe0"
_HEAD_BYTES = 64 * 1024  # markers before the frame header are a few hundred bytes at most
# Start Of Frame markers of ISO 10918 (not DHT C4, JPG C8, DAC CC), and JPEG-LS's SOF55 (F7)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC} | {0xF7}
_J2K_SIZ = b"\xff\x4f\xff\x51"  # SOC then SIZ


def first_frame_size(path: Path, pixel_data_tell: int) -> tuple[int, int] | None:
    """(rows, columns) of the first codestream of encapsulated pixel data; None if unreadable.

    Args:
        path: the DICOM file.
        pixel_data_tell: where the Pixel Data value starts (its Basic Offset Table item).
    """
    with open(path, "rb") as fp:
        fp.seek(pixel_data_tell)
        table = fp.read(8)
        if len(table) < 8 or table[:4] != _ITEM:
            return None
        fp.seek(pixel_data_tell + 8 + int.from_bytes(table[4:], "little"))
        fragment = fp.read(_HEAD_BYTES)
    if fragment[:4] != _ITEM:
        return None
    return codestream_size(fragment[8:])


def codestream_size(data: bytes) -> tuple[int, int] | None:
    """(rows, columns) a JPEG, JPEG-LS or JPEG 2000 codestream declares; None if not found."""
    try:
        if data[:4] == _J2K_SIZ:  # Lsiz, Rsiz, then Xsiz, Ysiz, XOsiz, YOsiz
            width, height, x0, y0 = struct.unpack_from(">IIII", data, 8)
            return height - y0, width - x0
        if data[:2] != b"\xff\xd8":
            return None
        pos = 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
            elif marker in _SOF:  # length, precision, then lines and samples per line
                height, width = struct.unpack_from(">HH", data, pos + 5)
                return height, width
            else:
                pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    except struct.error:
        return None
    return None
