"""How each kind of image is shown: browser windowing, server windowing, colour; stored words."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from iep_app.dicom.display import COLOR, GRAY, SERVER, display_info, stored_words
from iep_app.dicom.documents import encapsulated_pdf
from iep_app.dicom.pixels import RenderError, read_header
from tests.support.dicom_files import make_pdf_instance, make_ruler_image, pdf_bytes


def test_ct_is_windowed_in_the_browser_with_its_pipeline(corpus: Path):
    info = display_info(read_header(corpus / "CT_small.dcm"))
    assert info.mode == GRAY and info.signed and info.bits_stored == 16
    assert (info.rows, info.columns, info.frames) == (128, 128, 1)
    assert info.slope == 1.0 and info.intercept == -1024.0
    assert info.orientation == ["R", "L", "A", "P"]
    assert info.spacing == [0.661468, 0.661468, "PixelSpacing"]
    assert info.lossy is False


@pytest.mark.parametrize(
    ("name", "mode", "frames"),
    [
        ("examples_ybr_color.dcm", COLOR, 30),
        ("examples_rgb_color.dcm", COLOR, 1),
        ("examples_palette.dcm", COLOR, 1),
        ("rtdose.dcm", SERVER, 15),  # 32-bit words
        ("MR_small_RLE.dcm", GRAY, 1),
    ],
)
def test_modes_by_kind_of_image(corpus: Path, name, mode, frames):
    info = display_info(read_header(corpus / name))
    assert (info.mode, info.frames) == (mode, frames)


def test_lut_sequences_and_monochrome1(tmp_path: Path, corpus: Path):
    ds = pydicom.dcmread(corpus / "CT_small.dcm")
    item = Dataset()
    item.LUTDescriptor, item.LUTData = [4, 0, 16], [0, 100, 200, 300]
    ds.VOILUTSequence = [item]
    assert display_info(ds).mode == SERVER
    ds = pydicom.dcmread(corpus / "CT_small.dcm")
    ds.PhotometricInterpretation = "MONOCHROME1"
    info = display_info(ds)
    assert info.mode == GRAY and info.invert is True


def test_no_image_is_an_error(tmp_path: Path):
    pdf = make_pdf_instance(tmp_path / "report.dcm")
    with pytest.raises(RenderError):
        display_info(read_header(pdf))


def test_stored_words_are_the_file_words_little_endian(corpus: Path, tmp_path: Path):
    words = stored_words(corpus / "CT_small.dcm", 0)
    expected = pydicom.dcmread(corpus / "CT_small.dcm").pixel_array
    assert (words.code, words.rows, words.columns) == ("i2", 128, 128)
    assert np.array_equal(np.frombuffer(words.data, "<i2").reshape(128, 128), expected)
    big = shutil.copy(corpus / "MR_small_bigendian.dcm", tmp_path / "big.dcm")
    words = stored_words(Path(big), 0)
    reference = pydicom.dcmread(corpus / "MR_small.dcm").pixel_array
    assert np.array_equal(np.frombuffer(words.data, f"<{words.code}").reshape(64, 64), reference)


def test_colour_and_wide_words_are_refused(corpus: Path):
    for name in ("examples_rgb_color.dcm", "rtdose.dcm"):
        with pytest.raises(RenderError):
            stored_words(corpus / name, 0)


def test_ruler_image_geometry(tmp_path: Path):
    info = display_info(read_header(make_ruler_image(tmp_path / "ruler.dcm")))
    assert info.spacing == [0.6, 0.9, "PixelSpacing"]
    assert info.orientation == ["R", "L", "H", "F"]
    assert info.bits_stored == 12 and not info.signed


def test_encapsulated_pdf_comes_out_unpadded(tmp_path: Path, corpus: Path):
    assert encapsulated_pdf(make_pdf_instance(tmp_path / "report.dcm")) == pdf_bytes()
    with pytest.raises(RenderError):
        encapsulated_pdf(corpus / "CT_small.dcm")
