"""Send a study: streamed upload into a private staging folder, ingest report, recipient, Send."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import reflex as rx
from reflex_components_core.core._upload import UploadChunkIterator
from sqlmodel import Session

from iep_app import routes
from iep_app.db import session_scope
from iep_app.models import OutboxStatus
from iep_app.services import organisation, outbox
from iep_app.services.directory import individuals
from iep_app.services.errors import NotAllowed, NothingToShare, ValidationFailed, invalid, message_of
from iep_app.services.images import files
from iep_app.services.staff import uploads
from iep_app.services.staff.uploads import ReportSummary, UploadRefused
from iep_app.services.transactions import sharing
from iep_app.states.common import now, settings
from iep_app.states.staff.common import AdminState
from iep_app.states.staff.contact import ContactForm
from iep_app.vocabulary import dicom_date, parse_iso_day, person_name

UPLOAD_ID = "study"


class AdminSendState(ContactForm, AdminState):
    """One staff tab sending one study. The staging folder's ID stays in a backend-only var."""

    phase: str = "upload"  # upload | uploading | ingesting | report | sent
    progress: int = 0
    upload_error: str = ""
    studies: list[dict[str, str]] = []
    series: list[dict[str, str]] = []
    rejected: list[dict[str, str]] = []
    patients: list[str] = []
    mismatch: bool = False
    image_count: int = 0
    people: list[dict[str, str]] = []
    until: str = ""
    until_min: str = ""
    until_max: str = ""
    send_error: str = ""
    sent_id: str = ""
    busy: bool = False
    _upload_id: str = ""

    def _restart(self) -> None:
        if self._upload_id:
            with contextlib.suppress(UploadRefused):
                uploads.discard(uploads.folder_of(settings().data_dir, self._upload_id))
        self._upload_id = ""
        self.phase, self.progress, self.upload_error, self.send_error = "upload", 0, "", ""
        self.studies, self.series, self.rejected, self.patients = [], [], [], []
        self.mismatch, self.image_count, self.sent_id, self.busy = False, 0, "", False

    def _show(self, summary: ReportSummary) -> None:
        self.studies = [
            {
                "line": " · ".join(
                    x
                    for x in (
                        dicom_date(s.date, lang=self.lang),
                        s.description,
                        s.accession,
                        person_name(s.patient.name),
                    )
                    if x
                )
            }
            for s in summary.studies
        ]
        self.series = [
            {
                "title": f"{s.modality} · {s.description or s.number}",
                "count": str(s.instances),
                "thumbnail": routes.admin_thumbnail_url(s.storage_key) if s.storage_key else "",
            }
            for s in summary.series
        ]
        self.rejected = [{"name": r.source_name, "reason": r.reason} for r in summary.rejected]
        self.patients = [
            " · ".join(
                x for x in (person_name(p.name), p.patient_id, dicom_date(p.birth_date, lang=self.lang)) if x
            )
            for p in summary.patients
        ]
        self.mismatch, self.image_count = summary.mismatch, summary.images

    @rx.event
    def on_load(self):
        with session_scope() as session:
            if self._staff(session) is None:
                return self._refusal()
            org = organisation.current(session=session, settings=settings())
            today = now().date()
            self.until = (today + timedelta(days=org.retention_days)).isoformat()
            self.until_min = (today + timedelta(days=1)).isoformat()
            self.until_max = (today + timedelta(days=org.max_retention_days)).isoformat()
        uploads.remove_stale(settings().data_dir, now=now())
        if self.phase in ("sent", "uploading", "ingesting"):
            self._restart()
        return None

    @rx.event
    def on_progress(self, progress: dict):
        """The browser's upload progress, as a whole percentage."""
        refusal = self._as_staff()
        if refusal is not None or self.phase in ("ingesting", "report", "sent"):
            return refusal  # a late browser event must not move a finished bar back
        try:
            fraction = float((progress if isinstance(progress, dict) else {}).get("progress", 0))
        except (TypeError, ValueError):
            return None
        self.progress = max(0, min(100, int(fraction * 100)))
        return None

    def _owns(self, upload_id: str) -> bool:
        """Tell whether an upload is still this tab's current one.

        Staff may start another upload (or leave and come back to Send) while one is still
        streaming or being ingested; the older task must then drop its work, never show its
        report beside the newer upload's files, nor touch the newer upload's folder.
        """
        return bool(upload_id) and self._upload_id == upload_id

    @rx.event(background=True)
    async def receive(self, chunks: rx.UploadChunkIterator):
        """Stream the dropped files into a new staging folder, then ingest them.

        Reflex's /_upload trusts the client token header, so this checks the staff session
        behind it before writing a byte; a websocket call cannot hand in a real iterator.
        Every step after the first checks that this upload is still the tab's own.
        """
        if not isinstance(chunks, UploadChunkIterator):
            return
        data_dir = settings().data_dir
        async with self:
            with session_scope() as session:
                if self._staff(session) is None:
                    return
            self._restart()
            upload_id = self._upload_id = uploads.new_upload(data_dir)
            self.phase = "uploading"
        folder = uploads.staging_root(data_dir) / upload_id
        refused = await _stream(chunks, uploads.StagingWriter(folder))
        async with self:
            if not self._owns(upload_id):
                uploads.discard(folder)
                return
            if refused is not None:
                self._refuse(refused)
                return
            self.phase, self.progress = "ingesting", 100
        try:
            report = await asyncio.to_thread(uploads.ingest, folder, files.store())
        except OSError:  # the folder went away or the disk failed under it
            report = None
        async with self:
            if not self._owns(upload_id):
                uploads.discard(folder)
                return
            if report is None:
                self._refuse(UploadRefused("admin.send.refused.unreadable"))
                return
            self._show(uploads.summarise(report))
            self.phase = "report"

    def _refuse(self, refused: UploadRefused) -> None:
        self._restart()
        self.upload_error = message_of(refused, self.lang)

    @rx.event
    def start_over(self):
        refusal = self._as_staff()
        if refusal is not None:
            return refusal
        self._restart()
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def find_people(self, form_data: dict):
        text = str((form_data if isinstance(form_data, dict) else {}).get("query", ""))[:100]

        def find(session: Session) -> None:
            self.people = [
                {
                    "pk": str(p.id),
                    "name": " ".join(x for x in (p.first_name, p.last_name) if x),
                    "email": p.email,
                }
                for p in individuals.search(session=session, text=text)
            ]

        return self._as_staff(find)

    @rx.event
    def choose_person(self, individual_pk: int):
        """Fill the recipient form from the directory (staff may still change it)."""

        def fill(session: Session) -> None:
            with contextlib.suppress(NotAllowed):
                person = individuals.get(session=session, individual_pk=individual_pk)
                self._show_contact(individuals.details_of(person))

        return self._as_staff(fill)

    def _retention_days(self, value: object) -> int:
        day = parse_iso_day(value)
        if day is None:
            raise invalid("retention_days", "admin.send.bad_retention_days")
        return (day - now().date()).days

    @rx.event
    async def send(self, form_data: dict):
        """Create the transaction, queue its link email, then deliver it."""
        data = form_data if isinstance(form_data, dict) else {}
        with session_scope() as session:
            who = self._staff(session)
        if who is None:
            yield self._refusal()
            return
        if self.phase != "report" or not self._upload_id or self.busy:
            return
        if self.mismatch and str(data.get("confirm_mismatch", "")) not in ("on", "true"):
            self.send_error = self._text("admin.send.confirm_mismatch")
            return
        details = self._contact_from(data)
        config = settings()
        try:
            folder = uploads.folder_of(config.data_dir, self._upload_id)
            with session_scope() as session:
                shared = sharing.share(
                    session=session,
                    settings=config,
                    report=uploads.load_report(folder),
                    recipient=details,
                    message=str(data.get("message", ""))[:4000] or None,
                    retention_days=self._retention_days(data.get("until")),
                    sent_by=organisation.current(session=session, settings=config).name,
                    actor=who.actor,
                    now=now(),
                )
                public_id = shared.transaction.public_id or ""
        except ValidationFailed as failed:
            self.send_error = message_of(failed, self.lang, page="admin.send")
            return
        except (NothingToShare, UploadRefused):
            self.send_error = self._text("admin.send.nothing")
            return
        uploads.discard(folder)
        self._upload_id, self.phase, self.sent_id, self.send_error = "", "sent", public_id, ""
        self.busy = True
        yield
        status = await outbox.deliver(shared.outgoing, settings=config, now=now())
        self.busy = False
        if status == OutboxStatus.FAILED:
            self.send_error = self._text("admin.tx.delivery_failed")

    @rx.var
    def sent_url(self) -> str:
        return routes.admin_transaction_url(self.sent_id) if self.sent_id else ""


async def _stream(chunks: UploadChunkIterator, writer: uploads.StagingWriter) -> UploadRefused | None:
    """Write every chunk into the staging folder; the refusal that stopped it, if any."""
    try:
        async for chunk in chunks:
            writer.write(chunk.filename, chunk.offset, chunk.data)
    except UploadRefused as refused:
        return refused
    finally:
        writer.close()
    return None
