"""A minimal Starlette endpoint serving render_frame, for the benchmark until the app mounts one."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iep_app.dicom.render import RenderError, Window, render_frame
from iep_app.dicom.store import FileStore

# Same path and query as Orthanc's, so one URL template serves both in the benchmark.
FRAME_ROUTE = "/instances/{key}/frames/{frame:int}/rendered"


def create_app(store_root: Path) -> Starlette:
    """Build the app serving frames of the instances in a file store."""
    store = FileStore(store_root)

    async def rendered_frame(request: Request) -> Response:
        query = request.query_params
        window = None
        if "window-center" in query and "window-width" in query:
            window = Window(float(query["window-center"]), float(query["window-width"]))
        fmt = "jpeg" if "image/jpeg" in request.headers.get("accept", "") else "png"
        try:
            # rendering is CPU work: a worker thread keeps the event loop free
            data = await run_in_threadpool(
                render_frame,
                store.path_of(request.path_params["key"]),
                frame=request.path_params["frame"],
                window=window,
                fmt=fmt,
                quality=int(query.get("quality", 90)),
            )
        except (RenderError, ValueError) as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(data, media_type=f"image/{fmt}")

    return Starlette(routes=[Route(FRAME_ROUTE, rendered_frame)])


# granian imports this module by name; the benchmark passes the store in the environment
app = create_app(Path(os.environ.get("IEP_BENCH_STORE", "data/bench-store")))
