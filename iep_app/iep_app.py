"""The iep Reflex app: recipient pages plus the plain HTTP API for bytes mounted beside them."""

from __future__ import annotations

import reflex as rx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from iep_app import routes
from iep_app.api import downloads, images, paths, session, viewer  # noqa: F401  (paths: the `id` convertor)
from iep_app.api.headers import SecurityHeaders
from iep_app.pages.recipient.download import download_page
from iep_app.pages.recipient.forward import forward_page
from iep_app.pages.recipient.link import link_page
from iep_app.pages.recipient.package import package_page
from iep_app.pages.recipient.viewer import viewer_page
from iep_app.states.recipient.download import DownloadState
from iep_app.states.recipient.forward import ForwardState
from iep_app.states.recipient.link import LinkState
from iep_app.states.recipient.package import PackageState
from iep_app.states.recipient.viewer import ViewerState

_package = f"{routes.API_PREFIX}/{{public_id}}"
_instance = f"{_package}/instances/{{instance:id}}"
api = Starlette(
    routes=[
        Route(routes.SESSION_ENDPOINT, session.create_session_cookie, methods=["POST"]),
        Route(f"{_instance}/frames/{{frame:id}}.{{fmt}}", images.frame),
        Route(f"{_instance}/thumbnail.jpg", images.thumbnail),
        Route(f"{_package}/download/dicom.zip", downloads.dicom_media, methods=["GET", "HEAD"]),
        Route(f"{_package}/download/pictures.zip", downloads.pictures),
        Route(f"{_instance}/words/{{frame:id}}", viewer.words),
        Route(f"{_instance}/document.pdf", viewer.document),
        Route(f"{_package}/series/{{series:id}}/manifest.json", viewer.series_manifest),
    ],
    middleware=[Middleware(SecurityHeaders)],
)

app = rx.App(api_transformer=api)
app.add_page(link_page, route=routes.LINK, on_load=LinkState.on_load, title="Your images")
app.add_page(package_page, route=routes.PACKAGE, on_load=PackageState.on_load, title="Your images")
app.add_page(viewer_page, route=routes.VIEWER, on_load=ViewerState.on_load, title="Viewer")
app.add_page(download_page, route=routes.DOWNLOAD, on_load=DownloadState.on_load, title="Download")
app.add_page(forward_page, route=routes.FORWARD, on_load=ForwardState.on_load, title="Forward")

# --- Staff admin (issue 7): pages under /admin, byte endpoints under /api/admin ------------
from iep_app.admin_pages import register_admin  # noqa: E402

register_admin(app, api)
