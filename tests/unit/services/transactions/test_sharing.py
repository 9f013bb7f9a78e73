"""Sharing ingested files: the index, the package, the link email; refusals create nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from sqlmodel import select

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.models import (
    AccessLink,
    AuthMethod,
    Instance,
    Message,
    OutboxMessage,
    Transaction,
    TransactionInstance,
    utcnow,
)
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NothingToShare, ValidationFailed
from iep_app.services.transactions import sharing

RECIPIENT = ContactDetails(
    email="Pat.Jones@Example.org",
    auth_method=AuthMethod.EMAIL,
    auth_email="pat.codes@example.org",
    first_name="Pat",
)


def _share(session, settings, paths, recipient=RECIPIENT, **kw):
    report = ingest_paths(paths, FileStore(settings.store_dir))
    shared = sharing.share(
        session=session,
        settings=settings,
        report=report,
        recipient=recipient,
        message=kw.get("message"),
        retention_days=kw.get("retention_days"),
        sent_by="Radiology",
        actor="test",
        now=utcnow(),
    )
    session.commit()
    return shared, report


def test_share_indexes_files_and_creates_a_package(session, settings):
    paths = [Path(get_testdata_file(n)) for n in ("CT_small.dcm", "MR_small.dcm")]
    shared, report = _share(session, settings, paths, message="Your scans from Tuesday")
    assert shared.transaction.public_id == "NS000001"
    assert len(shared.instances) == 2 and shared.series_count == 2
    assert len(session.exec(select(TransactionInstance)).all()) == 2
    assert session.exec(select(Message)).one().text == "Your scans from Tuesday"
    stored = session.exec(select(Instance)).all()
    for instance in stored:
        assert FileStore(settings.store_dir).path_of(instance.storage_key).exists()
    link = session.exec(select(AccessLink)).one()
    assert link.token_hash != shared.link_url.rsplit("/", 1)[1]  # only the hash is stored


def test_next_share_gets_the_next_id_and_reuses_the_individual(session, settings):
    path = [Path(get_testdata_file("CT_small.dcm"))]
    first, _ = _share(session, settings, path)
    second, _ = _share(session, settings, path)
    assert (first.transaction.public_id, second.transaction.public_id) == ("NS000001", "NS000002")
    assert first.transaction.recipient_pk == second.transaction.recipient_pk
    assert len(session.exec(select(Instance)).all()) == 1  # same SOP Instance UID, stored once


def test_link_email_is_recorded_without_the_link(session, settings):
    shared, _ = _share(session, settings, [Path(get_testdata_file("CT_small.dcm"))])
    row = session.exec(select(OutboxMessage)).one()
    token = shared.link_url.rsplit("/", 1)[1]
    assert token not in row.body_redacted and token in shared.outgoing.message.text
    assert row.to_address == "pat.jones@example.org"


def test_share_without_any_image_is_refused_and_creates_nothing(session, settings, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not an image")
    with pytest.raises(NothingToShare):
        _share(session, settings, [junk, Path(get_testdata_file("rtplan.dcm"))])
    session.rollback()
    assert session.exec(select(Transaction)).all() == []


def test_bad_recipient_is_refused_with_the_field(session, settings):
    bad = ContactDetails(email="not-an-email", auth_method=AuthMethod.EMAIL, auth_email="codes@example.org")
    with pytest.raises(ValidationFailed) as failure:
        _share(session, settings, [Path(get_testdata_file("CT_small.dcm"))], recipient=bad)
    assert failure.value.field == "email"


def test_same_address_for_codes_is_refused(session, settings):
    same = ContactDetails(email="pat@example.org", auth_method=AuthMethod.EMAIL, auth_email="PAT@example.org")
    with pytest.raises(ValidationFailed) as failure:
        _share(session, settings, [Path(get_testdata_file("CT_small.dcm"))], recipient=same)
    assert failure.value.field == "auth_email"


def test_retention_beyond_the_organisation_limit_is_refused(session, settings):
    with pytest.raises(ValidationFailed):
        _share(session, settings, [Path(get_testdata_file("CT_small.dcm"))], retention_days=400)
