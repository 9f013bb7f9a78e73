"""Range requests: 200, 206, 416, If-Range and a resumed download, over Starlette."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from iep_app.api.ranges import (
    ByteRange,
    RangeNotSatisfiable,
    content_disposition,
    parse_range,
    range_response,
)
from iep_app.dicom.ziplayout import ZipLayout


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=990-", ByteRange(990, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=500-5000", ByteRange(500, 999)),
        ("bytes=999-999", ByteRange(999, 999)),
        ("Bytes = 1-2", ByteRange(1, 2)),
        (None, None),
        ("bytes=0-1,5-6", None),  # several ranges: the whole body instead
        ("items=0-5", None),
        ("bytes=5-1", None),
        ("bytes=-", None),
        ("bytes=x-", None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=-0"])
def test_unsatisfiable_ranges(header: str):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


@pytest.fixture
def client(media: ZipLayout) -> TestClient:
    async def download(request: Request) -> Response:
        return range_response(request, media, filename="Études 2025.zip")

    return TestClient(Starlette(routes=[Route("/media.zip", download)]))


def test_get_sends_the_whole_archive_with_download_headers(client, media, media_bytes):
    response = client.get("/media.zip")
    assert response.status_code == 200
    assert response.content == media_bytes
    headers = response.headers
    assert headers["content-length"] == str(media.total_length)
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"] == media.etag
    assert headers["cache-control"] == "private, no-store"
    assert headers["content-type"] == "application/zip"
    assert headers["content-disposition"] == (
        "attachment; filename=\"_tudes 2025.zip\"; filename*=UTF-8''%C3%89tudes%202025.zip"
    )


def test_a_range_gets_206_with_content_range(client, media, media_bytes):
    response = client.get("/media.zip", headers={"Range": "bytes=100-4099"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 100-4099/{media.total_length}"
    assert response.headers["content-length"] == "4000"
    assert response.content == media_bytes[100:4100]


def test_a_suffix_range_gets_the_last_bytes(client, media_bytes):
    response = client.get("/media.zip", headers={"Range": "bytes=-500"})
    assert response.status_code == 206
    assert response.content == media_bytes[-500:]


def test_a_range_past_the_end_gets_416(client, media):
    response = client.get("/media.zip", headers={"Range": f"bytes={media.total_length}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{media.total_length}"
    assert response.content == b""


def test_if_range_with_another_etag_or_a_date_gets_the_whole_archive(client, media_bytes):
    for validator in ['"stale"', "Fri, 14 Mar 2025 09:26:53 GMT"]:
        headers = {"Range": "bytes=100-199", "If-Range": validator}
        response = client.get("/media.zip", headers=headers)
        assert response.status_code == 200
        assert response.content == media_bytes


def test_several_ranges_get_the_whole_archive(client, media_bytes):
    response = client.get("/media.zip", headers={"Range": "bytes=0-9,20-29"})
    assert response.status_code == 200
    assert response.content == media_bytes


def test_head_gets_the_headers_without_a_body(client, media):
    response = client.head("/media.zip", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.headers["content-length"] == "10"
    assert response.content == b""


def test_a_download_cut_in_half_and_resumed_gives_the_same_file(client, media, media_bytes):
    received = bytearray()
    with client.stream("GET", "/media.zip") as response:
        etag = response.headers["etag"]
        for chunk in response.iter_bytes():
            received += chunk
            if len(received) >= media.total_length // 2:
                break
    del received[media.total_length // 2 :]
    headers = {"Range": f"bytes={len(received)}-", "If-Range": etag}
    rest = client.get("/media.zip", headers=headers)
    assert rest.status_code == 206
    assert bytes(received) + rest.content == media_bytes


def test_content_disposition_cannot_be_broken_out_of():
    value = content_disposition('a"b\r\nSet-Cookie: x=1\\.zip')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="a_b__Set-Cookie: x=1_.zip"; filename*=')
    assert content_disposition("plain.zip") == 'attachment; filename="plain.zip"'
