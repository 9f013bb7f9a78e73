"""The Send step with a signed-in staff tab: mismatch confirmation, one transaction per upload."""

from __future__ import annotations

from pathlib import Path

import reflex as rx
from pydicom.data import get_testdata_file
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app.db import session_scope
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.models import Message, Transaction
from iep_app.services import uploads
from iep_app.settings import get_settings
from iep_app.states.admin_send import AdminSendState
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
    with session_scope(engine) as session:
        token, _ = sign_in(session, settings, make_staff(session))
    state = rx.State(_reflex_internal_init=True).get_substate(AdminSendState.get_full_name().split(".")[1:])
    state._staff_token = token
    AdminSendState.event_handlers["on_load"].fn(state)
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
