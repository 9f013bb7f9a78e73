"""Admins only: the organisation's settings and the staff accounts."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from iep_app.db import session_scope
from iep_app.services import organisation
from iep_app.services.errors import NotAllowed, ValidationFailed, message_of
from iep_app.services.staff import management
from iep_app.services.staff.second_factor import EnrolmentCode
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.validation import whole_number
from iep_app.settings import TRANSACTION_PREFIX_MAX_LENGTH
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState, short_time

ORGANISATION_FIELDS = (
    "name",
    "email",
    "retention_days",
    "max_retention_days",
    "transaction_prefix",
)


def _whole(value: object) -> int:
    number = whole_number(value, high=99_999)
    return -1 if number is None else number


class AdminOrganisationState(AdminState):
    values: dict[str, str] = {}
    version: int = 0
    notice: str = ""
    error: str = ""

    def _fill(self, session: Session) -> None:
        org = organisation.current(session=session, settings=settings())
        self.values = {k: str(getattr(org, k)) for k in ORGANISATION_FIELDS}
        self.version += 1

    @rx.event
    def on_load(self):
        self.notice, self.error = "", ""
        return self._as_staff(self._fill, admin=True)

    @rx.event
    def save(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as session:
                who = self._staff(session, admin=True)
                if who is None:
                    return self._refusal()
                organisation.current(session=session, settings=settings())
                organisation.update(
                    session=session,
                    by=who,
                    name=str(data.get("name", ""))[:200],
                    email=str(data.get("email", ""))[:320],
                    retention_days=_whole(data.get("retention_days")),
                    max_retention_days=_whole(data.get("max_retention_days")),
                    transaction_prefix=str(data.get("transaction_prefix", ""))[
                        :TRANSACTION_PREFIX_MAX_LENGTH
                    ],
                    now=now(),
                    ip=self._client_ip(),
                )
                session.flush()
                self._fill(session)
        except ValidationFailed as failed:
            self.notice, self.error = "", message_of(failed, self.lang, page="admin.org")
            return None
        self.notice, self.error = self._text("admin.org.saved"), ""
        return None


class AdminStaffState(AdminState):
    accounts: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    # A new enrolment code, shown once to the admin who asked for it, gone at the next action.
    enrolment_code: str = ""
    enrolment_text: str = ""

    def _show_code(self, code: EnrolmentCode | None) -> None:
        self.enrolment_code = code.code if code else ""
        self.enrolment_text = (
            self._text(
                "admin.staff.enrolment_code",
                username=code.username,
                time=short_time(code.expires_at, self.lang),
            )
            if code
            else ""
        )

    def _fill(self, session: Session) -> None:
        moment = now()
        self.accounts = [
            {
                "pk": str(u.id),
                "username": u.username,
                "name": u.display_name,
                "role": "admin" if u.is_admin else "staff",
                "state": "disabled"
                if u.disabled
                else "locked"
                if u.locked_until and u.locked_until > moment
                else "active",
                "enrolled": "yes" if u.totp_confirmed else "",
                "last_login": short_time(u.last_login_at, self.lang) if u.last_login_at else "",
            }
            for u in management.list_staff(session=session)
        ]

    def _manage(self, change, key: str):  # type: ignore[no-untyped-def]
        """Run one admin change (a callable taking session and who), then refresh the list."""
        self._show_code(None)
        try:
            with session_scope() as session:
                who: StaffIdentity | None = self._staff(session, admin=True)
                if who is None:
                    return self._refusal()
                result = change(session, who)
                session.flush()
                self._fill(session)
        except NotAllowed:
            self.notice, self.error = "", self._text("admin.staff.not_allowed")
            return None
        except ValidationFailed as failed:
            self.notice, self.error = "", message_of(failed, self.lang, page="admin.staff")
            return None
        self.notice, self.error = self._text(key), ""
        self._show_code(result if isinstance(result, EnrolmentCode) else None)
        return None

    @rx.event
    def on_load(self):
        self.notice, self.error = "", ""
        self._show_code(None)
        return self._as_staff(self._fill, admin=True)

    @rx.event
    def add(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        return self._manage(
            lambda session, who: management.add_by_admin(
                session=session,
                secret_key=settings().secret_key,
                by=who,
                username=str(data.get("username", ""))[:64],
                password=str(data.get("password", "")),
                is_admin=str(data.get("admin", "")) in ("on", "true"),
                now=now(),
                display_name=str(data.get("display_name", ""))[:200],
            ),
            "admin.staff.added",
        )

    @rx.event
    def set_disabled(self, staff_pk: int, disabled: bool):
        return self._manage(
            lambda session, who: management.set_disabled(
                session=session,
                by=who,
                staff_pk=_whole(staff_pk),
                disabled=disabled is True,
                now=now(),
            ),
            "admin.staff.changed",
        )

    @rx.event
    def reset_second_factor(self, staff_pk: int):
        return self._manage(
            lambda session, who: management.reset_second_factor(
                session=session,
                secret_key=settings().secret_key,
                by=who,
                staff_pk=_whole(staff_pk),
                now=now(),
            ),
            "admin.staff.reset_done",
        )

    @rx.event
    def set_admin(self, staff_pk: int, is_admin: bool):
        return self._manage(
            lambda session, who: management.set_admin(
                session=session, by=who, staff_pk=_whole(staff_pk), is_admin=is_admin is True, now=now()
            ),
            "admin.staff.changed",
        )
