"""The forward wizard of a verified package: thin handlers over services.forward_wizard."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import Transaction
from iep_app.services import outbox
from iep_app.services.errors import (
    NotAllowed,
    PackageUnavailable,
    SessionEnded,
    ValidationFailed,
    WizardIncomplete,
    message_of,
)
from iep_app.services.images import patients
from iep_app.services.recipient import lookups
from iep_app.services.recipient.forward_wizard import (
    FIELDS,
    ForwardWizard,
    StepContext,
    parse_until,
    until_value,
)
from iep_app.services.transactions import forwarding
from iep_app.services.transactions.forwarding import ForwardRequest
from iep_app.services.validation import normalise_email
from iep_app.states.common import I18nState, now, settings
from iep_app.states.recipient.package import PackageState, thread_rows
from iep_app.vocabulary import moment

T = TypeVar("T")


class _Stale(Exception):
    """The tab now holds another package than the one this wizard was opened for."""


class ForwardState(I18nState):
    """One forward in progress. Each handler re-checks the verified session first."""

    phase: str = "checking"  # checking | wizard | done | closed
    step: int = 1
    form: dict[str, str] = {}
    added: list[str] = []
    errors: dict[str, str] = {}
    error: str = ""
    # The full address the directory confirmed for step one ("" until Check address says so).
    known_recipient: str = ""
    header: dict[str, str] = {}
    thread: list[dict[str, str]] = []
    latest: str = ""
    latest_value: str = ""
    done_text: str = ""
    closed_text: str = ""
    busy: bool = False
    # The idempotency key of this wizard and the package it was opened for: server-only.
    _key: str = ""
    _transaction_pk: int = 0
    # This wizard's directory answers, by address: asking again (Next, Finish) spends no budget.
    _answers: dict[str, bool] = {}

    @rx.var
    def until_display(self) -> str:
        """The chosen date as the retention sentence shows it: DD/MM/YYYY HH:MM."""
        try:
            return moment(parse_until(self.form.get("until", "")), lang=self.lang)
        except ValidationFailed:
            return "…"

    def _context(self, session: Session, transaction: Transaction) -> StepContext:
        client = self._client_ip()

        def known(email: str) -> bool:
            if email not in self._answers:
                answer = lookups.known_address(
                    session=session, transaction=transaction, client=client, email=email, now=now()
                )
                self._answers = {**self._answers, email: answer}
            return self._answers[email]

        return StepContext(
            known_email=known,
            retention=lambda: forwarding.retention_window(
                session=session, settings=settings(), transaction=transaction, now=now()
            ),
        )

    def _wizard(self) -> ForwardWizard:
        return ForwardWizard(step=self.step, form=dict(self.form), added=list(self.added))

    def _keep(self, wizard: ForwardWizard, errors: dict[str, ValidationFailed] | None) -> None:
        """Copy the wizard back into vars; errors None keeps the ones shown."""
        self.step, self.form, self.added = wizard.step, wizard.form, wizard.added
        if errors is not None:
            self.errors = {name: message_of(error, self.lang) for name, error in errors.items()}
        self.error = ""

    def _clear(self) -> None:
        self.phase, self.step, self.form, self.added = "checking", 1, {}, []
        self.errors, self.error, self.known_recipient, self.thread, self.header = {}, "", "", [], {}
        self._key, self._transaction_pk, self._answers = "", 0, {}

    async def _checked(
        self, work: Callable[[Session, Transaction], T], *, opening: bool = False
    ) -> tuple[bool, T | None]:
        """Run work on this tab's package, if its session is live and the wizard is its own."""
        package = await self.get_state(PackageState)
        try:
            with session_scope() as session:
                transaction = package._transaction(session)
                if not opening and transaction.id != self._transaction_pk:
                    raise _Stale()
                return True, work(session, transaction)
        except (SessionEnded, PackageUnavailable) as error:
            package._close_for(error)
            closed_text = package.closed_text
        except _Stale:
            closed_text = self._text("session.ended")
        self._clear()
        self.phase, self.closed_text = "closed", closed_text
        return False, None

    @rx.event
    async def on_load(self):
        """Open the wizard (or keep the one in progress for this package)."""

        def load(session: Session, transaction: Transaction):  # type: ignore[no-untyped-def]
            header = patients.header(session=session, transaction=transaction, lang=self.lang)
            window = self._context(session, transaction).window
            return transaction.id, header, thread_rows(session, transaction, self.lang), window

        if self.phase != "wizard":
            self._clear()
        ok, loaded = await self._checked(load, opening=True)
        if not ok or loaded is None:
            return
        transaction_pk, header, thread, window = loaded
        if self.phase != "wizard" or self._transaction_pk != transaction_pk:
            self._keep(ForwardWizard.start(window=window, language=self.lang), {})
            self._key, self._transaction_pk = forwarding.new_key(), transaction_pk
        self.header = {
            "public_id": header.public_id,
            "patient_id": header.patient_id or "—",
            "patient_name": header.patient_name or "—",
            "birth_date": header.birth_date or "—",
            "sex": self._text(f"gender.{header.sex}" if header.sex else "gender.unknown"),
        }
        self.thread = thread
        self.latest = moment(window.latest, lang=self.lang)
        self.latest_value = until_value(window.latest)
        self.phase = "wizard"

    async def _step(
        self, change: Callable[[ForwardWizard, StepContext], object], *, checks: bool = False
    ) -> None:
        """Apply one wizard change with the directory and retention window at hand.

        checks: the change is a move (next, previous, add...): its errors, or none, replace
            those shown; otherwise (typing) the errors shown stay.
        """
        if self.phase != "wizard":
            return
        wizard = self._wizard()

        def work(session: Session, transaction: Transaction) -> object:
            return change(wizard, self._context(session, transaction))

        try:
            ok, errors = await self._checked(work)
        except NotAllowed:
            # A field, step or index no page offers: refuse quietly, change nothing.
            return
        if ok:
            shown = errors if isinstance(errors, dict) else {}
            self._keep(wizard, shown if checks else None)

    @rx.event
    async def set_field(self, name: str, value: str):
        """Keep what was typed (checked when the step is left)."""
        await self._step(lambda wizard, _: wizard.set(str(name), value))
        self.errors = {k: v for k, v in self.errors.items() if k != name}
        if name == "recipient_email":
            self.known_recipient = ""

    @rx.event
    async def check_recipient(self):
        """Say whether the full address typed is in the directory: yes or no, nothing more."""
        known: list[str] = []

        def check(wizard: ForwardWizard, ctx: StepContext) -> object:
            errors = wizard.check_recipient(ctx)
            if not errors:
                known.append(normalise_email(wizard.value("recipient_email")))
            return errors

        await self._step(check, checks=True)
        self.known_recipient = known[0] if known else ""

    @rx.event
    async def create_new(self):
        self.known_recipient = ""
        await self._step(lambda wizard, _: wizard.create_new(), checks=True)

    @rx.event
    async def choose_existing(self):
        await self._step(lambda wizard, _: wizard.choose_existing(), checks=True)

    @rx.event
    async def next_step(self):
        await self._step(lambda wizard, ctx: wizard.next(ctx), checks=True)

    @rx.event
    async def previous_step(self):
        await self._step(lambda wizard, _: wizard.previous(), checks=True)

    @rx.event
    async def add_message(self):
        await self._step(lambda wizard, _: wizard.add_message(), checks=True)

    @rx.event
    async def remove_message(self, index: int):
        await self._step(lambda wizard, _: wizard.remove_message(index))

    @rx.event
    def cancel(self):
        """Leave the wizard; nothing was created, and nothing typed is kept."""
        self._clear()
        return rx.redirect(routes.PACKAGE)

    @rx.event
    async def finish(self):
        """Forward the package once, however often this is called (see forwarding.forward)."""
        if self.phase != "wizard" or self.busy:
            return
        self.busy = True
        yield
        try:
            await self._finish()
        finally:
            self.busy = False

    async def _finish(self) -> None:
        config, wizard, key = settings(), self._wizard(), self._key

        def prepare(session: Session, transaction: Transaction) -> ForwardRequest | WizardIncomplete:
            try:
                return wizard.request(self._context(session, transaction))
            except WizardIncomplete as incomplete:
                # Returned, not raised: the directory look-ups the check spent must be kept.
                return incomplete

        ok, prepared = await self._checked(prepare)
        if isinstance(prepared, WizardIncomplete):
            self._keep(wizard, prepared.errors)
            self.error = self._text("forward.step_incomplete")
            return
        if not ok or prepared is None:
            return
        request = prepared

        def work(session: Session, transaction: Transaction) -> forwarding.Forwarded:
            return forwarding.forward(
                session=session,
                settings=config,
                from_transaction=transaction,
                request=request,
                key=key,
                now=now(),
                ip=self._client_ip(),
            )

        try:
            ok, result = await self._checked(work)
        except ValidationFailed as failed:
            # Something changed since the step was checked (the directory, the clock).
            wizard.step = FIELDS.get(failed.field, wizard.step)
            self._keep(wizard, {failed.field: failed})
            return
        if not ok or result is None:
            return
        if result.outgoing is not None:
            await outbox.deliver(result.outgoing, settings=config, now=now())
        self.phase = "done"
        self.done_text = self._text(
            "forward.done", to=result.masked_to, id=result.transaction.public_id or ""
        )
