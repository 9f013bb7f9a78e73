"""The browser's window/level tables equal the Python engine's, entry for entry.

The viewer windows grey-scale images in the browser (assets/iep_viewer/windowing.js);
the server renders PNGs with iep_app/dicom/lut.py. Both must show the same grey for every
stored word, so this runs the JavaScript with bun (the project's JS runtime, in .tools/)
and compares whole 8- and 16-bit tables.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from iep_app.dicom.lut import GrayPipeline, Window, min_max_window

ROOT = Path(__file__).resolve().parents[3]
MODULE = ROOT / "assets" / "iep_viewer" / "windowing.js"
BUN = shutil.which("bun", path=str(ROOT / ".tools" / "node_modules" / ".bin")) or shutil.which("bun")

CASES = [
    # (bits stored, signed, slope, intercept, function, center, width, invert, word bytes)
    (16, True, 1.0, -1024.0, "LINEAR", 40.0, 400.0, False, 2),  # CT soft tissue
    (16, True, 1.0, -1024.0, "LINEAR", -600.0, 1500.0, True, 2),  # lung, inverted
    (12, False, 1.0, 0.0, "LINEAR", 600.0, 1600.0, False, 2),  # MR, 12 of 16 bits
    (16, False, 2.5, -100.5, "LINEAR_EXACT", 300.0, 1000.0, False, 2),
    (16, True, 0.5, 3.0, "SIGMOID", 40.0, 400.0, True, 2),
    (16, True, 1.0, 0.0, "LINEAR", 40.5, 1.0, False, 2),  # a one-value window
    (8, False, 1.0, 0.0, "LINEAR", 128.0, 256.0, False, 1),
    (8, True, 1.0, 0.0, "LINEAR", 0.0, 100.0, False, 1),
]

SCRIPT = """
import { lutFor, rangeWindow } from %s;
const cases = JSON.parse(await Bun.stdin.text());
const out = cases.map(([bits, signed, slope, intercept, fn, center, width, invert, bytes]) => {
  const lut = lutFor({ bits, signed, slope, intercept, fn }, bytes, { center, width }, invert);
  return Array.from(lut, (v) => v & 0xff);
});
const words = new Uint16Array([0, 1, 1000, 65535, 32768, 4000]);
const range = rangeWindow(words, { bits: 16, signed: true, slope: 1, intercept: -1024, fn: "LINEAR" }, 2);
console.log(JSON.stringify({ out, range }));
"""


@pytest.fixture(scope="module")
def browser_tables(tmp_path_factory):
    if BUN is None:
        pytest.skip("bun is not installed (make setup installs it into .tools/)")
    script = tmp_path_factory.mktemp("js") / "tables.mjs"
    script.write_text(SCRIPT % json.dumps(MODULE.as_uri()))
    result = subprocess.run(
        [BUN, str(script)], input=json.dumps(CASES), capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("number", range(len(CASES)))
def test_every_stored_word_gets_the_engines_grey(browser_tables, number):
    bits, signed, slope, intercept, function, center, width, invert, word_bytes = CASES[number]
    pipeline = GrayPipeline(
        bits_stored=bits,
        signed=signed,
        slope=slope,
        intercept=intercept,
        window=Window(center, width),
        function=function,
        invert=invert,
    )
    expected = pipeline.display(pipeline.words(word_bytes))
    got = np.array(browser_tables["out"][number], dtype=np.uint8)
    mismatches = np.flatnonzero(got != expected)
    assert mismatches.size == 0, f"{mismatches.size} words differ, first at {mismatches[:5]}"


def test_the_automatic_window_spans_the_frames_modality_values(browser_tables):
    pipeline = GrayPipeline(bits_stored=16, signed=True, slope=1.0, intercept=-1024.0)
    words = np.array([0, 1, 1000, 65535, 32768, 4000], dtype=np.uint16)
    expected = min_max_window(pipeline.modality(pipeline.words(2)[words]))
    assert browser_tables["range"] == {"center": expected.center, "width": expected.width}
