"""The viewer's handlers called directly, as any websocket client can: checked and validated."""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx
from pydicom.data import get_testdata_file
from sqlmodel import SQLModel, select

from iep_app.db import get_engine, session_scope
from iep_app.dicom.synthetic import make_ct_series
from iep_app.models import AuditEvent, Instance, Series, utcnow
from iep_app.services.recipient import sessions
from iep_app.settings import get_settings
from iep_app.states.recipient.package import PackageState
from iep_app.states.recipient.viewer import ViewerState
from tests.support.dicom_files import make_pdf_instance, make_ruler_image
from tests.support.viewer_flow import verified_session
from tests.unit.states.recipient.test_direct_calls import _client_action, call


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("viewer-files")
    ct = make_ct_series(folder / "ct", slices=3, size=32)
    return [
        *ct,
        make_ruler_image(folder / "ruler.dcm"),
        make_pdf_instance(folder / "report.dcm"),
        Path(get_testdata_file("MR_small.dcm")),
    ]


@pytest.fixture
def tab(files) -> tuple[ViewerState, int]:
    """A tab verified for a package of a CT series, an MR image, a ruler image and a PDF."""
    SQLModel.metadata.create_all(get_engine())
    root = rx.State(_reflex_internal_init=True)
    package = root.get_substate(PackageState.get_full_name().split(".")[1:])
    package._session_token, transaction_pk = verified_session(files)
    return root.get_substate(ViewerState.get_full_name().split(".")[1:]), transaction_pk


@pytest.fixture
def viewer(tab) -> ViewerState:
    return tab[0]


def _series_key(state, modality: str) -> str:
    return next(row["key"] for row in state.series if row["modality"] == modality)


async def test_loading_lists_the_package_and_opens_its_first_series(tab):
    viewer, transaction_pk = tab
    assert await call(viewer, ViewerState.on_load) is None
    assert viewer.loaded
    assert sorted(row["modality"] for row in viewer.series) == ["CT", "MR", "OT"]
    assert all(row["thumbnail"].endswith("/thumbnail.jpg") for row in viewer.series)
    [pdf] = viewer.objects
    assert pdf["url"].endswith("/document.pdf") and pdf["title"] == "REPORT"
    assert viewer.pane_src[0].endswith(f"/series/{viewer.pane_series[0]}/manifest.json")
    assert viewer.pane_src[1] == "" and viewer.layout == 1
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.transaction_pk == transaction_pk)
        ).all()
    assert "viewed" in actions


async def test_presets_follow_the_series_modality(viewer):
    await call(viewer, ViewerState.on_load)
    await call(viewer, ViewerState.open_series, _series_key(viewer, "CT"))
    keys = [option["key"] for option in viewer.pane_options[0]]
    assert keys[:3] == ["default", "file:0", "file:1"] and "lung" in keys and keys[-1] == "custom"
    assert viewer.pane_options[0][1]["label"] == "Soft Tissue (40/400)"
    seq = viewer.pane_preset[0]["seq"]
    await call(viewer, ViewerState.choose_preset, 0, "lung")
    assert viewer.pane_preset[0] == {
        "seq": seq + 1,
        "kind": "fixed",
        "index": 0,
        "center": -600,
        "width": 1500,
    }
    assert viewer.pane_choice[0] == "lung"
    await call(viewer, ViewerState.open_series, _series_key(viewer, "MR"))
    for bad in ("lung", "custom", "file:3", "<b>", 7, None):
        await call(viewer, ViewerState.choose_preset, 0, bad)
        assert viewer.pane_choice[0] == "default", bad
    for bad_viewport in (1, -1, True, "0", 2.0):
        await call(viewer, ViewerState.choose_preset, bad_viewport, "auto")
        assert viewer.pane_choice[0] == "default", bad_viewport
    await call(viewer, ViewerState.window_changed, 0, "custom")
    assert viewer.pane_choice[0] == "custom"
    await call(viewer, ViewerState.window_changed, 0, "lung")
    assert viewer.pane_choice[0] == "custom"


async def test_series_of_other_packages_and_junk_keys_are_ignored(viewer, files):
    await call(viewer, ViewerState.on_load)
    before = viewer.pane_series[0]
    verified_session(files[:1])  # someone else's package of the same kind
    with session_scope() as session:
        all_series = {str(s.id) for s in session.exec(select(Series)).all()}
    theirs = sorted(all_series - {row["key"] for row in viewer.series})
    for key in (*theirs, "999999", "../1", "1 OR 1=1", "", 5, None, "9" * 40):
        await call(viewer, ViewerState.open_series, key)
        assert viewer.pane_series[0] == before, key


async def test_two_viewports_side_by_side(viewer):
    await call(viewer, ViewerState.on_load)
    await call(viewer, ViewerState.activate, 1)
    assert viewer.active == 0  # no second viewport yet
    await call(viewer, ViewerState.choose_layout, 2)
    assert viewer.layout == 2 and viewer.pane_series[1] not in ("", viewer.pane_series[0])
    await call(viewer, ViewerState.activate, 1)
    assert viewer.active == 1
    await call(viewer, ViewerState.open_series, _series_key(viewer, "OT"))
    assert viewer.pane_series[1] == _series_key(viewer, "OT")
    for bad in (3, 0, True, "2"):
        await call(viewer, ViewerState.choose_layout, bad)
        assert viewer.layout == 2
    await call(viewer, ViewerState.choose_layout, 1)
    assert viewer.layout == 1 and viewer.active == 0 and viewer.pane_series[1] == ""


async def test_tag_panel_follows_the_image_and_searches(viewer):
    await call(viewer, ViewerState.on_load)
    await call(viewer, ViewerState.open_series, _series_key(viewer, "CT"))
    await call(viewer, ViewerState.toggle_tags)
    assert viewer.tags_open and viewer.tag_title == "Tags of image 1"
    with session_scope() as session:
        series_pk = int(viewer.pane_series[0])
        third = session.exec(
            select(Instance).where(Instance.series_pk == series_pk, Instance.instance_number == 3)
        ).one()
        mr = session.exec(select(Instance).where(Instance.rows == 64)).first()
    await call(viewer, ViewerState.image_changed, 0, third.id, 0)
    assert viewer.tag_title == "Tags of image 3"
    for instance, frame in ((mr.id, 0), (third.id, 1), (third.id, -1), ("1", 0), (True, 0)):
        await call(viewer, ViewerState.image_changed, 0, instance, frame)
        assert viewer.tag_title == "Tags of image 3", (instance, frame)
    await call(viewer, ViewerState.search_tags, "patient name")
    assert [row["name"] for row in viewer.tag_rows] == ["Patient's Name"]
    assert viewer.tag_rows[0]["value"] == "DEMO^PATIENT"
    await call(viewer, ViewerState.search_tags, "x" * 10_000)
    assert len(viewer.tag_query) == 100 and viewer.tag_rows == []
    await call(viewer, ViewerState.toggle_tags)
    assert not viewer.tags_open and viewer.tag_rows == []


async def test_an_ended_session_changes_nothing_and_goes_back(viewer):
    await call(viewer, ViewerState.on_load)
    package = await viewer.get_state(PackageState)
    with session_scope() as session:
        sessions.end_session(
            session=session,
            secret_key=get_settings().secret_key,
            session_token=package._session_token,
            now=utcnow(),
        )
    mr = _series_key(viewer, "MR")
    before = (viewer.pane_series[0], viewer.layout, viewer.overlays, viewer.tags_open)
    calls = [
        (ViewerState.open_series, mr),
        (ViewerState.choose_layout, 2),
        (ViewerState.toggle_overlays,),
        (ViewerState.toggle_tags,),
        (ViewerState.choose_preset, 0, "auto"),
    ]
    for handler, *args in calls:
        assert _client_action(await call(viewer, handler, *args)) == "_redirect", handler
    assert (viewer.pane_series[0], viewer.layout, viewer.overlays, viewer.tags_open) == before
    assert package.phase == "closed"
