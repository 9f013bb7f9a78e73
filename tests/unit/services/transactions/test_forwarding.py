"""Forwarding: same stored images, the thread, the link email, idempotency; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from iep_app.models import (
    AuditEvent,
    AuthMethod,
    Individual,
    Instance,
    Message,
    OutboxMessage,
    Progress,
    Transaction,
    TransactionInstance,
    TransactionStatus,
    utcnow,
)
from iep_app.services import organisation
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import NotAllowed, PackageUnavailable, ValidationFailed
from iep_app.services.transactions import forwarding
from iep_app.services.transactions.forwarding import ForwardRequest
from tests.unit.services.factories import add_individual, make_shared

GP = "gp@surgery.example.org"


def _request(session, settings, parent, **overrides) -> ForwardRequest:
    window = forwarding.retention_window(session=session, settings=settings, transaction=parent, now=utcnow())
    values = {"available_until": window.default, "recipient_email": GP, **overrides}
    return ForwardRequest(**values)


def _forward(session, settings, parent, request=None, key="key-1", **kw):
    result = forwarding.forward(
        session=session,
        settings=settings,
        from_transaction=parent,
        request=request or _request(session, settings, parent),
        key=key,
        now=utcnow(),
        **kw,
    )
    session.commit()
    return result


def test_forward_points_at_the_same_instances_and_records_its_parent(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    stored_files = sorted(p.name for p in settings.store_dir.rglob("*") if p.is_file())
    result = _forward(session, settings, parent)

    child = result.transaction
    assert child.public_id == "NS000002" and child.parent_pk == parent.id
    assert not result.replayed and result.masked_to == "g***@s***.org"
    links = session.exec(
        select(TransactionInstance.instance_pk).where(TransactionInstance.transaction_pk == child.id)
    ).all()
    parents = session.exec(
        select(TransactionInstance.instance_pk).where(TransactionInstance.transaction_pk == parent.id)
    ).all()
    assert sorted(links) == sorted(parents) and len(links) == 2
    assert len(session.exec(select(Instance)).all()) == 2  # no new instance rows
    assert sorted(p.name for p in settings.store_dir.rglob("*") if p.is_file()) == stored_files
    recipient = session.get(Individual, child.recipient_pk)
    assert recipient.email == GP and child.auth_method == AuthMethod.SMS
    assert child.sent_by == "Robin Hood"
    session.refresh(parent)
    assert parent.progress == Progress.FORWARDED
    forwarded = session.exec(
        select(AuditEvent).where(AuditEvent.transaction_pk == parent.id, AuditEvent.action == "forwarded")
    ).one()
    assert '"forward": "NS000002"' in forwarded.detail and "gp@" not in forwarded.detail


def test_forward_copies_the_thread_with_origin_and_time_then_adds_the_new_messages(session, settings):
    parent = make_shared(session, settings).transaction
    original = session.exec(select(Message).where(Message.transaction_pk == parent.id)).one()
    add_individual(session, GP)
    request = _request(
        session,
        settings,
        parent,
        patient_identifier="943 476 5919",
        clinical_context="Follow-up of the left knee.",
        messages=("Please review.", "Thanks!"),
    )
    child = _forward(session, settings, parent, request).transaction

    thread = session.exec(
        select(Message)
        .where(Message.transaction_pk == child.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    assert [m.text for m in thread] == [
        "Your scans from Tuesday",
        "NHS number: 943 476 5919",
        "Follow-up of the left knee.",
        "Please review.",
        "Thanks!",
    ]
    copy = thread[0]
    assert copy.origin_public_id == parent.public_id and copy.author == original.author
    assert copy.created_at == original.created_at
    assert thread[1].is_system and all(m.origin_public_id == child.public_id for m in thread[1:])
    assert thread[2].author == "Robin Hood"
    # The parent's own thread is untouched.
    assert len(session.exec(select(Message).where(Message.transaction_pk == parent.id)).all()) == 1


def test_without_an_nhs_number_a_system_message_says_so(session, settings):
    parent = make_shared(session, settings, message=None).transaction
    add_individual(session, GP)
    child = _forward(session, settings, parent).transaction
    only = session.exec(select(Message).where(Message.transaction_pk == child.id)).one()
    assert only.text == "No NHS number has been specified." and only.is_system


def test_new_individual_is_created_and_emailed_in_their_language(session, settings):
    parent = make_shared(session, settings).transaction
    contact = ContactDetails(
        email="Camille@Example.fr",
        auth_method=AuthMethod.EMAIL,
        auth_email="camille.codes@example.fr",
        first_name="Camille",
        preferred_language="fr",
    )
    result = _forward(
        session,
        settings,
        parent,
        _request(session, settings, parent, recipient_email="", new_contact=contact),
    )
    assert result.transaction.language == "fr"
    assert result.outgoing.to == "camille@example.fr"
    assert result.outgoing.message.subject == "St Elsewhere Hospital vous a envoyé des images médicales"
    assert "/t/" in result.outgoing.message.text
    stored = session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "link")).all()
    assert [m.to_address for m in stored] == ["robin@example.org", "camille@example.fr"]
    assert "[redacted]" in stored[1].body_redacted


def test_a_new_individual_may_not_overwrite_an_existing_one(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    takeover = ContactDetails(email=GP, auth_method=AuthMethod.SMS, auth_mobile="+447911123457")
    with pytest.raises(ValidationFailed) as failure:
        _forward(session, settings, parent, _request(session, settings, parent, new_contact=takeover))
    session.rollback()
    assert failure.value.field == "email" and failure.value.key == "invalid.email_exists"
    gp = session.exec(select(Individual).where(Individual.email == GP)).one()
    assert gp.auth_mobile == "+447911123456"
    assert len(session.exec(select(Transaction)).all()) == 1


def test_unknown_recipient_is_refused_and_nothing_is_created(session, settings):
    parent = make_shared(session, settings).transaction
    with pytest.raises(ValidationFailed) as failure:
        _forward(session, settings, parent)
    session.rollback()
    assert failure.value.field == "recipient_email"
    assert len(session.exec(select(Transaction)).all()) == 1


def test_the_same_key_twice_gives_the_first_forward_and_sends_nothing_more(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    first = _forward(session, settings, parent)
    again = _forward(session, settings, parent, _request(session, settings, parent, messages=("other",)))
    assert again.replayed and again.outgoing is None
    assert again.transaction.id == first.transaction.id and again.masked_to == first.masked_to
    assert len(session.exec(select(Transaction)).all()) == 2
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.to_address == GP)).all()) == 1
    # A new wizard (a new key) is a new forward.
    assert not _forward(session, settings, parent, key="key-2").replayed


def test_a_key_used_for_another_package_is_refused(session, settings):
    first = make_shared(session, settings).transaction
    second = make_shared(session, settings, email="sam@example.org", files=("MR_small.dcm",)).transaction
    add_individual(session, GP)
    _forward(session, settings, first)
    with pytest.raises(NotAllowed):
        _forward(session, settings, second)


def test_two_finish_calls_racing_create_one_transaction(session, settings, engine, monkeypatch):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    request = _request(session, settings, parent)
    # Widen the gap between looking for the key and committing, so the calls overlap.
    recipient = forwarding._recipient
    monkeypatch.setattr(forwarding, "_recipient", lambda *args: (time.sleep(0.4), recipient(*args))[1])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def finish() -> None:
        with Session(engine, expire_on_commit=False) as own:
            mine = own.get(Transaction, parent.id)
            barrier.wait()
            try:
                results.append(
                    forwarding.forward(
                        session=own,
                        settings=settings,
                        from_transaction=mine,
                        request=request,
                        key="race",
                        now=utcnow(),
                    )
                )
                own.commit()
            except Exception as error:  # noqa: BLE001 (the test reports any failure)
                errors.append(error)

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.replayed for r in results) == [False, True]
    assert results[0].transaction.id == results[1].transaction.id
    session.expire_all()
    assert len(session.exec(select(Transaction).where(Transaction.parent_pk == parent.id)).all()) == 1
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.to_address == GP)).all()) == 1


def test_retention_defaults_to_the_organisation_and_never_passes_its_maximum(session, settings):
    parent = make_shared(session, settings).transaction
    org = organisation.current(session=session, settings=settings)
    now = utcnow()
    window = forwarding.retention_window(session=session, settings=settings, transaction=parent, now=now)
    assert window.default.date() == (now + timedelta(days=org.retention_days)).date()
    assert window.earliest == now + timedelta(hours=1)
    # Forwarded 80 days after the first share: 10 days are left of the 90 the organisation allows.
    later = now + timedelta(days=80)
    window = forwarding.retention_window(session=session, settings=settings, transaction=parent, now=later)
    created = parent.created_at
    assert window.latest == (created + timedelta(days=90)).replace(second=0, microsecond=0)
    assert window.default == window.latest


def test_a_forward_of_a_forward_is_bound_by_the_first_share(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    child = _forward(session, settings, parent).transaction
    window = forwarding.retention_window(
        session=session, settings=settings, transaction=child, now=utcnow() + timedelta(days=85)
    )
    assert window.latest <= parent.created_at + timedelta(days=90)


@pytest.mark.parametrize(
    ("delta", "key"),
    [(timedelta(minutes=10), "invalid.until_too_soon"), (timedelta(days=91), "invalid.until_too_late")],
)
def test_a_date_outside_the_window_is_refused(session, settings, delta, key):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    request = _request(session, settings, parent, available_until=utcnow() + delta)
    with pytest.raises(ValidationFailed) as failure:
        _forward(session, settings, parent, request)
    assert failure.value.field == "until" and failure.value.key == key


def test_a_declined_package_cannot_be_forwarded(session, settings):
    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    request = _request(session, settings, parent)
    parent.status = TransactionStatus.DECLINED
    session.commit()
    with pytest.raises(PackageUnavailable):
        _forward(session, settings, parent, request)


def test_one_package_is_forwarded_at_most_the_daily_budget(session, settings):
    from iep_app.services.ratelimit import FORWARDS

    parent = make_shared(session, settings).transaction
    add_individual(session, GP)
    for n in range(FORWARDS.budget):
        _forward(session, settings, parent, key=f"key-{n}")
    # Replaying a finished wizard is still free; a new one is refused with a clear reason.
    assert _forward(session, settings, parent, key="key-0").replayed
    with pytest.raises(ValidationFailed) as failure:
        _forward(session, settings, parent, key="one-too-many")
    session.rollback()
    assert failure.value.key == "invalid.too_many_forwards"
    assert len(session.exec(select(Transaction)).all()) == 1 + FORWARDS.budget
