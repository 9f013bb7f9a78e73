"""The emailed link's page: "Click here to start", then the one-time password box."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import reflex as rx

from iep_app import routes
from iep_app.db import session_scope
from iep_app.services import organisation, outbox
from iep_app.services.errors import (
    CodeExpired,
    CodeRejected,
    CodesLocked,
    LinkNotFound,
    NoActiveCode,
    PackageUnavailable,
    TooManyCodes,
    TooManyWrongCodes,
    message_of,
)
from iep_app.services.recipient import links, otp
from iep_app.states.common import CLOSED_KEYS, I18nState, now, settings
from iep_app.states.recipient.package import PackageState
from iep_app.vocabulary import moment

_T = TypeVar("_T")


def _token_from_path(url: str) -> str:
    parts = urlsplit(url).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 3 and parts[-2] == "t" else ""


class LinkState(I18nState):
    """One browser tab on one emailed link. The link token never leaves the server again."""

    phase: str = "checking"  # checking | start | code | closed
    organisation: str = ""
    available_until: str = ""
    destination: str = ""
    message: str = ""
    error: str = ""
    closed_text: str = ""
    busy: bool = False
    _token: str = ""

    def _close(self, reason: str) -> None:
        self.phase = "closed"
        self.closed_text = self._text(CLOSED_KEYS.get(reason, "link.invalid"))

    def _close_for(self, gone: LinkNotFound | PackageUnavailable) -> None:
        self._close(gone.reason if isinstance(gone, PackageUnavailable) else "invalid")

    def _on_link(self, call: Callable[..., _T]) -> _T:
        """Run open_link or request_code for this tab's link, on behalf of the organisation."""
        config = settings()
        with session_scope() as session:
            return call(
                session=session,
                secret_key=config.secret_key,
                organisation=organisation.current(session=session, settings=config),
                token=self._token,
                now=now(),
                ip=self._client_ip(),
            )

    @rx.event
    def on_load(self):
        self.phase, self.error, self.message = "checking", "", ""
        self._token = _token_from_path(str(self.router.url))
        try:
            view = self._on_link(links.open_link)
        except (LinkNotFound, PackageUnavailable) as gone:
            return self._close_for(gone)
        self.lang = view.language
        self.organisation = view.organisation
        self.available_until = moment(view.available_until, lang=self.lang)
        self.destination = view.masked_destination
        self.phase = "start"

    @rx.event
    async def start(self):
        """Send a fresh code (voiding the old one); only an explicit click does this."""
        if self.phase not in ("start", "code") or not self._token or self.busy:
            return
        self.busy, self.error = True, ""
        yield
        try:
            sent = self._on_link(otp.request_code)
            await outbox.deliver(sent.outgoing, settings=settings(), now=now())
            self.phase = "code"
            self.message = self._text("otp.sent", destination=sent.masked_destination)
        except (TooManyCodes, CodesLocked) as refused:
            self.error = message_of(refused, self.lang)
        except (LinkNotFound, PackageUnavailable) as gone:
            self._close_for(gone)
        finally:
            self.busy = False

    @rx.event
    async def submit_code(self, form_data: dict):
        """Check the typed code; on success bind this tab to the package."""
        if self.phase != "code" or not self._token or self.busy:
            return
        code = str((form_data or {}).get("code", ""))[:32]
        if not code.strip().isdigit() or len(code.strip()) != otp.OTP_DIGITS:
            self.error = self._text("otp.wrong_format", digits=otp.OTP_DIGITS)
            return
        config = settings()
        try:
            with session_scope() as session:
                session_token = otp.verify_code(
                    session=session,
                    secret_key=config.secret_key,
                    token=self._token,
                    code=code,
                    now=now(),
                    ip=self._client_ip(),
                )
        except CodeRejected as rejected:
            self.error = (
                self._text("otp.wrong", remaining=rejected.remaining)
                if rejected.remaining
                else self._text("otp.locked")
            )
            return
        except CodeExpired:
            self.error = self._text("otp.expired")
            return
        except (CodesLocked, TooManyWrongCodes) as refused:
            self.error = message_of(refused, self.lang)
            return
        except NoActiveCode:
            self.error = self._text("otp.locked")
            return
        except (LinkNotFound, PackageUnavailable) as gone:
            return self._close_for(gone)
        self.error = ""
        package = await self.get_state(PackageState)
        grant = package._bind_session(session_token, self.lang)
        self.phase = "verified"
        return rx.call_script(grant_script(grant), callback=PackageState.cookie_ready)


def grant_script(grant: str) -> str:
    """Browser code that swaps the one-time grant for the HttpOnly image cookie."""
    # The grant is random URL-safe text, so it can sit in a JS string literal as is.
    return (
        f"fetch('{routes.SESSION_ENDPOINT}', {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, "
        f"body: JSON.stringify({{grant: '{grant}'}})}}).then(r => r.status)"
    )
