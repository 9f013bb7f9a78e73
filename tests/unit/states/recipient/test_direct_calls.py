"""Recipient event handlers called directly, as any websocket client can, do nothing unearned."""

from __future__ import annotations

import inspect

import pytest
import reflex as rx
from sqlmodel import Session, SQLModel, select

from iep_app.db import get_engine
from iep_app.models import OutboxMessage, RecipientSession
from iep_app.services.recipient.downloads import DownloadKind
from iep_app.services.recipient.otp import OTP_DIGITS
from iep_app.states.recipient.download import DownloadState
from iep_app.states.recipient.link import LinkState
from iep_app.states.recipient.package import PackageState
from iep_app.states.recipient.viewer import ViewerState


@pytest.fixture
def tree():
    """A fresh tab's state tree, on the configured (temporary) database."""
    SQLModel.metadata.create_all(get_engine())
    root = rx.State(_reflex_internal_init=True)
    return {
        cls: root.get_substate(cls.get_full_name().split(".")[1:])
        for cls in (LinkState, PackageState, ViewerState, DownloadState)
    }


async def call(state, handler, *args):
    """Run an event handler's function the way Reflex does, collecting what it returns."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    if inspect.isawaitable(result):
        return await result
    return result


def _rows(model):
    with Session(get_engine()) as session:
        return session.exec(select(model)).all()


async def test_start_without_opening_a_link_sends_no_code(tree):
    before = len(_rows(OutboxMessage))
    await call(tree[LinkState], LinkState.start)
    assert len(_rows(OutboxMessage)) == before
    assert tree[LinkState].phase == "checking"


async def test_submitting_a_code_before_any_was_sent_opens_nothing(tree):
    before = len(_rows(RecipientSession))
    for code in ("1" * OTP_DIGITS, "0" * OTP_DIGITS):
        await call(tree[LinkState], LinkState.submit_code, {"code": code})
    assert len(_rows(RecipientSession)) == before
    assert tree[PackageState]._session_token == ""


async def test_an_unverified_tab_sees_no_package(tree):
    await call(tree[PackageState], PackageState.on_load)
    assert tree[PackageState].phase == "closed" and tree[PackageState].public_id == ""


def _client_action(result) -> str:
    """The name of the browser action an event returns (_redirect, _download), or ""."""
    return result.handler.fn.__qualname__ if result is not None else ""


async def test_an_unverified_tab_gets_no_series_and_no_download(tree):
    result = await call(tree[ViewerState], ViewerState.on_load)
    assert tree[ViewerState].series == [] and not tree[ViewerState].loaded
    assert _client_action(result) == "_redirect"
    for kind in DownloadKind:
        result = await call(tree[DownloadState], DownloadState.download, kind, "")
        assert _client_action(result) == "_redirect"
    assert await call(tree[DownloadState], DownloadState.download, "../etc", "") is None


def test_no_state_has_generated_setters():
    # Auto-generated setters would let a client write any var, e.g. LinkState.phase.
    for cls in (LinkState, PackageState, ViewerState, DownloadState):
        assert not [name for name in cls.event_handlers if name.startswith("set_")], cls


def test_helpers_of_the_base_state_are_not_event_handlers():
    from iep_app.states.common import I18nState

    # Reflex turns every public method into a handler any websocket client may call.
    assert set(I18nState.event_handlers) & {"text", "client_ip", "_text", "_client_ip"} == set()
