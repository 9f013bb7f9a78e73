"""The staff home (this week's packages sent, opened, downloaded, declined, expired) and audit export."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import reflex as rx

from iep_app import routes
from iep_app.db import session_scope
from iep_app.i18n import format_date, format_day_month
from iep_app.services.errors import ValidationFailed, message_of
from iep_app.services.staff import audit_export, dashboard
from iep_app.states.common import now
from iep_app.states.staff.common import AdminState
from iep_app.vocabulary import parse_iso_day


class AdminDashboardState(AdminState):
    totals: dict[str, int] = {}
    chart: list[dict[str, int | str]] = []
    week: str = ""

    @rx.event
    def on_load(self):
        moment = now()
        with session_scope() as session:
            if self._staff(session) is None:
                return self._refusal()
            week = dashboard.this_week(session=session, now=moment)
        self.totals = week.totals
        self.week = format_date(self.lang, week.start, compact=True)
        self.chart = [{"day": format_day_month(self.lang, day), **counts} for day, counts in week.days]
        return None


class AdminAuditState(AdminState):
    """The audit export page: the default range is the last 30 days."""

    audit_from: str = ""
    audit_to: str = ""
    error: str = ""

    @rx.event
    def on_load(self):
        refusal = self._as_staff()
        if refusal is not None:
            return refusal
        today = now().date()
        self.audit_to = today.isoformat()
        self.audit_from = (today - timedelta(days=30)).isoformat()
        return None

    @rx.event
    def export(self, form_data: dict):
        """Start the CSV download; the endpoint re-checks the staff cookie and audits it."""
        data = form_data if isinstance(form_data, dict) else {}
        refusal = self._as_staff()
        if refusal is not None:
            return refusal
        try:
            start, end = audit_export.check_range(
                parse_iso_day(data.get("from")), parse_iso_day(data.get("to"))
            )
        except ValidationFailed as failed:
            self.error = message_of(failed, self.lang, page="admin.audit")
            return None
        self.error = ""
        query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
        return rx.download(url=f"{routes.ADMIN_AUDIT_CSV}?{query}")
