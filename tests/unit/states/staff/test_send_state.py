"""The Send step with a signed-in staff tab: the current upload only, mismatch confirmation, one package."""

from __future__ import annotations

import asyncio
from pathlib import Path

import reflex as rx
from pydicom.data import get_testdata_file
from reflex_components_core.core._upload import UploadChunk, UploadChunkIterator
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app.db import session_scope
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.models import Message, Patient, Transaction
from iep_app.services.staff import uploads
from iep_app.settings import get_settings
from iep_app.states.staff.send import AdminSendState
from tests.unit.services.admin_factories import make_staff, sign_in

FORM = {
    "email": "casey@example.org",
    "first_name": "Casey",
    "auth_email": "casey.codes@example.org",
    "message": "Your CT",
    "preferred_language": "fr",
}


async def _send(state, form):
    async for _ in AdminSendState.event_handlers["send"].fn(state, form):
        pass


def _ready(engine, tmp_path, *, two_patients: bool):
    settings = get_settings()
    state = _signed_in_state(engine)
    upload_id = uploads.new_upload(settings.data_dir)
    folder = uploads.folder_of(settings.data_dir, upload_id)
    writer = uploads.StagingWriter(folder)
    files = make_ct_series(tmp_path / "ct", slices=2, size=32)
    if two_patients:
        files.append(Path(get_testdata_file("CT_small.dcm")))
    for path in files:
        writer.write(path.name, 0, path.read_bytes())
    writer.close()
    state._upload_id = upload_id
    state._show(uploads.summarise(uploads.ingest(folder, FileStore(settings.store_dir))))
    state.phase = "report"
    return state, folder


async def test_send_creates_one_transaction_and_forgets_the_upload(use_engine, tmp_path):
    state, folder = _ready(use_engine, tmp_path, two_patients=False)
    await _send(state, {**FORM, "until": state.until})
    assert state.phase == "sent" and state.sent_id == "NS000001" and not state.send_error
    assert not folder.exists() and state._upload_id == ""
    await _send(state, {**FORM, "until": state.until})  # a double click
    with session_scope(use_engine) as session:
        transaction = session.exec(select(Transaction)).one()
        assert transaction.language == "fr" and transaction.auth_destination == "casey.codes@example.org"
        assert session.exec(select(Message)).one().text == "Your CT"


async def test_a_patient_mismatch_must_be_confirmed(use_engine, tmp_path):
    state, _ = _ready(use_engine, tmp_path, two_patients=True)
    assert state.mismatch and len(state.patients) == 2
    await _send(state, {**FORM, "until": state.until})
    assert state.phase == "report" and "tick the box" in state.send_error
    await _send(state, {**FORM, "until": state.until, "confirm_mismatch": "on"})
    assert state.phase == "sent"


async def test_bad_recipient_details_and_dates_are_explained(use_engine, tmp_path):
    state, folder = _ready(use_engine, tmp_path, two_patients=False)
    await _send(state, {**FORM, "auth_email": FORM["email"], "until": state.until})
    assert "different from the recipient" in state.send_error
    await _send(state, {**FORM, "until": "2001-01-01"})
    assert "availability date" in state.send_error
    await _send(state, {**FORM, "until": "not a date"})
    assert "availability date" in state.send_error
    assert state.phase == "report" and folder.exists()
    with session_scope(use_engine) as session:
        assert not session.exec(select(Transaction)).all()


class _Tab:
    """What Reflex hands a background handler: the tab's state, changed only inside `async with`."""

    def __init__(self, state):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_lock", asyncio.Lock())

    async def __aenter__(self):
        await self._lock.acquire()
        return self

    async def __aexit__(self, *exc):
        self._lock.release()

    def __getattr__(self, name):
        return getattr(self._state, name)

    def __setattr__(self, name, value):
        setattr(self._state, name, value)


def _signed_in_state(engine):
    settings = get_settings()
    with session_scope(engine) as session:
        token, _ = sign_in(session, settings, make_staff(session))
    state = rx.State(_reflex_internal_init=True).get_substate(AdminSendState.get_full_name().split(".")[1:])
    state._staff_token = token
    AdminSendState.event_handlers["on_load"].fn(state)
    return state


async def _push(chunks: UploadChunkIterator, path: Path, *, offset: int = 0) -> None:
    chunk = UploadChunk(
        filename=path.name, offset=offset, content_type="application/dicom", data=path.read_bytes()
    )
    await chunks.push(chunk)


async def _until(condition) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the upload task did not get there")


def _leftovers(*upload_ids: str) -> tuple[bool, ...]:
    """Which of these uploads still have a staging folder."""
    root = uploads.staging_root(get_settings().data_dir)
    return tuple((root / upload_id).exists() for upload_id in upload_ids)


async def _newer_upload_overtakes_older(engine, tmp_path, finish_older):
    """Patient A's big upload is still streaming when staff come back to Send and upload B."""
    state = _signed_in_state(engine)
    tab, receive = _Tab(state), AdminSendState.event_handlers["receive"].fn
    patient_a = make_ct_series(tmp_path / "a", slices=2, size=32)  # DEMO^PATIENT
    patient_b = Path(get_testdata_file("CT_small.dcm"))  # CompressedSamples^CT1
    older, newer = UploadChunkIterator(), UploadChunkIterator()
    older_task = asyncio.create_task(receive(tab, older))
    await _push(older, patient_a[0])
    await _until(lambda: state.phase == "uploading" and state._upload_id)
    older_id = state._upload_id
    AdminSendState.event_handlers["on_load"].fn(state)  # back to Send: the page starts afresh
    newer_task = asyncio.create_task(receive(tab, newer))
    await _push(newer, patient_b)
    await newer.finish()
    await newer_task
    newer_id = state._upload_id
    assert newer_id != older_id and state.phase == "report"
    await finish_older(older, patient_a)
    await older_task
    return state, older_id, newer_id


async def test_an_older_upload_never_shows_its_report_beside_a_newer_ones_files(use_engine, tmp_path):
    async def finish(older, files):
        await _push(older, files[1])  # the second file arrives after staff moved on
        await older.finish()

    state, older_id, newer_id = await _newer_upload_overtakes_older(use_engine, tmp_path, finish)
    assert state._upload_id == newer_id and state.phase == "report"
    assert len(state.patients) == 1 and "CT1" in state.patients[0] and "DEMO" not in state.patients[0]
    assert _leftovers(older_id, newer_id) == (False, True)
    await _send(state, {**FORM, "until": state.until})
    assert state.phase == "sent"
    with session_scope(use_engine) as session:
        sent = session.exec(select(Transaction)).one()
        assert session.get(Patient, sent.patient_pk).patient_name == "CompressedSamples^CT1"


async def test_a_refused_older_upload_leaves_the_newer_one_alone(use_engine, tmp_path):
    async def refuse(older, files):
        await _push(older, files[1], offset=100)  # a chunk out of order: the upload is refused
        await older.finish()

    state, older_id, newer_id = await _newer_upload_overtakes_older(use_engine, tmp_path, refuse)
    assert state._upload_id == newer_id and state.phase == "report" and not state.upload_error
    assert _leftovers(older_id, newer_id) == (False, True)
