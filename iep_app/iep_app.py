"""The iep Reflex app: recipient pages plus the plain HTTP API for bytes mounted beside them."""

from __future__ import annotations

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Route

from iep_app import routes
from iep_app.api import images, session
from iep_app.pages.link import link_page
from iep_app.pages.package import package_page
from iep_app.pages.viewer import viewer_page
from iep_app.states.link import LinkState
from iep_app.states.package import PackageState
from iep_app.states.viewer import ViewerState

_instance = f"{routes.API_PREFIX}/{{public_id}}/instances/{{instance:int}}"
api = Starlette(
    routes=[
        Route(routes.SESSION_ENDPOINT, session.create_session_cookie, methods=["POST"]),
        Route(f"{_instance}/frames/{{frame:int}}.{{fmt}}", images.frame),
        Route(f"{_instance}/thumbnail.jpg", images.thumbnail),
    ]
)

app = rx.App(api_transformer=api)
app.add_page(link_page, route=routes.LINK, on_load=LinkState.on_load, title="Your images")
app.add_page(package_page, route=routes.PACKAGE, on_load=PackageState.on_load, title="Your images")
app.add_page(viewer_page, route=routes.VIEWER, on_load=ViewerState.on_load, title="Viewer")

# --- Staff admin (issue 7): pages under /admin, byte endpoints under /api/admin ------------
from iep_app.api import admin as admin_api  # noqa: E402
from iep_app.pages.admin_home import admin_home_page  # noqa: E402
from iep_app.pages.admin_login import admin_login_page  # noqa: E402
from iep_app.pages.admin_send import admin_send_page  # noqa: E402
from iep_app.pages.admin_transaction import admin_transaction_page  # noqa: E402
from iep_app.pages.admin_transactions import admin_transactions_page  # noqa: E402
from iep_app.states.admin_common import AdminState  # noqa: E402
from iep_app.states.admin_login import AdminLoginState  # noqa: E402
from iep_app.states.admin_send import AdminSendState  # noqa: E402
from iep_app.states.admin_transaction import AdminTransactionState  # noqa: E402
from iep_app.states.admin_transactions import AdminTransactionsState  # noqa: E402

api.add_route(routes.ADMIN_SESSION_ENDPOINT, admin_api.create_cookie, methods=["POST"])
api.add_route(routes.ADMIN_SESSION_ENDPOINT, admin_api.delete_cookie, methods=["DELETE"])
api.add_route(f"{routes.ADMIN_API}/store/{{key}}/thumbnail.jpg", admin_api.stored_thumbnail)
app.add_page(
    admin_login_page, route=routes.ADMIN_LOGIN, on_load=AdminLoginState.on_load, title="Staff"
)
app.add_page(admin_home_page, route=routes.ADMIN, on_load=AdminState.guard, title="Staff")
app.add_page(admin_send_page, route=routes.ADMIN_SEND, on_load=AdminSendState.on_load, title="Send")
app.add_page(
    admin_transactions_page,
    route=routes.ADMIN_TRANSACTIONS,
    on_load=AdminTransactionsState.on_load,
    title="Transactions",
)
app.add_page(
    admin_transaction_page,
    route=routes.ADMIN_TRANSACTION,
    on_load=AdminTransactionState.on_load,
    title="Transaction",
)
