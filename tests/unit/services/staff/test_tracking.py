"""What staff see of one transaction: details with the patient, forward tree, timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.models import AuthMethod, TransactionStatus, utcnow
from iep_app.services import audit, organisation
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NotAllowed
from iep_app.services.recipient import links, otp
from iep_app.services.staff import tracking
from tests.support.packages import share_report
from tests.unit.services.factories import make_transaction
from tests.unit.services.transactions.test_retention import _forward


def _share_ct(session, settings):
    report = ingest_paths([Path(get_testdata_file("CT_small.dcm"))], FileStore(settings.store_dir))
    recipient = ContactDetails(
        email="pat@example.org", auth_method=AuthMethod.SMS, auth_mobile="+447911123456"
    )
    return share_report(
        session, settings, report, recipient, message="Your CT", actor=audit.staff_actor("root")
    )


def test_details_name_the_patient_and_the_series(session, settings):
    shared = _share_ct(session, settings)
    found = tracking.by_public_id(session=session, public_id=shared.transaction.public_id.lower())
    shown = tracking.details(session=session, transaction=found, now=utcnow())
    assert shown.patient.patient_name == "CompressedSamples^CT1"
    assert shown.transaction.patient_pk == shown.patient.id
    assert shown.status == "waiting" and shown.codes == otp.CodeStanding(0, 0, 0)
    assert [(s.modality, s.images) for s in shown.series] == [("CT", 1)]
    assert len(shown.series[0].storage_key) == 64
    assert shown.recipient.email == "pat@example.org" and shown.parent_public_id == ""


def test_unknown_public_ids_are_refused(session, settings):
    make_transaction(session, settings)
    for wrong in ("NS999999", "", "x" * 500):
        with pytest.raises(NotAllowed):
            tracking.by_public_id(session=session, public_id=wrong)


def test_the_forward_tree_shows_parents_and_every_onward_forward(session, settings):
    root = make_transaction(session, settings).transaction
    child = _forward(session, settings, root, "gp@example.org")
    grandchild = _forward(session, settings, child, "specialist@example.org")
    _forward(session, settings, root, "family@example.org")
    grandchild.status = TransactionStatus.DECLINED
    session.commit()
    tree = tracking.forward_tree(session=session, transaction=child, now=utcnow())
    assert [(n.public_id, n.depth, n.is_this, n.status) for n in tree] == [
        (root.public_id, 0, False, "waiting"),
        (child.public_id, 1, True, "waiting"),
        (grandchild.public_id, 2, False, "declined"),
    ]
    whole = tracking.forward_tree(session=session, transaction=root, now=utcnow())
    assert [n.recipient_email for n in whole] == [
        "pat@example.org",
        "gp@example.org",
        "specialist@example.org",
        "family@example.org",
    ]


def test_the_timeline_lists_audited_events_with_time_ip_and_facts(session, settings):
    shared = _share_ct(session, settings)
    org = organisation.current(session=session, settings=settings)
    token = shared.link_url.rsplit("/", 1)[1]
    links.open_link(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=token,
        now=utcnow(),
        ip="203.0.113.9",
    )
    otp.request_code(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=token,
        now=utcnow(),
        ip="203.0.113.9",
    )
    session.commit()
    entries = tracking.timeline(session=session, transaction_pk=shared.transaction.id)
    assert [e.action for e in entries] == ["shared", "link_sent", "link_opened", "code_sent"]
    code_sent = entries[-1]
    assert code_sent.ip == "203.0.113.9" and code_sent.detail == {
        "channel": "sms",
        "to": "+44 **** ***456",
    }
    assert entries[0].actor == audit.staff_actor("root")
    assert entries[0].at <= utcnow()
