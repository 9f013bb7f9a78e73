"""Staff sign-in: username and password, then the TOTP code (with enrolment the first time)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from iep_app import routes
from iep_app.db import session_scope
from iep_app.services import organisation
from iep_app.services.errors import (
    AccountLocked,
    SecretUnreadable,
    SessionEnded,
    SignInFailed,
    SignInThrottled,
)
from iep_app.services.staff import accounts, sessions
from iep_app.states.common import format_until, now, settings
from iep_app.states.staff.common import AdminState, cookie_script

_log = logging.getLogger(__name__)


def _check_password(
    username: str, password: str, ip: str
) -> tuple[accounts.PasswordAccepted, accounts.Enrolment | None]:
    """The password step and, for someone not yet enrolled, the enrolment to show."""
    config = settings()
    with session_scope() as session:
        accepted = accounts.sign_in_password(
            session=session,
            secret_key=config.secret_key,
            username=username,
            password=password,
            now=now(),
            ip=ip,
        )
        enrol = None
        if accepted.needs_enrolment:
            org = organisation.current(session=session, settings=config)
            enrol = accounts.pending_enrolment(
                session=session,
                secret_key=config.secret_key,
                session_token=accepted.session_token,
                now=now(),
                issuer=f"iep {org.name}",
            )
    return accepted, enrol


class AdminLoginState(AdminState):
    """One tab signing in. The half-open session's token stays in a backend-only var."""

    phase: str = "password"  # password | enrol | code | done
    error: str = ""
    qr: str = ""
    secret: str = ""
    _pending_token: str = ""
    _next: str = routes.ADMIN

    def _next_from_url(self) -> str:
        target = str(self.router.url.query_parameters.get("next", "") or "")
        ok = routes.is_admin_path(target) and target != routes.ADMIN_LOGIN
        return target if ok else routes.ADMIN

    def _restart(self, error: str = "") -> None:
        self.phase, self.error, self.qr, self.secret = "password", error, "", ""
        self._pending_token = ""

    def _unreadable(self) -> None:
        # The operator must hear of it: every account would fail like this after a key change.
        _log.error("a staff TOTP secret does not open with this IEP_SECRET_KEY (changed key, or copied row?)")
        self._restart(self._text("admin.login.unreadable"))

    @rx.event
    def on_load(self):
        self._next = self._next_from_url()
        with session_scope() as session:
            if self._staff(session) is not None:
                return rx.redirect(self._next)
        self._restart()
        return None

    @rx.event
    async def submit_password(self, form_data: dict):
        if self.phase != "password":
            return
        data = form_data if isinstance(form_data, dict) else {}
        try:
            # scrypt takes ~0.1 s of CPU: off the event loop, so other tabs are not held up.
            accepted, enrol = await asyncio.to_thread(
                _check_password,
                str(data.get("username", ""))[:64],
                str(data.get("password", "")),
                self._client_ip(),
            )
        except SignInFailed:
            self.error = self._text("admin.login.failed")
            return
        except AccountLocked as locked:
            self.error = self._text("admin.login.locked", time=format_until(locked.until))
            return
        except SignInThrottled:
            self.error = self._text("admin.login.throttled")
            return
        except SecretUnreadable:
            self._unreadable()
            return
        self._pending_token, self.error = accepted.session_token, ""
        if enrol is not None:
            self.phase, self.qr, self.secret = "enrol", enrol.qr_data_uri, enrol.secret
        else:
            self.phase = "code"

    @rx.event
    def submit_code(self, form_data: dict):
        if self.phase not in ("code", "enrol") or not self._pending_token:
            return None
        data = form_data if isinstance(form_data, dict) else {}
        config = settings()
        try:
            with session_scope() as session:
                accounts.sign_in_code(
                    session=session,
                    secret_key=config.secret_key,
                    session_token=self._pending_token,
                    code=str(data.get("code", "")),
                    now=now(),
                    ip=self._client_ip(),
                )
        except SignInFailed as failed:
            self.error = self._text("admin.login.wrong_code", remaining=failed.remaining or 0)
            return None
        except AccountLocked as locked:
            self._restart(self._text("admin.login.locked", time=format_until(locked.until)))
            return None
        except SessionEnded:
            self._restart(self._text("admin.login.too_slow"))
            return None
        except SecretUnreadable:
            self._unreadable()
            return None
        self._staff_token, self._pending_token = self._pending_token, ""
        self.phase, self.error, self.qr, self.secret = "done", "", "", ""
        with session_scope() as session:
            grant = sessions.issue_cookie_grant(
                session=session, secret_key=config.secret_key, token=self._staff_token, now=now()
            )
            self._staff(session)
        return rx.call_script(cookie_script("POST", grant), callback=AdminLoginState.cookie_ready)

    @rx.event
    def cookie_ready(self, status: int):
        """The browser holds the staff cookie now (or not: thumbnails will then be missing)."""
        if self.phase != "done" or not self._staff_token:
            return None
        return rx.redirect(self._next)
