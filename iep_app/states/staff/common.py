"""What every staff page state shares: the staff session, re-checked in the database on each action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from http.cookies import CookieError, SimpleCookie

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.services.errors import NotAllowed, SessionEnded
from iep_app.services.staff import sessions
from iep_app.services.staff.sessions import COOKIE_NAME, StaffIdentity
from iep_app.states.common import I18nState, now, settings
from iep_app.vocabulary import moment


def short_time(value: datetime | None, lang: str) -> str:
    """A timestamp in a staff table: the compact form of vocabulary.moment, in UTC."""
    return moment(value, lang=lang)


def cookie_script(method: str, grant: str = "") -> str:
    """Browser code that asks the server to set (POST, with a grant) or clear the staff cookie."""
    # The grant is random URL-safe text, so it can sit in a JS string literal as is.
    body = f", body: JSON.stringify({{grant: '{grant}'}})" if grant else ""
    return (
        f"fetch('{routes.ADMIN_SESSION_ENDPOINT}', {{method: '{method}', "
        f"credentials: 'same-origin', headers: {{'Content-Type': 'application/json'}}{body}}})"
        ".then(r => r.status)"
    )


class AdminState(I18nState):
    """Base of every staff page state.

    The session token lives in a backend-only var; a tab opened later in a signed-in
    browser uses the HttpOnly cookie its websocket handshake carried. Either way, every
    handler calls `_staff()` first, which asks the database (role, disabled, 30 minutes idle).
    """

    signed_in: bool = False
    staff_name: str = ""
    staff_is_admin: bool = False
    _staff_token: str = ""

    def _handshake_cookie(self) -> str:
        try:
            jar = SimpleCookie(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = jar.get(COOKIE_NAME)
        return morsel.value if morsel else ""

    def _staff(self, session: Session, *, admin: bool = False) -> StaffIdentity | None:
        """Who is acting, or None (and the tab forgets its session) when nobody may."""
        token, cookie = self._staff_token, False
        if not token:
            token, cookie = self._handshake_cookie(), True
        try:
            who = sessions.authorise(
                session=session,
                secret_key=settings().secret_key,
                token=token,
                now=now(),
                ip=self._client_ip(),
                admin=admin,
                cookie=cookie,
            )
        except SessionEnded:
            self._forget()
            return None
        except NotAllowed:
            return None
        self.signed_in = True
        self.staff_name = who.display_name
        self.staff_is_admin = who.is_admin
        return who

    def _forget(self) -> None:
        self._staff_token = ""
        self.signed_in = False
        self.staff_name = ""
        self.staff_is_admin = False

    def _to_login(self) -> rx.event.EventSpec:
        path = self.router.url.path or routes.ADMIN
        target = path if routes.is_admin_path(path) and path != routes.ADMIN_LOGIN else routes.ADMIN
        return rx.redirect(f"{routes.ADMIN_LOGIN}?next={target}")

    def _as_staff(
        self, work: Callable[[Session], object] | None = None, *, admin: bool = False
    ) -> rx.event.EventSpec | None:
        """Run `work(session)` only for a signed-in person (an admin, when asked).

        Returns:
            None when the work ran, else the refusal to return from the handler.
        """
        with session_scope() as session:
            if self._staff(session, admin=admin) is None:
                return self._refusal()
            if work is not None:
                work(session)
        return None

    def _refusal(self) -> rx.event.EventSpec:
        """The answer when `_staff()` said no: sign in again, or back home without the role."""
        return self._to_login() if not self.signed_in else rx.redirect(routes.ADMIN)

    def _path_tail(self) -> str:
        """The last part of the page's path: the ID in /admin/transactions/NS000708."""
        return str(self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1][:64]

    @rx.event
    def sign_out(self):
        with session_scope() as session:
            sessions.end(
                session=session,
                secret_key=settings().secret_key,
                token=self._staff_token,
                now=now(),
                ip=self._client_ip(),
            )
        self._forget()
        # The cookie is cleared (and its session ended) by the endpoint, which can see it.
        return [rx.call_script(cookie_script("DELETE")), rx.redirect(routes.ADMIN_LOGIN)]
