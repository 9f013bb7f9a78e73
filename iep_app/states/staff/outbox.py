"""The staff outbox: every email and SMS with its delivery status, and retries of failed ones."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import OutboxStatus
from iep_app.services import outbox
from iep_app.services.errors import NotAllowed, PackageUnavailable
from iep_app.services.staff import outbox_view
from iep_app.services.staff.outbox_view import NotRetried
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState, short_time


class AdminOutboxState(AdminState):
    rows: list[dict[str, str]] = []
    status: str = ""
    has_more: bool = False
    notice: str = ""
    error: str = ""
    _oldest_pk: int = 0

    def _page(self, session: Session, *, more: bool = False) -> None:
        found = outbox_view.recent(
            session=session,
            status=self.status,
            before_pk=self._oldest_pk if more and self._oldest_pk else None,
            limit=outbox_view.PAGE_SIZE + 1,
        )
        self.has_more = len(found) > outbox_view.PAGE_SIZE
        found = found[: outbox_view.PAGE_SIZE]
        views = [
            {
                "pk": str(d.message.id),
                "at": short_time(d.message.created_at, self.lang),
                "channel": d.message.channel,
                "purpose": d.message.purpose,
                "to": outbox.masked(d.message.channel, d.message.to_address),
                "subject": d.message.subject,
                "status": d.message.status.value,
                "attempts": str(d.message.attempts),
                "error": d.message.last_error,
                "public_id": d.public_id,
                "url": routes.admin_transaction_url(d.public_id) if d.public_id else "",
                "retry": "yes"
                if d.message.status == OutboxStatus.FAILED
                and d.message.retried_at is None
                and d.message.purpose != "otp"
                else "",
            }
            for d in found
        ]
        self.rows = (self.rows + views) if more else views
        self._oldest_pk = (found[-1].message.id or 0) if found else 0

    @rx.event
    def on_load(self):
        self.notice, self.error = "", ""
        return self._as_staff(self._page)

    @rx.event
    def filter(self, status: str):
        def show(session: Session) -> None:
            self.status = status if status in outbox_view.STATUSES else ""
            self._page(session)

        return self._as_staff(show)

    @rx.event
    def more(self):
        return self._as_staff(lambda session: self._page(session, more=True))

    @rx.event
    async def retry(self, outbox_pk: int):
        config = settings()
        refusal, queued = None, None
        try:
            with session_scope() as session:
                who = self._staff(session)
                if who is None:
                    refusal = self._refusal()
                else:
                    pk = outbox_pk if isinstance(outbox_pk, int) else -1
                    queued = outbox_view.retry(
                        session=session,
                        settings=config,
                        outbox_pk=pk,
                        by=who,
                        now=now(),
                        ip=self._client_ip(),
                    )
        except (NotRetried, NotAllowed, PackageUnavailable):
            self.notice, self.error = "", self._text("admin.outbox.not_retried")
            return
        if refusal is not None or queued is None:
            yield refusal
            return
        status = await outbox.deliver(queued, settings=config, now=now())
        with session_scope() as session:
            self._page(session)
        key = "admin.outbox.retried" if status != OutboxStatus.FAILED else "admin.tx.delivery_failed"
        self.notice, self.error = self._text(key), ""
