"""The viewer of a verified package: its series, each with a rendered image."""

from __future__ import annotations

import reflex as rx

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import Progress
from iep_app.services import audit, studies, transactions
from iep_app.services.audit import Action
from iep_app.services.errors import PackageUnavailable, SessionEnded
from iep_app.states.common import now
from iep_app.states.package import PackageState


class ViewerState(rx.State):
    """Lists what the tab's package holds; image bytes come from the HTTP API, never state."""

    series: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def on_load(self):
        package = await self.get_state(PackageState)
        try:
            with session_scope() as session:
                transaction = package._transaction(session)
                contents = studies.contents(session=session, transaction_pk=transaction.id)
                transactions.advance(transaction, Progress.VIEWED, now())
                audit.record(
                    session=session,
                    action=Action.VIEWED,
                    actor="recipient",
                    transaction_pk=transaction.id,
                    ip=package.client_ip(),
                )
                public_id = transaction.public_id or ""
        except (SessionEnded, PackageUnavailable) as error:
            package._close_for(error)
            return rx.redirect(routes.PACKAGE)
        self.series = [
            {
                "key": str(view.series_pk),
                "title": view.description or f"Series {view.series_number}",
                "modality": view.modality,
                "count": str(view.image_count),
                "image": routes.frame_url(public_id, view.first_instance_pk, fmt="png")
                if view.first_instance_pk
                else "",
            }
            for view in contents.series
        ]
        self.loaded = True
