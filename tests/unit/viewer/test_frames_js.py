"""The browser's frame loader (assets/iep_viewer/frames.js), run with bun against a fake fetch.

Checks the order frames are asked for, the memory budget, and what happens to requests a
fast scroll has passed: the behaviour the scrolling figures in the README depend on.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.unit.viewer.test_windowing_js import BUN, ROOT

MODULE = ROOT / "assets" / "iep_viewer" / "frames.js"
FRAME_BYTES = 4 * 4 * 2  # 4x4 frames of 16-bit words

SCRIPT = """
import { FrameStore } from %s;
// A fake clock and a fetch that answers only when told: the scenarios are deterministic.
let clock = 0;
performance.now = () => clock;
globalThis.location = { href: "http://localhost/" };
const asked = [], aborted = [], pending = [];
globalThis.fetch = (url, { signal }) => new Promise((resolve, reject) => {
  asked.push(url);
  signal.addEventListener("abort", () => { aborted.push(url); reject(new DOMException("", "AbortError")); });
  pending.push(() => resolve(new Response(new Uint8Array(%d), {
    headers: { "X-Iep-Words": "i2", "X-Iep-Shape": "4,4" } })));
});
const settle = () => new Promise((r) => setTimeout(r, 5));
async function answerAll() {
  while (pending.length) { pending.shift()(); await settle(); }
}
const manifest = {
  urls: { words: "/w/{instance}/{frame}", png: "/p/{instance}/{frame}" },
  instances: Array.from({ length: 40 }, (_, i) => ({ id: i, mode: "gray", frames: 1, rows: 4,
    columns: 4, bits_stored: 16, signed: true, slope: 1, intercept: 0 })),
};
const scenario = await Bun.stdin.text();
const store = new FrameStore(manifest, { budgetBytes: 10 * %d, concurrency: 2,
  onFrame: () => {}, onSessionEnded: () => {}, serverQuery: () => "" });
if (scenario === "order") {
  store.setFocus(20, 1);
  await answerAll();
} else if (scenario === "budget") {
  store.setFocus(0, 1);
  await answerAll();
  clock += 1000; // a jump (the slider), not a scroll
  store.setFocus(30, 1);
  await answerAll();
} else if (scenario === "fast") {
  store.fetchMs = 100; // a slow link: a frame takes 100 ms to arrive
  store.setFocus(1, 1);
  for (let i = 2; i <= 30; i++) { clock += 4; store.setFocus(i, 1); } // 250 images/s
  clock += 400; // the scroll has stopped
  await new Promise((r) => setTimeout(r, 250)); // the settle timer runs
  await answerAll();
}
const frame = (u) => +u.split("/")[2];
console.log(JSON.stringify({ asked: asked.map(frame), aborted: aborted.map(frame),
  cached: [...store.entries.keys()].sort((a, b) => a - b), compress: store.compress }));
"""


def _run(tmp_path, scenario: str) -> dict:
    if BUN is None:
        pytest.skip("bun is not installed (make setup installs it into .tools/)")
    script = tmp_path / "frames.mjs"
    script.write_text(SCRIPT % (json.dumps(MODULE.as_uri()), FRAME_BYTES, FRAME_BYTES))
    result = subprocess.run(
        [BUN, str(script)], input=scenario, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def test_the_frame_on_screen_comes_first_then_ahead_then_behind(tmp_path):
    asked = _run(tmp_path, "order")["asked"]
    assert asked[:6] == [20, 21, 22, 19, 23, 24]
    assert len(asked) == 10  # the budget holds ten frames


def test_the_budget_keeps_the_frames_nearest_the_focus(tmp_path):
    result = _run(tmp_path, "budget")
    assert len(result["cached"]) == 10
    assert result["cached"] == [27, 28, 29, 30, 31, 32, 33, 34, 35, 36]


def test_a_fast_scroll_cancels_what_it_passed_and_aims_where_it_will_be(tmp_path):
    result = _run(tmp_path, "fast")
    assert result["asked"][:2] == [1, 2]  # still: the frame on screen and the next
    assert result["aborted"][:2] == [1, 2]  # scrolled past before they could arrive
    # 0.25 images/ms x 100 ms per frame: the next requests aim 25 images ahead of 3 and 4
    assert result["asked"][2:4] == [28, 29]
    assert 30 in result["cached"]  # and the frame the scroll stopped on is there
