"""One transaction for staff: details, thread, forward tree, timeline, and the actions on it."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.i18n import catalogue, normalise_language
from iep_app.models import OutboxStatus, Transaction
from iep_app.services import organisation, outbox
from iep_app.services.errors import NotAllowed, PackageUnavailable, ValidationFailed, invalid, message_of
from iep_app.services.recipient import otp
from iep_app.services.staff import actions, tracking
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.services.staff.tracking import Details, TimelineEntry
from iep_app.services.transactions import messages, retention
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState, short_time
from iep_app.vocabulary import dicom_date, moment, parse_iso_day, person_name

# One staff action: (session, who, transaction) -> the notice's parameters.
Action = Callable[[Session, StaffIdentity, Transaction], dict]


class AdminTransactionState(AdminState):
    """The transaction named in the page's URL; every action re-checks the staff session."""

    found: bool = False
    public_id: str = ""
    status: str = ""
    info: dict[str, str] = {}
    series: list[dict[str, str]] = []
    thread: list[dict[str, str]] = []
    tree: list[dict[str, str]] = []
    timeline: list[dict[str, str]] = []
    codes_lock: str = ""  # why the recipient cannot have a code now, for staff; "" when they can
    is_open: bool = False
    onward_count: int = 0
    until: str = ""
    notice: str = ""
    error: str = ""
    busy: bool = False
    _public_id: str = ""

    def _details_view(self, shown: Details) -> None:
        t, person, patient = shown.transaction, shown.recipient, shown.patient
        self.public_id, self.status = t.public_id or "", shown.status
        self.is_open = not shown.status.ended
        self.codes_lock = self._codes_lock(shown.codes)
        until = t.available_until
        self.until = until.date().isoformat()
        self.info = {
            "recipient": " ".join(p for p in (person.first_name, person.last_name) if p),
            "email": person.email,
            "recipient_url": routes.admin_individual_url(person.id or 0),
            "auth": f"{t.auth_method.value}: {t.auth_destination}",
            "patient": " · ".join(
                p
                for p in (
                    person_name(patient.patient_name),
                    patient.patient_id,
                    dicom_date(patient.birth_date, lang=self.lang),
                )
                if p
            )
            if patient
            else "",
            "created": short_time(t.created_at, self.lang),
            "until": short_time(until, self.lang),
            "activity": short_time(t.last_activity_at, self.lang),
            "sent_by": t.sent_by,
            "language": t.language,
            "decline_reason": t.decline_reason,
            "codes": f"{shown.codes.sent_this_hour} / {otp.CODES_PER_HOUR}",
            "codes_today": f"{shown.codes.sent_today} / {otp.CODES_PER_DAY}",
            "wrong_codes": f"{shown.codes.wrong_codes} / {otp.WRONG_CODES_BEFORE_LOCK}",
            "parent": shown.parent_public_id,
            "parent_url": routes.admin_transaction_url(shown.parent_public_id),
        }
        self.series = [
            {
                "title": f"{s.modality} · {s.description}",
                "images": str(s.images),
                "thumbnail": routes.admin_thumbnail_url(s.storage_key) if s.storage_key else "",
            }
            for s in shown.series
        ]

    def _codes_lock(self, codes: otp.CodeStanding) -> str:
        match codes.lock:
            case otp.CodeLock.WRONG_CODES:
                return self._text("admin.tx.codes_locked_wrong", count=otp.WRONG_CODES_BEFORE_LOCK)
            case otp.CodeLock.DAY:
                return self._text("admin.tx.codes_locked_today")
            case otp.CodeLock.HOUR:
                return self._text("admin.tx.codes_locked")
        return ""

    def _event_label(self, entry: TimelineEntry) -> str:
        key = f"admin.event.{entry.action}"
        return self._text(key) if key in catalogue(normalise_language(self.lang)) else entry.action

    def _fill(self, session: Session, transaction: Transaction) -> None:
        assert transaction.id is not None
        self._details_view(tracking.details(session=session, transaction=transaction, now=now()))
        self.thread = [
            {"author": m.author, "at": short_time(m.created_at, self.lang), "text": m.text}
            for m in messages.thread(session=session, transaction_pk=transaction.id)
        ]
        nodes = tracking.forward_tree(session=session, transaction=transaction, now=now())
        self.tree = [
            {
                "public_id": n.public_id,
                "url": routes.admin_transaction_url(n.public_id),
                "email": n.recipient_email,
                "status": n.status,
                "indent": f"{n.depth * 1.5}em",
                "this": "yes" if n.is_this else "",
            }
            for n in nodes
        ]
        here = next(i for i, n in enumerate(nodes) if n.is_this)
        self.onward_count = sum(1 for n in nodes[here + 1 :] if not n.status.ended)
        self.timeline = [
            {
                "at": moment(e.at, lang=self.lang, seconds=True),
                "event": self._event_label(e),
                "detail": " · ".join(f"{k}: {v}" for k, v in e.detail.items()),
                "actor": e.actor,
                "ip": e.ip,
            }
            for e in reversed(tracking.timeline(session=session, transaction_pk=transaction.id))
        ]

    def _begin(self, session: Session) -> tuple[StaffIdentity, Transaction] | None:
        """Who is acting and on which transaction, or None to refuse."""
        who = self._staff(session)
        if who is None or not self._public_id:
            return None
        try:
            return who, tracking.by_public_id(session=session, public_id=self._public_id)
        except NotAllowed:
            return None

    @rx.event
    def on_load(self):
        self.found, self.notice, self.error = False, "", ""
        with session_scope() as session:
            if self._staff(session) is None:
                return self._refusal()
            self._public_id = self._path_tail().upper()
            begun = self._begin(session)
            if begun is None:
                return None
            self._fill(session, begun[1])
            self.found = True
        return None

    def _act(self, action: Action, key: str) -> rx.event.EventSpec | None:
        """Run one staff action on this page's transaction, then show the result.

        `action(session, who, transaction)` returns the notice's parameters; a closed package
        or a refused input becomes a message on the page.
        """
        with session_scope() as session:
            begun = self._begin(session)
            if begun is None:
                return self._refusal()
            who, transaction = begun
            try:
                params = action(session, who, transaction)
            except PackageUnavailable:
                self.notice, self.error = "", self._text("admin.tx.closed")
                return None
            except ValidationFailed as failed:
                self.notice = ""
                self.error = message_of(failed, self.lang, page="admin.tx", max=messages.MAX_MESSAGE_LENGTH)
                return None
            session.flush()
            self._fill(session, transaction)
            self.notice, self.error = self._text(key, **params), ""
        return None

    @rx.event
    async def resend_link(self):
        if self.busy:
            return
        sent: list[outbox.Outgoing] = []

        def resend(session: Session, who: StaffIdentity, transaction: Transaction) -> dict:
            sent.append(
                actions.resend_link(
                    session=session,
                    settings=settings(),
                    transaction=transaction,
                    by=who,
                    now=now(),
                    ip=self._client_ip(),
                )
            )
            return {}

        refusal = self._act(resend, "admin.tx.link_resent")
        if refusal is not None or not sent:
            yield refusal
            return
        self.busy = True
        yield
        status = await outbox.deliver(sent[0], settings=settings(), now=now())
        self.busy = False
        if status == OutboxStatus.FAILED:
            self.notice, self.error = "", self._text("admin.tx.delivery_failed")

    @rx.event
    def unlock_codes(self):
        def unlock(session: Session, who: StaffIdentity, transaction: Transaction) -> dict:
            actions.unlock_codes(
                session=session, transaction=transaction, by=who, now=now(), ip=self._client_ip()
            )
            return {}

        return self._act(unlock, "admin.tx.unlocked")

    @rx.event
    def change_retention(self, form_data: dict):
        day = parse_iso_day((form_data if isinstance(form_data, dict) else {}).get("until"))

        def change(session: Session, who: StaffIdentity, transaction: Transaction) -> dict:
            org = organisation.current(session=session, settings=settings())
            if day is None:
                raise invalid("until", "admin.tx.bad_until", days=org.max_retention_days)
            retention.change_until(
                session=session,
                transaction=transaction,
                until=day,
                organisation=org,
                by=who,
                now=now(),
                ip=self._client_ip(),
            )
            return {"date": day}

        return self._act(change, "admin.tx.retention_changed")

    @rx.event
    def revoke(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        onward = str(data.get("onward", "")) in ("on", "true", "1")

        def withdraw(session: Session, who: StaffIdentity, transaction: Transaction) -> dict:
            revoked = retention.revoke(
                session=session,
                transaction=transaction,
                by=who,
                onward=onward,
                now=now(),
                ip=self._client_ip(),
            )
            return {"count": len(revoked)}

        return self._act(withdraw, "admin.tx.revoked")

    @rx.event
    def add_message(self, form_data: dict):
        text = str((form_data if isinstance(form_data, dict) else {}).get("text", ""))

        def write(session: Session, who: StaffIdentity, transaction: Transaction) -> dict:
            actions.add_message(
                session=session,
                settings=settings(),
                transaction=transaction,
                by=who,
                text=text,
                now=now(),
                ip=self._client_ip(),
            )
            return {}

        return self._act(write, "admin.tx.message_added")
