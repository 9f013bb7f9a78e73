"""Window choices: the file's windows, CT presets, and which keys a series accepts."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from iep_app.dicom.presets import CT_PRESETS, choice_keys, file_windows, presets_for, resolve


def test_ct_has_the_eight_named_presets_and_other_modalities_none():
    keys = [p.key for p in presets_for("ct")]
    assert keys == [
        "brain",
        "subdural",
        "stroke",
        "lung",
        "mediastinum",
        "abdomen",
        "liver",
        "bone",
    ]
    assert presets_for("MR") == () and presets_for("") == ()
    assert all(p.width > 0 for p in CT_PRESETS)


def test_file_windows_keep_every_pair_with_its_explanation(corpus: Path):
    ds = Dataset()
    ds.WindowCenter, ds.WindowWidth = [40, -600], [400, 1500]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "LUNG"]
    windows = file_windows(ds)
    assert [(w.center, w.width, w.explanation) for w in windows] == [
        (40, 400, "SOFT TISSUE"),
        (-600, 1500, "LUNG"),
    ]
    mr = pydicom.dcmread(corpus / "MR_small.dcm", stop_before_pixels=True)
    assert [(w.center, w.width) for w in file_windows(mr)] == [(600.0, 1600.0)]


def test_unusable_file_windows_are_skipped():
    ds = Dataset()
    ds.WindowCenter, ds.WindowWidth = [40, 50, 60], [0, -5, 80]
    assert [(w.center, w.width, w.explanation) for w in file_windows(ds)] == [(60, 80, "")]
    assert file_windows(Dataset()) == []


def test_choice_keys_and_what_each_resolves_to():
    keys = choice_keys("CT", 2)
    assert keys[:3] == ["default", "file:0", "file:1"] and keys[-1] == "auto"
    assert "lung" in keys and "custom" not in keys
    assert choice_keys("MR", 0) == ["default", "auto"]
    assert resolve("lung", "CT") == {"kind": "fixed", "index": 0, "center": -600, "width": 1500}
    assert resolve("file:1", "MR")["kind"] == "file"
    assert resolve("default", "US")["kind"] == "default"


@pytest.mark.parametrize("key", ["lung", "custom", "file:x", "file:99", "", "<script>"])
def test_keys_a_modality_does_not_offer_resolve_to_nothing(key):
    assert resolve(key, "MR") is None
