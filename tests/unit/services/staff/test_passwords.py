"""Staff password hashing with scrypt and the strength rule."""

from __future__ import annotations

import pytest

from iep_app.services.errors import ValidationFailed
from iep_app.services.staff import passwords


def test_a_hash_verifies_its_password_and_nothing_else():
    stored = passwords.hash_password("a long enough secret")
    assert passwords.verify_password("a long enough secret", stored)
    assert not passwords.verify_password("a long enough secreT", stored)
    assert not passwords.verify_password("", stored)


def test_each_hash_has_its_own_salt_and_states_its_cost():
    first, second = (passwords.hash_password("same password here") for _ in range(2))
    assert first != second
    scheme, n, r, p, _, _ = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2$3$x$y", "bcrypt$a$b$c$d$e"])
def test_malformed_stored_hashes_never_verify(stored):
    assert not passwords.verify_password("anything at all", stored)


def test_a_changed_hash_no_longer_verifies():
    stored = passwords.hash_password("a long enough secret")
    key = stored.rsplit("$", 1)[1]
    tampered = stored[: -len(key)] + ("A" if key[0] != "A" else "B") + key[1:]
    assert not passwords.verify_password("a long enough secret", tampered)


def test_short_passwords_and_passwords_holding_the_username_are_refused():
    with pytest.raises(ValidationFailed):
        passwords.check_strength("short", username="alice")
    with pytest.raises(ValidationFailed):
        passwords.check_strength("my-name-is-Alice-ok", username="alice")
    with pytest.raises(ValidationFailed):
        passwords.check_strength("x" * 300, username="alice")
    assert passwords.check_strength("twelve chars", username="alice") == "twelve chars"
