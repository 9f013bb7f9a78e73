"""The staff admin's pages and byte endpoints, registered on the app in one place."""

from __future__ import annotations

import reflex as rx
from starlette.applications import Starlette

from iep_app import routes
from iep_app.api import admin as admin_api
from iep_app.pages.staff.dashboard import admin_audit_page, admin_dashboard_page
from iep_app.pages.staff.individuals import admin_individual_page, admin_individuals_page
from iep_app.pages.staff.login import admin_login_page
from iep_app.pages.staff.outbox import admin_outbox_page
from iep_app.pages.staff.send import admin_send_page
from iep_app.pages.staff.settings import admin_organisation_page, admin_staff_page
from iep_app.pages.staff.transaction import admin_transaction_page
from iep_app.pages.staff.transactions import admin_transactions_page
from iep_app.states.staff.dashboard import AdminAuditState, AdminDashboardState
from iep_app.states.staff.individuals import AdminIndividualsState, AdminIndividualState
from iep_app.states.staff.login import AdminLoginState
from iep_app.states.staff.outbox import AdminOutboxState
from iep_app.states.staff.send import AdminSendState
from iep_app.states.staff.settings import AdminOrganisationState, AdminStaffState
from iep_app.states.staff.transaction import AdminTransactionState
from iep_app.states.staff.transactions import AdminTransactionsState

PAGES = [
    (admin_login_page, routes.ADMIN_LOGIN, AdminLoginState.on_load),
    (admin_dashboard_page, routes.ADMIN, AdminDashboardState.on_load),
    (admin_send_page, routes.ADMIN_SEND, AdminSendState.on_load),
    (admin_transactions_page, routes.ADMIN_TRANSACTIONS, AdminTransactionsState.on_load),
    (admin_transaction_page, routes.ADMIN_TRANSACTION, AdminTransactionState.on_load),
    (admin_individuals_page, routes.ADMIN_INDIVIDUALS, AdminIndividualsState.on_load),
    (admin_individual_page, routes.ADMIN_INDIVIDUAL, AdminIndividualState.on_load),
    (admin_outbox_page, routes.ADMIN_OUTBOX, AdminOutboxState.on_load),
    (admin_audit_page, routes.ADMIN_AUDIT, AdminAuditState.on_load),
    (admin_organisation_page, routes.ADMIN_ORGANISATION, AdminOrganisationState.on_load),
    (admin_staff_page, routes.ADMIN_STAFF, AdminStaffState.on_load),
]


def register_admin(app: rx.App, api: Starlette) -> None:
    """Add the staff pages to the app and their endpoints to its HTTP API."""
    api.add_route(routes.ADMIN_SESSION_ENDPOINT, admin_api.create_cookie, methods=["POST"])
    api.add_route(routes.ADMIN_SESSION_ENDPOINT, admin_api.delete_cookie, methods=["DELETE"])
    api.add_route(f"{routes.ADMIN_API}/store/{{key}}/thumbnail.jpg", admin_api.stored_thumbnail)
    api.add_route(routes.ADMIN_AUDIT_CSV, admin_api.audit_csv)
    for page, route, on_load in PAGES:
        # Every page's on_load checks the staff session itself, like every other handler.
        app.add_page(page, route=route, on_load=on_load, title="Staff")
