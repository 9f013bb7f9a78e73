"""State tests: handlers run against the test database; scrypt is cheaper here (the cost is stored
with each hash, so this changes nothing but speed)."""

from __future__ import annotations

import pytest

from iep_app import db
from iep_app.services.staff import passwords


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(passwords, "SCRYPT_N", 2**10)


@pytest.fixture
def use_engine(engine, monkeypatch):
    """Point the app's session_scope() at the test database."""
    monkeypatch.setattr(db, "get_engine", lambda: engine)
    return engine
