"""TOTP secrets are sealed at rest: not readable from the database, nor with another key or account."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from iep_app.models import utcnow
from iep_app.services import secrets
from iep_app.services.errors import SecretUnreadable
from iep_app.services.staff import accounts, second_factor
from tests.unit.services.admin_factories import PASSWORD, code_for, make_staff, sign_in, totp_secret

OTHER_KEY = "another-key-of-the-same-length-but-not-the-same"


def test_the_stored_value_is_not_the_secret(session, settings):
    user = make_staff(session)
    shown = accounts.enrolment(user, secret_key=settings.secret_key, issuer="iep")
    stored = session.exec(
        text("SELECT totp_secret FROM staffuser WHERE id = :pk").bindparams(pk=user.id)
    ).one()[0]
    assert stored.startswith("v1:") and shown.secret not in stored
    assert len(shown.secret) == 32 and shown.secret == totp_secret(user)


def test_two_accounts_sealing_the_same_secret_store_different_values(settings):
    one = second_factor.sealed_secret(settings.secret_key, 1, "JBSWY3DPEHPK3PXP")
    two = second_factor.sealed_secret(settings.secret_key, 1, "JBSWY3DPEHPK3PXP")
    assert one != two  # a fresh nonce each time


def test_another_key_does_not_open_it(session):
    user = make_staff(session)
    with pytest.raises(SecretUnreadable):
        second_factor.totp_secret(user, secret_key=OTHER_KEY)


def test_a_sealed_secret_copied_to_another_account_does_not_open(session, settings):
    alice = make_staff(session)
    bob = make_staff(session, username="bob")
    known = totp_secret(alice)
    bob.totp_secret = alice.totp_secret
    session.commit()
    with pytest.raises(SecretUnreadable):
        second_factor.totp_secret(bob, secret_key=settings.secret_key)
    now = utcnow()
    accepted = accounts.sign_in_password(
        session=session, secret_key=settings.secret_key, username="bob", password=PASSWORD, now=now
    )
    with pytest.raises(SecretUnreadable):
        accounts.sign_in_code(
            session=session,
            secret_key=settings.secret_key,
            session_token=accepted.session_token,
            code=code_for(alice, now),
            now=now,
        )
    assert known == totp_secret(alice)


@pytest.mark.parametrize("stored", ["", "JBSWY3DPEHPK3PXP", "v2:abc", "v1:", "v1:!!!", "v1:AAAA"])
def test_clear_unknown_or_damaged_values_do_not_open(settings, stored):
    with pytest.raises(SecretUnreadable):
        secrets.unseal(settings.secret_key, second_factor.TOTP_PURPOSE, "staffuser:1", stored)


def test_the_sealing_key_is_not_the_token_hash_key(settings):
    # Another purpose derives another key: a sealed TOTP secret does not open as anything else.
    sealed = secrets.seal(settings.secret_key, second_factor.TOTP_PURPOSE, "staffuser:1", "JBSWY3DPEHPK3PXP")
    with pytest.raises(SecretUnreadable):
        secrets.unseal(settings.secret_key, "staff-session", "staffuser:1", sealed)
    assert secrets.unseal(settings.secret_key, second_factor.TOTP_PURPOSE, "staffuser:1", sealed) == (
        "JBSWY3DPEHPK3PXP"
    )


def test_sign_in_with_the_sealed_secret_still_works(session, settings):
    user = make_staff(session)
    _, who = sign_in(session, settings, user)
    assert who.username == "alice"
