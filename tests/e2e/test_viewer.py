"""The viewer in Chromium: a CT, a known-spacing ruler, colour and multi-frame images, a PDF."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pydicom.data import get_testdata_file

from iep_app.dicom.synthetic import make_ct_series
from tests.support.dicom_files import make_pdf_instance, make_ruler_image
from tests.support.recipient_flow import open_and_verify
from tests.support.viewer_flow import canvas_pixels, share_and_verify, show_series, wait_painted

pytestmark = pytest.mark.e2e

RECIPIENT = "viewer.e2e@example.org"
RULER_SPACING = (0.6, 0.9)  # rows, columns (mm)
RULER_MARKS = ((40, 60), (280, 200))  # (column, row) pixel centres
RULER_MM = math.hypot(240 * RULER_SPACING[1], 140 * RULER_SPACING[0])  # 231.76 mm


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("viewer-e2e")
    study = "1.2.826.0.1.3680043.10.543.1"
    return [
        *make_ct_series(folder / "ct", slices=40, size=256),
        make_ruler_image(folder / "ruler.dcm", spacing=RULER_SPACING, marks=RULER_MARKS, study_uid=study),
        make_pdf_instance(folder / "report.dcm", study_uid=study),
        Path(get_testdata_file("examples_ybr_color.dcm")),  # colour, 30 frames
    ]


@pytest.fixture(scope="module")
def desktop(portal, browser, files):
    """One verified laptop-sized tab for the module's desktop tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    share_and_verify(portal, page, files, to=RECIPIENT)
    yield page
    context.close()


def _viewer(page: Page, portal) -> Locator:  # type: ignore[no-untyped-def]
    """Open the viewer afresh (from the chooser) and wait for its first image."""
    page.goto(f"{portal.url}/package")
    page.get_by_test_id("action-view").click()
    viewport = page.get_by_test_id("viewport-0")
    wait_painted(viewport)
    return viewport


def _zoom(viewport: Locator) -> int:
    return int(re.search(r"Zoom (\d+)%", viewport.get_by_test_id("overlay-window").inner_text()).group(1))


def test_ct_scrolls_by_wheel_keys_and_slider_and_presets_change_the_pixels(desktop, portal):
    viewport = _viewer(desktop, portal)
    show_series(viewport, "SYNTHETIC AXIAL")
    index = viewport.get_by_test_id("overlay-index")
    expect(index).to_have_text("Image 1 of 40")
    expect(viewport.get_by_test_id("overlay-patient")).to_contain_text("DEMO, PATIENT")
    letters = [viewport.get_by_test_id(f"orientation-{edge}") for edge in ("left", "right", "top", "bottom")]
    assert [letter.inner_text() for letter in letters] == ["R", "L", "A", "P"]

    first = canvas_pixels(viewport)
    viewport.get_by_test_id("viewer-canvas").hover()
    for _ in range(3):
        desktop.mouse.wheel(0, 100)
    expect(index).to_have_text("Image 4 of 40")
    wait_painted(viewport, 3)
    assert canvas_pixels(viewport) != first

    viewport.focus()
    desktop.keyboard.press("End")
    expect(index).to_have_text("Image 40 of 40")
    desktop.keyboard.press("Home")
    desktop.keyboard.press("ArrowDown")
    expect(index).to_have_text("Image 2 of 40")
    viewport.get_by_test_id("image-slider").fill("20")
    expect(index).to_have_text("Image 20 of 40")
    expect(viewport.get_by_test_id("image-count")).to_have_text("20 / 40")
    wait_painted(viewport, 19)

    window = viewport.get_by_test_id("overlay-window")
    expect(window).to_contain_text("W 400 L 40")
    soft_tissue = canvas_pixels(viewport)
    desktop.get_by_test_id("window-choice-0").select_option("lung")
    expect(window).to_contain_text("W 1500 L -600")
    lung = canvas_pixels(viewport)
    assert lung != soft_tissue
    viewport.get_by_test_id("invert").click()
    expect(viewport.get_by_test_id("invert")).to_have_attribute("aria-pressed", "true")
    desktop.wait_for_timeout(200)
    assert canvas_pixels(viewport) not in (lung, soft_tissue)
    viewport.get_by_test_id("reset").click()
    expect(window).to_contain_text("W 400 L 40")
    expect(desktop.get_by_test_id("window-choice-0")).to_have_value("default")

    # Dragging with the Window tool changes the window; the menu then says "Custom".
    box = viewport.get_by_test_id("viewer-canvas").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    viewport.get_by_test_id("tool-window").click()
    desktop.mouse.move(*centre)
    desktop.mouse.down()
    desktop.mouse.move(centre[0] + 90, centre[1] + 45, steps=6)
    desktop.mouse.up()
    expect(window).not_to_contain_text("W 400 L 40")
    expect(desktop.get_by_test_id("window-choice-0")).to_have_value("custom")


def test_zoom_pan_fit_and_cine(desktop, portal):
    viewport = _viewer(desktop, portal)
    show_series(viewport, "SYNTHETIC AXIAL")
    fitted = _zoom(viewport)
    viewport.get_by_test_id("zoom-in").click()
    expect(viewport.get_by_test_id("overlay-window")).to_contain_text(f"Zoom {round(fitted * 1.25)}%")
    viewport.get_by_test_id("actual-size").click()
    expect(viewport.get_by_test_id("overlay-window")).to_contain_text("Zoom 100%")
    viewport.get_by_test_id("viewer-canvas").hover()
    desktop.keyboard.down("Control")
    desktop.mouse.wheel(0, -300)
    desktop.keyboard.up("Control")
    desktop.wait_for_timeout(200)
    assert _zoom(viewport) > 100
    before = canvas_pixels(viewport)
    viewport.get_by_test_id("tool-pan").click()
    box = viewport.get_by_test_id("viewer-canvas").bounding_box()
    desktop.mouse.move(box["x"] + 200, box["y"] + 200)
    desktop.mouse.down()
    desktop.mouse.move(box["x"] + 260, box["y"] + 230, steps=4)
    desktop.mouse.up()
    desktop.wait_for_timeout(200)
    assert canvas_pixels(viewport) != before
    viewport.get_by_test_id("fit").click()
    expect(viewport.get_by_test_id("overlay-window")).to_contain_text(f"Zoom {fitted}%")

    desktop.get_by_test_id("fps").select_option("20")
    viewport.get_by_test_id("cine").click()
    expect(viewport.get_by_test_id("overlay-index")).not_to_have_text("Image 1 of 40")
    expect(viewport.get_by_test_id("overlay-index")).to_have_text(re.compile(r"Image (1\d|2\d|3\d) of 40"))
    viewport.get_by_test_id("cine").click()
    desktop.wait_for_timeout(100)  # a frame already scheduled may still be drawn
    stopped = viewport.get_by_test_id("overlay-index").inner_text()
    desktop.wait_for_timeout(500)
    assert viewport.get_by_test_id("overlay-index").inner_text() == stopped


def _measure(page: Page, viewport: Locator, start: tuple[float, float], end: tuple[float, float]) -> str:
    """Draw a line between two image points with the Measure tool; returns the read-out."""
    viewport.get_by_test_id("tool-measure").click()
    a, b = (viewport.evaluate("(el, [c, r]) => el.iep.pageOf(c, r)", list(p)) for p in (start, end))
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=8)
    page.mouse.up()
    readout = viewport.get_by_test_id("measurement")
    expect(readout).not_to_have_text("")
    return readout.inner_text()


def test_lengths_in_mm_from_pixel_spacing_and_in_pixels_without(desktop, portal):
    viewport = _viewer(desktop, portal)
    show_series(viewport, "RULER")
    assert [viewport.get_by_test_id(f"orientation-{e}").inner_text() for e in ("top", "bottom")] == ["H", "F"]
    (c1, r1), (c2, r2) = RULER_MARKS
    text = _measure(desktop, viewport, (c1 + 0.5, r1 + 0.5), (c2 + 0.5, r2 + 0.5))
    measured = float(re.search(r"([\d.]+) mm", text).group(1))
    assert measured == pytest.approx(RULER_MM, rel=0.01), text

    show_series(viewport, "US")  # no Pixel Spacing: the length is in pixels, and says so
    text = _measure(desktop, viewport, (10.5, 10.5), (110.5, 10.5))
    assert re.search(r"\b(99|100|101)\.\d pixels$", text), text


def test_colour_multiframe_tags_side_by_side_and_pdf(desktop, portal, browser):
    viewport = _viewer(desktop, portal)
    show_series(viewport, "US")
    index = viewport.get_by_test_id("overlay-index")
    expect(index).to_contain_text("Image 1 of 30")
    first = canvas_pixels(viewport)
    viewport.get_by_test_id("next").click()
    expect(index).to_contain_text("Image 2 of 30")
    wait_painted(viewport, 1)
    assert canvas_pixels(viewport) != first
    expect(desktop.get_by_test_id("window-choice-0").locator("option")).to_have_text(["Colour image"])
    expect(viewport.get_by_test_id("overlay-patient")).to_be_visible()
    desktop.get_by_test_id("toggle-overlays").click()
    expect(viewport.get_by_test_id("overlay-patient")).to_be_hidden()
    desktop.get_by_test_id("toggle-overlays").click()
    expect(viewport.get_by_test_id("overlay-patient")).to_be_visible()

    desktop.get_by_test_id("toggle-tags").click()
    panel = desktop.get_by_test_id("tag-panel")
    expect(panel).to_be_visible()
    assert panel.get_by_test_id("tag-row").count() > 20
    panel.get_by_test_id("tags-search").fill("modality")
    expect(panel.get_by_test_id("tag-row")).to_have_count(1)
    expect(panel.get_by_test_id("tag-row")).to_contain_text("US")

    desktop.get_by_test_id("layout-2").click()
    second = desktop.get_by_test_id("viewport-1")
    wait_painted(second)
    left, right = viewport.bounding_box(), second.bounding_box()
    assert right["x"] >= left["x"] + left["width"] and abs(right["y"] - left["y"]) < 5
    assert second.get_attribute("data-series") != viewport.get_attribute("data-series")

    link = desktop.get_by_test_id("open-document")
    expect(link).to_have_text("Open the PDF document")
    href = link.get_attribute("href")
    answer = desktop.request.get(f"{portal.url}{href}")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")
    stranger = browser.new_context()
    assert stranger.request.get(f"{portal.url}{href}").status == 401
    stranger.close()


def _touch(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def test_on_a_phone_swipe_scrolls_and_pinch_zooms(portal, browser, desktop):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    open_and_verify(page, portal.smtp, to=RECIPIENT, codes_to=RECIPIENT.replace("@", ".codes@"))
    viewport = _viewer(page, portal)
    show_series(viewport, "SYNTHETIC AXIAL")
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    box = viewport.get_by_test_id("viewer-canvas").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 200
    expect(viewport.get_by_test_id("tool-scroll")).to_have_attribute("aria-pressed", "true")

    cdp = context.new_cdp_session(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + 40
    _touch(cdp, "touchStart", [(x, y)])
    for step in range(1, 9):
        _touch(cdp, "touchMove", [(x, y + 12 * step)])
    _touch(cdp, "touchEnd", [])
    expect(viewport.get_by_test_id("overlay-index")).not_to_have_text("Image 1 of 40")

    fitted = _zoom(viewport)
    cy = box["y"] + box["height"] / 2
    _touch(cdp, "touchStart", [(x - 30, cy), (x + 30, cy)])
    for step in range(1, 7):
        _touch(cdp, "touchMove", [(x - 30 - 12 * step, cy), (x + 30 + 12 * step, cy)])
    _touch(cdp, "touchEnd", [])
    page.wait_for_timeout(200)
    assert _zoom(viewport) > fitted * 1.5
    context.close()
