"""Every public event handler of every state, found by introspection and called over the real
websocket: from an anonymous tab, from a tab verified for another package, and with arguments of
the wrong type. The victim's package changes in nothing and no answer carries its patient, its
code, its link token or any server-only var.

Background handlers run too, but only with what the websocket can carry: the upload handler's
real chunk iterator exists only on /_upload (refused to non-staff tabs in tests/e2e/test_admin.py).
"""

from __future__ import annotations

import inspect
import re

import pytest
import reflex as rx

import iep_app.iep_app as portal_app
from iep_app.states.recipient.decline import DeclineState
from iep_app.states.recipient.package import PackageState
from iep_app.states.staff.common import AdminState
from tests.security.scene import Scene, changes, make_scene, secrets_in, snapshot
from tests.support.raw_socket import RawTab

pytestmark = pytest.mark.e2e

WRONG_VALUES = [None, "9" * 100_000, -1, {"code": {"$ne": 1}, "form_data": [1]}, [1, "two", None]]


def _states(state: type[rx.State]) -> list[type[rx.State]]:
    found = [state]
    for child in state.get_substates():
        found += _states(child)
    return found


STATES = sorted(
    (s for s in _states(rx.State) if s.__module__.startswith("iep_app.")), key=lambda s: s.get_full_name()
)
HANDLERS = [
    (state, name)
    for state in STATES
    for name in state.event_handlers
    if name != "setvar"  # Reflex's own: it only calls the set_<var> handlers walked here
]
# Server-only vars (names starting with "_"): their values must never reach a browser.
BACKEND_VARS = sorted(
    {n for state in STATES for n in state.get_fields() if n.startswith("_") and not n.startswith("_reflex")}
)


def _parameters(state: type[rx.State], name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(state.event_handlers[name].fn).parameters.values())[1:]


def _page(state: type[rx.State]) -> str:
    """The route of the page whose on_load belongs to this state (or its kind of page)."""
    own = state.event_handlers.get("on_load")
    for route, page in portal_app.app._unevaluated_pages.items():
        if own is not None and getattr(page.on_load, "fn", None) is own.fn:
            return "/" + route
    return "/admin" if issubclass(state, AdminState) else "/package"


def _address(state: type[rx.State], scene: Scene) -> tuple[str, dict[str, str]]:
    """Path and route parameters that point at the victim's package, where a page takes one."""
    victim = scene.victim
    values = {
        "admin_tx": victim.public_id.lower(),  # the pages accept lower case; the answer must not echo it
        "admin_person": str(victim.individual_pk),
        "token": "not-a-link-token",
    }
    path, query = _page(state), {}
    for name in re.findall(r"\[(\w+)\]", path):
        path, query[name] = path.replace(f"[{name}]", values[name]), values[name]
    return path, query


def _plausible(parameter: inspect.Parameter, scene: Scene) -> object:
    """What an attacker would send: the victim's identifiers, in the type the handler expects."""
    victim = scene.victim
    kind = str(parameter.annotation)
    if "dict" in kind:
        return {
            "code": "123456",
            "search": victim.public_id.lower(),
            "username": "admin",
            "password": "a guessed password",
            "onward": "on",
            "days": "90",
            "message": "hello",
            "email": "attacker@example.org",
        }
    if "int" in kind:
        return victim.instance_pk
    if "bool" in kind:
        return True
    return victim.public_id.lower()


def _call(tab: RawTab, state: type[rx.State], name: str, payload: dict, scene: Scene) -> str:
    path, query = _address(state, scene)
    return tab.call(f"{state.get_full_name()}.{name}", payload, path=path, query=query)


@pytest.fixture(scope="module")
def scene(portal, tmp_path_factory) -> Scene:
    return make_scene(portal, tmp_path_factory.mktemp("scene"))


def test_the_walk_finds_every_state_and_handler():
    names = {f"{state.__name__}.{name}" for state, name in HANDLERS}
    assert {"LinkState.start", "DeclineState.confirm", "AdminTransactionState.revoke"} <= names
    assert {"ForwardState.finish", "AdminStaffState.set_admin", "ViewerState.open_series"} <= names
    assert len(HANDLERS) >= 75


def test_an_anonymous_tab_changes_nothing_sends_nothing_and_learns_nothing(portal, scene: Scene):
    tab, problems = RawTab(portal.url), []
    mail = len(portal.smtp.messages)
    for state, name in HANDLERS:
        payload = {p.name: _plausible(p, scene) for p in _parameters(state, name)}
        before = snapshot(portal)
        answer = _call(tab, state, name, payload, scene)
        changed = changes(before, snapshot(portal))
        leaked = secrets_in(answer, scene, BACKEND_VARS)
        if changed or leaked:
            problems.append(f"{state.__name__}.{name}: changed {changed}, answered {leaked}")
    tab.close()
    assert problems == []
    assert len(portal.smtp.messages) == mail  # no code, no link, no message went out


def test_a_tab_verified_for_another_package_reaches_nothing_of_the_victims(portal, scene: Scene):
    tab, problems, checked = RawTab(portal.url, scene.other_tab), [], False
    # Declining ends the tab's own package (its right): those handlers go last.
    for state, name in sorted(HANDLERS, key=lambda handler: handler[0] is DeclineState):
        if state is DeclineState and not checked:
            # The tab really was verified up to here: its own package answers.
            assert scene.other.public_id in _call(tab, PackageState, "on_load", {}, scene)
            checked = True
        payload = {p.name: _plausible(p, scene) for p in _parameters(state, name)}
        before = snapshot(portal, leave_out=scene.other.pk)
        answer = _call(tab, state, name, payload, scene)
        changed = changes(before, snapshot(portal, leave_out=scene.other.pk))
        leaked = secrets_in(answer, scene, BACKEND_VARS)
        if changed or leaked:
            problems.append(f"{state.__name__}.{name}: changed {changed}, answered {leaked}")
    tab.close()
    assert problems == []


def _crashes(portal, since: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The app's own frames of every handler exception logged after `since` characters."""
    log = portal.log_path.read_text(errors="replace")[since:]
    return [
        log[m.end() :].split("[Reflex", 1)[0][-400:] for m in re.finditer(r"Reflex Backend Exception", log)
    ]


def test_arguments_of_the_wrong_type_change_nothing_and_reveal_nothing(portal, scene: Scene):
    problems, log_size = [], len(portal.log_path.read_text(errors="replace"))
    verified = RawTab(portal.url, scene.third_tab)
    for tab in (RawTab(portal.url), verified):
        for state, name in HANDLERS:
            parameters = _parameters(state, name)
            for value in WRONG_VALUES if parameters else []:
                before = snapshot(portal, leave_out=scene.third.pk)
                answer = _call(tab, state, name, {p.name: value for p in parameters}, scene)
                changed = changes(before, snapshot(portal, leave_out=scene.third.pk))
                leaked = secrets_in(answer, scene, BACKEND_VARS)
                if changed or leaked:
                    problems.append(f"{state.__name__}.{name}({str(value)[:20]}): {changed} {leaked}")
    assert scene.third.public_id in _call(verified, PackageState, "on_load", {}, scene)  # still verified
    verified.close()
    assert problems == []
    # A wrong type is refused by the handler, not by an exception halfway through it.
    assert _crashes(portal, log_size) == []


def test_the_log_of_all_those_calls_holds_nothing_of_the_victims(portal, scene: Scene):
    assert secrets_in(portal.log_path.read_text(errors="replace"), scene, []) == []
