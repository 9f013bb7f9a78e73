"""The list and transaction pages' handlers with a signed-in staff tab (the positive side of the
guard tests): they find, show and act."""

from __future__ import annotations

from datetime import timedelta

import reflex as rx
from sqlmodel import select

import iep_app.iep_app  # noqa: F401
from iep_app.db import session_scope
from iep_app.models import AuditEvent, Transaction, TransactionStatus, utcnow
from iep_app.services import audit
from iep_app.services.recipient import otp
from iep_app.services.staff import tracking
from iep_app.services.transactions import records
from iep_app.settings import get_settings
from iep_app.states.staff.transaction import AdminTransactionState
from iep_app.states.staff.transactions import AdminTransactionsState
from tests.support.packages import enter_wrong_codes
from tests.unit.services.admin_factories import make_staff, sign_in
from tests.unit.services.factories import make_transaction


def _signed_in(cls, engine):
    settings = get_settings()
    with session_scope(engine) as session:
        created = make_transaction(session, settings, email="robin@example.org")
        token, _ = sign_in(session, settings, make_staff(session))
    state = rx.State(_reflex_internal_init=True).get_substate(cls.get_full_name().split(".")[1:])
    state._staff_token = token
    return state, created.transaction.public_id


def test_the_list_finds_a_transaction_by_email(use_engine):
    state, public_id = _signed_in(AdminTransactionsState, use_engine)
    AdminTransactionsState.event_handlers["apply"].fn(state, {"search": "robin@", "status": "bogus"})
    assert [r["public_id"] for r in state.rows] == [public_id]
    assert state.status == "" and state.total == 1 and state.signed_in


def test_revoke_through_the_page_state(use_engine, monkeypatch):
    state, public_id = _signed_in(AdminTransactionState, use_engine)
    state._public_id = public_id
    AdminTransactionState.event_handlers["revoke"].fn(state, {"onward": "on"})
    assert state.status == "revoked" and not state.is_open and "Revoked (1" in state.notice
    with session_scope(use_engine) as session:
        assert session.exec(select(Transaction)).one().status == TransactionStatus.REVOKED
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "revoked")).one()
        assert event.actor == audit.staff_actor("alice")
    AdminTransactionState.event_handlers["revoke"].fn(state, {})
    assert "closed" in state.error


def test_the_page_shows_the_lock_after_wrong_codes_and_the_unlock_lifts_it(use_engine):
    state, public_id = _signed_in(AdminTransactionState, use_engine)
    state._public_id = public_id
    settings = get_settings()
    with session_scope(use_engine) as session:
        transaction = tracking.by_public_id(session=session, public_id=public_id)
        token = records.issue_link(session=session, secret_key=settings.secret_key, transaction=transaction)
        session.commit()
        # Four codes a minute apart, ending before the page's clock.
        earlier = utcnow() - timedelta(minutes=10)
        enter_wrong_codes(session, settings, token, otp.WRONG_CODES_BEFORE_LOCK, now=earlier)
        state._fill(session, transaction)
    assert state.codes_lock.startswith("Locked after 20 wrong codes; only staff can unlock.")
    assert state.info["wrong_codes"] == "20 / 20"
    AdminTransactionState.event_handlers["unlock_codes"].fn(state)
    assert state.codes_lock == "" and state.info["wrong_codes"] == "0 / 20"
    assert state.notice.startswith("Codes unlocked")
    with session_scope(use_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "codes_unlocked")).one()
        assert event.actor == audit.staff_actor("alice")
