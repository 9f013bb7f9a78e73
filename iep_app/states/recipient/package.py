"""The action chooser of a verified package: View, Download, Forward and Decline."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import Transaction
from iep_app.services import organisation
from iep_app.services.errors import PackageUnavailable, SessionEnded
from iep_app.services.recipient import sessions
from iep_app.services.transactions import messages
from iep_app.states.common import CLOSED_KEYS, I18nState, now, settings
from iep_app.vocabulary import moment


def thread_rows(session: Session, transaction: Transaction, lang: str) -> list[dict[str, str]]:
    """A package's messages as pages list them: author, transaction ID, date and time, text."""
    return [
        {
            "author": message.author,
            "public_id": message.origin_public_id,
            "at": moment(message.created_at, lang=lang),
            "text": message.text,
        }
        for message in messages.thread(session=session, transaction_pk=transaction.id)
    ]


class PackageState(I18nState):
    """A tab verified for one package. Every handler re-checks the session in the database."""

    phase: str = "checking"  # checking | ready | closed
    closed_text: str = ""
    public_id: str = ""
    organisation: str = ""
    sent_by: str = ""
    available_until: str = ""
    error: str = ""
    thread: list[dict[str, str]] = []
    _session_token: str = ""

    def _bind_session(self, session_token: str, lang: str) -> str:
        """Adopt a freshly verified session (called by LinkState, never by a client)."""
        self._session_token = session_token
        self.lang = lang
        config = settings()
        with session_scope() as session:
            return sessions.issue_cookie_grant(
                session=session,
                secret_key=config.secret_key,
                session_token=session_token,
                now=now(),
            )

    def _transaction(self, session) -> Transaction:  # type: ignore[no-untyped-def]
        """The package this tab may see, or SessionEnded / PackageUnavailable."""
        return sessions.resolve_session(
            session=session,
            secret_key=settings().secret_key,
            session_token=self._session_token,
            now=now(),
            ip=self._client_ip(),
        )

    def _close_for(self, error: Exception) -> None:
        self.phase = "closed"
        self._session_token = ""
        self.thread = []
        if isinstance(error, PackageUnavailable):
            self.closed_text = self._text(CLOSED_KEYS.get(error.reason, "session.ended"))
        else:
            self.closed_text = self._text("session.ended")

    @rx.event
    def cookie_ready(self, status: int):
        """The browser holds its image cookie now; go to the chooser."""
        if status != 200:
            self.error = self._text("session.ended")
            return None
        return rx.redirect(routes.PACKAGE)

    @rx.event
    def on_load(self):
        config = settings()
        try:
            with session_scope() as session:
                transaction = self._transaction(session)
                org = organisation.current(session=session, settings=config)
                self.public_id = transaction.public_id or ""
                self.sent_by = transaction.sent_by
                self.organisation = org.name
                self.available_until = moment(transaction.available_until, lang=self.lang)
                self.thread = thread_rows(session, transaction, self.lang)
        except (SessionEnded, PackageUnavailable) as error:
            self._close_for(error)
            return
        self.phase = "ready"
