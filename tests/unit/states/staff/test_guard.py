"""Every admin event handler, called directly as a websocket client could, gives nothing without a
staff session: not to an anonymous tab, not to a tab verified as a recipient."""

from __future__ import annotations

import contextlib
import inspect
import json
import typing

import pytest
import reflex as rx
from sqlalchemy import text
from sqlmodel import SQLModel

import iep_app.iep_app  # noqa: F401  (registers every page state)
from iep_app import db
from iep_app.settings import get_settings
from iep_app.states.recipient.package import PackageState
from iep_app.states.staff.common import AdminState
from tests.support.packages import verify_link
from tests.unit.services.admin_factories import make_staff, sign_in
from tests.unit.services.factories import make_transaction

# The sign-in steps are public on purpose; tests/unit/states/staff/test_login.py covers them.
SIGN_IN_HANDLERS = {"submit_password", "submit_code", "on_load", "cookie_ready"}


def _admin_states() -> list[type[AdminState]]:
    found, todo = [], [AdminState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.get_substates())
    return found


def _handlers() -> list[tuple[type[AdminState], str]]:
    pairs = []
    for cls in _admin_states():
        for name in cls.event_handlers:
            if cls.__name__ == "AdminLoginState" and name in SIGN_IN_HANDLERS:
                continue
            pairs.append((cls, name))
    return pairs


def _dummy(annotation: object) -> object:
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if annotation is dict or typing.get_origin(annotation) is dict:
        return {"public_id": "NS000001", "text": "hello", "email": "pat@example.org", "days": "30"}
    if annotation is list or typing.get_origin(annotation) is list:
        return ["NS000001"]
    return "NS000001"


def _arguments(handler) -> list[object]:
    hints = typing.get_type_hints(handler.fn)
    params = list(inspect.signature(handler.fn).parameters.values())[1:]
    return [_dummy(hints.get(p.name, str)) for p in params]


async def _run(result) -> None:
    if inspect.isawaitable(result):
        result = await result
    if inspect.isasyncgen(result):
        async for _ in result:
            pass
    elif inspect.isgenerator(result):
        for _ in result:
            pass


def _snapshot(engine) -> dict[str, list]:
    """Every row of every table (names from our own metadata, not from input)."""
    with engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1'))  # noqa: S608
            ]
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture
def world(use_engine):
    """A transaction, a signed-in staff member elsewhere, and a verified recipient session."""
    engine = use_engine
    settings = get_settings()
    with db.session_scope(engine) as session:
        created = make_transaction(session, settings)
        sign_in(session, settings, make_staff(session, admin=True))
        recipient_token = verify_link(session, settings, created.link_token)
    return {
        "engine": engine,
        "public_id": created.transaction.public_id,
        "recipient": recipient_token,
    }


@pytest.mark.parametrize("tab", ["anonymous", "recipient"])
@pytest.mark.parametrize("cls,name", _handlers(), ids=lambda v: v if isinstance(v, str) else v.__name__)
async def test_admin_handler_gives_nothing_without_a_staff_session(world, tab, cls, name):
    root = rx.State(_reflex_internal_init=True)
    if tab == "recipient":
        package = root.get_substate(PackageState.get_full_name().split(".")[1:])
        package._session_token = world["recipient"]
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    before = _snapshot(world["engine"])
    handler = cls.event_handlers[name]
    # Refusing malformed arguments loudly is fine too.
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        await _run(handler.fn(state, *_arguments(handler)))
    assert _snapshot(world["engine"]) == before
    seen = json.dumps(state.dict(), default=str)
    assert world["public_id"] not in seen
    assert "pat@example.org" not in seen
    assert state.signed_in is False
