"""The decline dialog of a verified package: confirm, optional reason, then access ends."""

from __future__ import annotations

import reflex as rx

from iep_app.db import session_scope
from iep_app.models import DisplayStatus
from iep_app.services import outbox
from iep_app.services.errors import PackageUnavailable, SessionEnded, ValidationFailed, message_of
from iep_app.services.transactions import declining
from iep_app.states.common import I18nState, now, settings
from iep_app.states.recipient.package import PackageState


class DeclineState(I18nState):
    """The dialog's values; the decline itself re-checks the session in the database."""

    open: bool = False
    reason: str = ""
    other: str = ""
    error: str = ""
    busy: bool = False

    def _reset_dialog(self) -> None:
        self.open, self.reason, self.other, self.error = False, "", "", ""

    @rx.event
    def set_open(self, value: bool):
        if value is True:
            self.open, self.error = True, ""
        else:
            self._reset_dialog()

    @rx.event
    def set_reason(self, value: str):
        # Only the offered choices; anything else a client sends is ignored.
        if value in ("", *declining.REASONS):
            self.reason = value
            self.error = ""

    @rx.event
    def set_other(self, value: str):
        self.other = value[: declining.MAX_OTHER_TEXT + 1] if isinstance(value, str) else ""

    @rx.event
    async def confirm(self):
        """Decline the package; the organisation is told, and this tab loses access."""
        if not self.open or self.busy:
            return
        self.busy = True
        yield
        try:
            await self._decline()
        finally:
            self.busy = False

    async def _decline(self) -> None:
        package = await self.get_state(PackageState)
        config = settings()
        try:
            with session_scope() as session:
                outgoing = declining.decline(
                    session=session,
                    settings=config,
                    transaction=package._transaction(session),
                    session_token=package._session_token,
                    reason_code=self.reason,
                    other_text=self.other,
                    now=now(),
                    ip=self._client_ip(),
                )
        except ValidationFailed as failed:
            self.error = message_of(failed, self.lang)
            return
        except (SessionEnded, PackageUnavailable) as error:
            self._reset_dialog()
            package._close_for(error)
            return
        await outbox.deliver(outgoing, settings=config, now=now())
        self._reset_dialog()
        package._close_for(PackageUnavailable(DisplayStatus.DECLINED))
