"""The grey-scale pipeline follows the standard's VOI LUT functions and handles raw words."""

import numpy as np
import pytest

from iep_app.dicom.lut import GrayPipeline, LutTable, Window, apply, min_max_window


def _display(pipeline: GrayPipeline, values) -> list[int]:
    return pipeline.display(np.asarray(values)).tolist()


def test_linear_window_follows_the_standard_with_truncation():
    pipeline = GrayPipeline(bits_stored=16, signed=True, window=Window(40, 400))
    # bounds: x <= c - 0.5 - (w-1)/2 is black, x > c - 0.5 + (w-1)/2 is white
    assert _display(pipeline, [-160, -159, 40, 239, 240]) == [0, 0, 127, 255, 255]


def test_linear_exact_uses_the_exact_bounds():
    pipeline = GrayPipeline(16, True, window=Window(0, 100), function="LINEAR_EXACT")
    # y = ((x - c) / w + 0.5) * 255, black at or below c - w/2, white above c + w/2
    assert _display(pipeline, [-50, -49, 0, 25, 50, 51]) == [0, 2, 127, 191, 255, 255]


def test_sigmoid_is_centred_on_the_window_center():
    pipeline = GrayPipeline(16, True, window=Window(100, 50), function="SIGMOID")
    low, mid, high = _display(pipeline, [0, 100, 200])
    assert mid == 127 and low < 5 and high > 250


def test_inversion_mirrors_the_output():
    plain = GrayPipeline(16, False, window=Window(128, 256))
    inverted = GrayPipeline(16, False, window=Window(128, 256), invert=True)
    assert _display(inverted, [0, 100, 255]) == [255 - v for v in _display(plain, [0, 100, 255])]


def test_lut_indexes_signed_words_and_drops_bits_above_bits_stored():
    pipeline = GrayPipeline(bits_stored=12, signed=True, window=Window(0, 4096))
    stored = np.array([[-2048, -1, 0, 2047]], dtype=np.int16)
    dirty = (stored.view(np.uint16) & 0x0FFF) | 0xF000  # junk above bit 11
    assert apply(pipeline, dirty.view(np.int16)).tolist() == pipeline.display(stored).tolist()


def test_modality_lut_sequence_replaces_rescale():
    table = LutTable(first_mapped=10, bits=16, data=np.array([5, 6, 7], "<u2").tobytes())
    pipeline = GrayPipeline(16, False, slope=100, modality_lut=table)
    assert pipeline.modality(np.array([0, 10, 11, 12, 99])).tolist() == [5, 5, 6, 7, 7]


def test_min_max_window_spans_the_range_like_dcmtk():
    assert min_max_window(np.array([10, 20, 110])) == Window(center=60.5, width=101)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32])
def test_every_integer_and_float_type_goes_through_the_pipeline(dtype):
    kind = np.dtype(dtype)
    pipeline = GrayPipeline(8 * kind.itemsize, signed=kind.kind != "u", window=Window(0, 20))
    frame = np.array([[-10 if kind.kind != "u" else 3, 0, 10]]).astype(dtype)
    expected = pipeline.display(frame.astype(np.float64))
    assert np.array_equal(apply(pipeline, frame), expected)
