"""The individuals directory for staff: find people, edit their details, see their transactions."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import Individual, OutboxStatus
from iep_app.services import outbox
from iep_app.services.directory import individuals
from iep_app.services.errors import NotAllowed, ValidationFailed, message_of
from iep_app.services.staff.search import ListQuery, list_transactions
from iep_app.services.validation import row_id
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState
from iep_app.states.staff.contact import ContactForm
from iep_app.states.staff.rows import row_view


def _person_view(person: Individual) -> dict[str, str]:
    method = person.auth_method.value
    return {
        "name": " ".join(p for p in (person.first_name, person.last_name) if p),
        "email": person.email,
        "auth": f"{method}: {person.auth_mobile if method == 'sms' else person.auth_email}",
        "url": routes.admin_individual_url(person.id or 0),
    }


class AdminIndividualsState(AdminState):
    """The directory's search page."""

    query: str = ""
    people: list[dict[str, str]] = []

    def _search(self, session: Session) -> None:
        self.people = [
            _person_view(p) for p in individuals.search(session=session, text=self.query, limit=50)
        ]

    @rx.event
    def on_load(self):
        return self._as_staff(self._search)

    @rx.event
    def search(self, form_data: dict):
        query = str((form_data if isinstance(form_data, dict) else {}).get("query", ""))[:100]

        def find(session: Session) -> None:
            self.query = query
            self._search(session)

        return self._as_staff(find)


class AdminIndividualState(ContactForm, AdminState):
    """One individual: their details (editable) and their transactions."""

    found: bool = False
    title: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    notice: str = ""
    error: str = ""
    _individual_pk: int = 0

    def _fill(self, session: Session, person: Individual) -> None:
        details = individuals.details_of(person)
        self.title = _person_view(person)["name"] or person.email
        self._show_contact(details)
        page = list_transactions(
            session=session, query=ListQuery(recipient_pk=person.id), now=now(), limit=50
        )
        self.rows, self.total = [row_view(r, self.lang) for r in page.rows], page.total

    def _person(self, session: Session) -> Individual | None:
        try:
            return individuals.get(session=session, individual_pk=self._individual_pk)
        except NotAllowed:
            return None

    @rx.event
    def on_load(self):
        self.found, self.notice, self.error = False, "", ""
        with session_scope() as session:
            if self._staff(session) is None:
                return self._refusal()
            tail = self._path_tail()
            self._individual_pk = row_id(tail) or 0
            person = self._person(session)
            if person is not None:
                self._fill(session, person)
                self.found = True
        return None

    @rx.event
    async def save(self, form_data: dict):
        details = self._contact_from(form_data)
        refusal, updated = None, None
        try:
            with session_scope() as session:
                who = self._staff(session)
                if who is None or self._person(session) is None:
                    refusal = self._refusal()
                else:
                    updated = individuals.update(
                        session=session,
                        settings=settings(),
                        individual_pk=self._individual_pk,
                        details=details,
                        by=who,
                        now=now(),
                        ip=self._client_ip(),
                    )
                    session.flush()
                    person = self._person(session)
                    assert person is not None
                    self._fill(session, person)
        except ValidationFailed as failed:
            self.notice, self.error = "", message_of(failed, self.lang, page="admin.send")
            return
        if updated is None:
            yield refusal
            return
        notice = self._text("admin.person.saved", count=updated.moved)
        if updated.relinked:
            notice += " " + self._text("admin.person.relinked", count=len(updated.relinked))
        self.notice, self.error = notice, ""
        yield
        # Delivered once the change is committed: the new links exist only from then on.
        statuses = [await outbox.deliver(o, settings=settings(), now=now()) for o in updated.relinked]
        if OutboxStatus.FAILED in statuses:
            self.error = self._text("admin.tx.delivery_failed")
