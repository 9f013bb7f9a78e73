"""Decoded frames are cached within a byte budget, and rendering is safe from many threads."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from iep_app.dicom import pixels
from iep_app.dicom.render import Window, render_frame
from iep_app.dicom.synthetic import make_ct_series


@pytest.fixture
def series(tmp_path: Path) -> list[Path]:
    return make_ct_series(tmp_path, slices=6, size=64)


@pytest.fixture
def small_cache():
    used, cap = pixels.frame_cache_usage()
    pixels.configure_frame_cache(3 * 64 * 64 * 2)  # room for three 64x64 16-bit frames
    yield
    pixels.configure_frame_cache(cap)


def test_second_render_of_a_frame_does_not_decode_again(series, monkeypatch):
    render_frame(series[0])
    monkeypatch.setattr(pixels, "_decode", lambda *a: pytest.fail("decoded twice"))
    assert render_frame(series[0], window=Window(0, 100))


def test_frame_cache_stays_within_its_byte_cap(series, small_cache):
    for path in series:
        render_frame(path)
    used, cap = pixels.frame_cache_usage()
    assert 0 < used <= cap


def test_rewritten_file_is_decoded_afresh(series):
    first = render_frame(series[0])
    series[0].write_bytes(series[3].read_bytes())
    assert render_frame(series[0]) == render_frame(series[3]) != first


def test_concurrent_renders_agree_with_serial_ones(series):
    expected = [render_frame(p, window=Window(40, 400)) for p in series]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: render_frame(p, window=Window(40, 400)), series * 5))
    assert results == expected * 5


def test_repeated_request_is_served_from_the_encoded_cache(series, monkeypatch):
    from iep_app.dicom import render

    first = render_frame(series[1], window=Window(40, 400), fmt="jpeg", quality=90)
    monkeypatch.setattr(render, "render_pixels", lambda *a, **k: pytest.fail("rendered again"))
    assert render_frame(series[1], window=Window(40, 400), fmt="jpeg", quality=90) == first
