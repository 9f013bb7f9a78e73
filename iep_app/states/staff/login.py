"""Staff sign-in: username and password, then the TOTP code (with enrolment the first time)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.services import organisation
from iep_app.services.errors import (
    AccountLocked,
    DomainError,
    EnrolmentCodeExpired,
    SecretUnreadable,
    SessionEnded,
    SignInFailed,
    SignInThrottled,
)
from iep_app.services.staff import accounts, sessions
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState, cookie_script
from iep_app.vocabulary import moment

_log = logging.getLogger(__name__)
# Why a code step can fail; _refused() says each in words.
_REFUSALS = (
    SignInFailed,
    AccountLocked,
    SignInThrottled,
    SessionEnded,
    EnrolmentCodeExpired,
    SecretUnreadable,
)


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
        # After an admin's reset the secret waits for the enrolment code, the next step.
        if accepted.needs_enrolment and not accepted.needs_enrolment_code:
            enrol = _enrolment(session, accepted.session_token, "", ip)
    return accepted, enrol


def _enrolment(session: Session, token: str, enrolment_code: str, ip: str) -> accounts.Enrolment | None:
    config = settings()
    org = organisation.current(session=session, settings=config)
    return accounts.pending_enrolment(
        session=session,
        secret_key=config.secret_key,
        session_token=token,
        now=now(),
        issuer=f"iep {org.name}",
        enrolment_code=enrolment_code,
        ip=ip,
    )


class AdminLoginState(AdminState):
    """One tab signing in. The half-open session's token stays in a backend-only var."""

    phase: str = "password"  # password | enrolment_code | enrol | code | done
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
            self.error = self._text("admin.login.locked", time=moment(locked.until, lang=self.lang))
            return
        except SignInThrottled:
            self.error = self._text("admin.login.throttled")
            return
        except SecretUnreadable:
            self._unreadable()
            return
        self._pending_token, self.error = accepted.session_token, ""
        if accepted.needs_enrolment_code:
            self.phase = "enrolment_code"
        else:
            self._show(enrol)

    def _show(self, enrol: accounts.Enrolment | None) -> None:
        """The QR code and secret to enrol, or straight to the code for someone enrolled."""
        if enrol is not None:
            self.phase, self.qr, self.secret = "enrol", enrol.qr_data_uri, enrol.secret
        else:
            self.phase = "code"

    @rx.event
    def submit_enrolment_code(self, form_data: dict):
        """After an admin's reset: the one-time enrolment code, then the QR code to enrol."""
        if self.phase != "enrolment_code" or not self._pending_token:
            return
        data = form_data if isinstance(form_data, dict) else {}
        typed = str(data.get("enrolment_code", ""))
        try:
            with session_scope() as session:
                enrol = _enrolment(session, self._pending_token, typed, self._client_ip())
        except _REFUSALS as error:
            self._refused(error, "admin.login.wrong_enrolment_code")
            return
        self.error = ""
        self._show(enrol)

    def _refused(self, error: DomainError, wrong_key: str) -> None:
        """Say why a code was refused; start over when this half-open session cannot go on."""
        if isinstance(error, SignInFailed):
            self.error = self._text(wrong_key, remaining=error.remaining or 0)
        elif isinstance(error, AccountLocked):
            self._restart(self._text("admin.login.locked", time=moment(error.until, lang=self.lang)))
        elif isinstance(error, SignInThrottled):
            self._restart(self._text("admin.login.throttled"))
        elif isinstance(error, EnrolmentCodeExpired):
            self._restart(self._text("admin.login.enrolment_code_spent"))
        elif isinstance(error, SecretUnreadable):
            self._unreadable()
        else:
            self._restart(self._text("admin.login.too_slow"))

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
        except _REFUSALS as error:
            self._refused(error, "admin.login.wrong_code")
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
