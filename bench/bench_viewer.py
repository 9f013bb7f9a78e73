"""Measure the viewer's smoothness in headless Chromium against the real served app.

Usage (from the repository root):

    python bench/bench_viewer.py [--slices 300] [--size 512] [--runs 3]

It builds and serves the app (`iep serve`, as the e2e tests do), shares a synthetic CT,
verifies as the recipient, and prints:

- View click to first image: from the click on "View" (same page, client-side routing) to
  the first image drawn on the viewport's canvas; the first run is cold (nothing cached
  in the browser or the server), later runs reload the chooser and open the viewer again
  (frames then come from the browser's cache).
- Images shown per second while wheel events arrive at 60/s for 4 s: distinct images
  drawn per second, right after opening (prefetch still running) and once the series
  is cached; "lag" is how many images the display is behind the wheel when it stops.
- Window/level step latency: real mouse moves (Playwright) while dragging with the
  Window tool, from the input event's timestamp to the canvas having been redrawn.

With --wan, Chromium throttles HTTP to 40 ms and 50 Mbit/s (the websocket is not throttled).
Figures are medians unless said otherwise. The issue's targets: >= 20 images/s,
<= 100 ms per W/L step, < 1.5 s to the first image, on localhost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import Locator, Page, sync_playwright  # noqa: E402

from iep_app.dicom.synthetic import make_ct_series  # noqa: E402
from tests.e2e.conftest import running_portal  # noqa: E402
from tests.support.viewer_flow import share_and_verify, wait_painted  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

WAN = {"offline": False, "latency": 40, "downloadThroughput": 50e6 / 8, "uploadThroughput": 50e6 / 8}

CLICK_VIEW = """() => {
  const t = performance.now();
  document.querySelector('[data-testid=action-view]').click();
  return t;
}"""

# Dispatch wheel notches at a fixed rate; count distinct images drawn while they arrive.
WHEEL = """(el, [rate, seconds]) => new Promise((resolve) => {
  const canvas = el.querySelector('canvas');
  const stats = el.iep.stats;
  let last = stats.lastIndex, distinct = 0, sent = 0;
  const start = performance.now();
  const watch = () => {
    if (stats.lastIndex !== last) { last = stats.lastIndex; distinct++; }
    if (performance.now() - start < seconds * 1000 + 50) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
  const timer = setInterval(() => {
    canvas.dispatchEvent(new WheelEvent('wheel', {deltaY: 100, bubbles: true, cancelable: true}));
    sent++;
    if (performance.now() - start >= seconds * 1000) {
      clearInterval(timer);
      const elapsed = (performance.now() - start) / 1000;
      resolve({sent, distinct, elapsed, wanted: el.iep.index, shown: stats.lastIndex,
               cached: el.iep.store.entries.size});
    }
  }, 1000 / rate);
})"""

AFTER_MOVE = """(el) => new Promise((resolve) => {
  const t = window.__lastMove;
  const check = () => {
    if (el.iep.stats.lastPaintAt > t) resolve(el.iep.stats.lastPaintAt - t);
    else requestAnimationFrame(check);
  };
  check();
})"""


def first_image(page: Page) -> float:
    t0 = page.evaluate(CLICK_VIEW)
    viewport = page.get_by_test_id("viewport-0")
    wait_painted(viewport, timeout=30_000)
    return viewport.evaluate("el => el.iep.stats.firstPaintAt") - t0


def scroll(viewport: Locator, rate: int = 60, seconds: float = 4.0) -> dict:
    viewport.evaluate("el => el.iep.go(0)")
    wait_painted(viewport, 0)
    result = viewport.evaluate(WHEEL, [rate, seconds])
    result["per_second"] = result["distinct"] / result["elapsed"]
    return result


def wait_cached(viewport: Locator, count: int, timeout: float = 60.0) -> float:
    start = time.monotonic()
    while viewport.evaluate("el => el.iep.store.entries.size") < count:
        if time.monotonic() - start > timeout:
            break
        time.sleep(0.1)
    return time.monotonic() - start


def window_steps(page: Page, viewport: Locator, steps: int = 40) -> list[float]:
    viewport.get_by_test_id("tool-window").click()
    box = viewport.get_by_test_id("viewer-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(
        "() => window.addEventListener('pointermove', e => { window.__lastMove = e.timeStamp; },"
        " {capture: true})"
    )
    page.mouse.move(x, y)
    page.mouse.down()
    latencies = []
    for i in range(1, steps + 1):
        page.mouse.move(x + 4 * i, y + 2 * i)
        latencies.append(viewport.evaluate(AFTER_MOVE))
        page.wait_for_timeout(30)
    page.mouse.up()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3, help="reopenings after the cold one")
    parser.add_argument(
        "--wan", action="store_true", help="emulate a 40 ms, 50 Mbit/s link (Chromium throttling)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iep-bench-viewer-") as tmp:
        base = Path(tmp)
        started = time.monotonic()
        files = make_ct_series(base / "ct", slices=args.slices, size=args.size)
        print(
            f"synthetic CT: {args.slices} slices of {args.size}x{args.size} "
            f"({time.monotonic() - started:.1f} s to write)",
            flush=True,
        )
        with running_portal(base) as portal, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            share_and_verify(portal, page, files, to="bench@example.org")
            if args.wan:
                cdp = page.context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", WAN)
            cold = first_image(page)
            viewport = page.get_by_test_id("viewport-0")
            early = scroll(viewport)
            took = wait_cached(viewport, args.slices)
            cached = scroll(viewport)
            latencies = window_steps(page, viewport)
            gzip = viewport.evaluate("el => el.iep.store.compress")
            warm = []
            for _ in range(args.runs):
                page.goto(f"{portal.url}/package")
                page.get_by_test_id("action-view").wait_for()
                warm.append(first_image(page))
            browser.close()
    print(
        f"View click to first image: cold {cold:.0f} ms; reopened (median of {args.runs}) "
        f"{statistics.median(warm):.0f} ms"
    )
    for name, r in (("right after opening", early), ("series cached", cached)):
        print(
            f"Wheel at 60/s, {name}: {r['per_second']:.1f} images/s shown "
            f"({r['distinct']} distinct in {r['elapsed']:.1f} s, {r['sent']} notches; "
            f"lag at the end {r['wanted'] - r['shown']} images; {r['cached']} cached at the end)"
        )
    print(f"Whole series cached {took:.1f} s after the first scroll test ended")
    print(f"Frames asked for gzip after measuring the link: {'yes' if gzip else 'no'}")
    print(
        f"W/L step latency: median {statistics.median(latencies):.1f} ms, "
        f"p90 {statistics.quantiles(latencies, n=10)[-1]:.1f} ms, max {max(latencies):.1f} ms "
        f"over {len(latencies)} steps"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
