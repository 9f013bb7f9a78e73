"""HTTP Range requests (RFC 9110 section 14) over any byte source of known length."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

# ASCII digits, 18 at most (a 64-bit number): longer or other digits are a header not taken up.
_SINGLE_RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})", re.IGNORECASE)


class ByteSource(Protocol):
    """Bytes of a known length that can be produced from any offset (e.g. a `ZipLayout`)."""

    @property
    def total_length(self) -> int: ...

    @property
    def etag(self) -> str: ...

    def iter_range(self, start: int, end: int) -> Iterator[bytes]: ...


# How often a streaming download asks again whether its session may still see the package:
# a revoke or decline stops a download in progress within this time, for one query per step.
RECHECK_SECONDS = 1.0


def while_allowed(chunks: Iterator[bytes], still_allowed: Callable[[], bool]) -> Iterator[bytes]:
    """Pass chunks on while `still_allowed()` holds, asking it again every ``RECHECK_SECONDS``.

    When it stops holding, the body ends short of its length: the client sees a broken
    download, never the rest of the package.
    """
    asked = time.monotonic()
    for chunk in chunks:
        if time.monotonic() - asked >= RECHECK_SECONDS:
            if not still_allowed():
                return
            asked = time.monotonic()
        yield chunk


@dataclass(frozen=True)
class WhileAllowed:
    """A byte source whose ranges stream only while a check holds (see ``while_allowed``)."""

    source: ByteSource
    still_allowed: Callable[[], bool]

    @property
    def total_length(self) -> int:
        return self.source.total_length

    @property
    def etag(self) -> str:
        return self.source.etag

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        return while_allowed(self.source.iter_range(start, end), self.still_allowed)


@dataclass(frozen=True)
class ByteRange:
    """An inclusive range of byte offsets, as written in Content-Range."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """The number of bytes in the range."""
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    """The Range header is valid but selects no byte of the representation."""


def parse_range(header: str | None, total_length: int) -> ByteRange | None:
    """Interpret a Range header against a representation of `total_length` bytes.

    Only one range is served. A header this function does not take up (absent, another unit,
    malformed, or several ranges) gives None: the whole body is sent with 200, which RFC 9110
    permits for any Range header. Several ranges are refused that way because download
    managers resume with one range, and multipart/byteranges would add a format to maintain
    for no client of ours.

    Args:
        header: The Range header's value, if any.
        total_length: The representation's length in bytes.

    Returns:
        The range to send, clamped to the representation; None to send everything.

    Raises:
        RangeNotSatisfiable: If the range starts beyond the end or asks for a zero-byte suffix.
    """
    match = _SINGLE_RANGE.fullmatch((header or "").replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":
        suffix = int(last)
        if suffix == 0 or total_length == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(total_length - suffix, 0), total_length - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # an invalid range-spec: the header is ignored
    if start >= total_length:
        raise RangeNotSatisfiable(header)
    return ByteRange(start, min(int(last or total_length - 1), total_length - 1))


def range_response(
    request: Request,
    source: ByteSource,
    *,
    filename: str,
    media_type: str = "application/zip",
) -> Response:
    """Answer a GET or HEAD for `source` as a download, honouring Range and If-Range.

    200 with the whole body, 206 with Content-Range for one satisfiable range, 416 with
    ``Content-Range: bytes */N`` otherwise. If-Range must repeat the ETag exactly (a strong
    comparison): any other value, a date included since no Last-Modified is sent, makes the
    Range header ignored, so a client never splices bytes of two different archives.

    Args:
        request: The incoming request; its method and headers are read.
        source: The bytes to send, with their length and a strong ETag.
        filename: The name offered to the browser's save dialog.
        media_type: The Content-Type.

    Returns:
        A response that streams only the bytes asked for, and none for HEAD.
    """
    total = source.total_length
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": source.etag,
        # Patient data: never kept by shared caches or the browser's cache.
        "Cache-Control": "private, no-store",
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
    }
    if_range = request.headers.get("if-range")
    wanted = None
    if if_range is None or if_range == source.etag:
        try:
            wanted = parse_range(request.headers.get("range"), total)
        except RangeNotSatisfiable:
            headers["Content-Range"] = f"bytes */{total}"
            return Response(status_code=416, headers=headers)
    part = wanted or ByteRange(0, total - 1)
    status = 200 if wanted is None else 206
    if wanted is not None:
        headers["Content-Range"] = f"bytes {part.start}-{part.end}/{total}"
    headers["Content-Length"] = str(part.length)
    if request.method == "HEAD" or part.length == 0:
        return Response(status_code=status, headers=headers, media_type=media_type)
    body = source.iter_range(part.start, part.end)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=media_type)


def content_disposition(filename: str) -> str:
    """Return an ``attachment`` Content-Disposition naming `filename` (RFC 6266 and 8187).

    Non-ASCII names go in ``filename*``; the plain ``filename`` keeps an ASCII fallback with
    quotes, backslashes and control characters replaced, so a header cannot be broken out of.
    """
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    value = f'attachment; filename="{fallback or "download"}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value
