"""No state var can be written by a generated `set_<var>` handler: every handler is written by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import reflex as rx

import iep_app.iep_app  # noqa: F401  (registers every state)
import rxconfig

ROOT = Path(rxconfig.__file__).parent


def _states(state: type[rx.State]) -> list[type[rx.State]]:
    found = [state]
    for child in state.get_substates():
        found += _states(child)
    return found


def test_the_config_pins_auto_setters_off():
    assert rxconfig.config.state_auto_setters is False


def test_the_reflex_variable_cannot_switch_them_on():
    env = {**os.environ, "REFLEX_STATE_AUTO_SETTERS": "true"}
    result = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "REFLEX_STATE_AUTO_SETTERS must not be set" in result.stderr


def test_every_handler_of_every_state_is_our_own_code():
    # Reflex's own `setvar(name, value)` exists on every state; it only calls `set_<name>`,
    # so it reaches nothing but the hand-written set_ handlers this test checks.
    generated = [
        f"{state.__name__}.{name}"
        for state in _states(rx.State)
        if state.__module__.startswith("iep_app.")
        for name, handler in state.event_handlers.items()
        if name != "setvar" and not handler.fn.__module__.startswith("iep_app.")
    ]
    assert generated == []
