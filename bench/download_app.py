"""The download endpoint the benchmark serves: DICOM media of the studies in a manifest."""

from __future__ import annotations

import functools
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from iep_app.api.ranges import range_response
from iep_app.dicom.export import build_dicom_media
from iep_app.dicom.export_item import ExportItem
from iep_app.dicom.ziplayout import ZipLayout

SENT_AT = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@functools.cache
def _studies() -> dict[str, list[ExportItem]]:
    manifest = Path(os.environ["IEP_BENCH_MANIFEST"])
    return {
        name: [ExportItem(**{**row, "path": Path(row["path"])}) for row in rows]
        for name, rows in json.loads(manifest.read_text()).items()
    }


def media_layout(items: list[ExportItem]) -> ZipLayout:
    """The media of a benchmark study (the benchmark checks what is served against it)."""
    return build_dicom_media(items, transaction_id="BENCH", organisation="iep benchmark", sent_at=SENT_AT)


async def media(request: Request) -> Response:
    """Serve one study's media zip, built per request as the real endpoint will."""
    items = _studies()[request.path_params["name"]]
    # Building the DICOMDIR takes ~0.2 ms an instance: off the event loop.
    layout = await run_in_threadpool(media_layout, items)
    return range_response(request, layout, filename="study.zip")


@functools.cache
def _chunk_sizes(name: str) -> tuple[int, ...]:
    return tuple(len(chunk) for chunk in media_layout(_studies()[name]).iter_range())


async def ceiling(request: Request) -> Response:
    """The same response, chunk for chunk, from memory: what the HTTP stack costs alone."""
    sizes = await run_in_threadpool(_chunk_sizes, request.path_params["name"])
    blocks = {size: bytes(size) for size in set(sizes)}
    body = (blocks[size] for size in sizes)
    return StreamingResponse(body, headers={"Content-Length": str(sum(sizes))})


async def pid(request: Request) -> Response:
    """Tell the benchmark which process serves, so that it can read its memory use."""
    return PlainTextResponse(str(os.getpid()))


app = Starlette(
    routes=[
        Route("/media/{name}.zip", media),
        Route("/ceiling/{name}.zip", ceiling),
        Route("/pid", pid),
    ]
)
