"""Every kind of image in the corpus renders; files without a decodable image say why."""

import io
from pathlib import Path

import pytest
from PIL import Image

from iep_app.dicom.render import (
    RenderError,
    Window,
    default_window,
    frame_count,
    render_frame,
    render_thumbnail,
)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("CT_small.dcm", "L"),  # signed 16-bit, explicit little endian
        ("MR_small_bigendian.dcm", "L"),
        ("MR_small_RLE.dcm", "L"),
        ("MR_small_jp2klossless.dcm", "L"),
        ("MR_small_jpeg_ls_lossless.dcm", "L"),
        ("JPEG2000.dcm", "L"),
        ("image_dfl.dcm", "L"),  # deflated data set
        ("examples_rgb_color.dcm", "RGB"),
        ("examples_ybr_color.dcm", "RGB"),  # YBR_FULL_422 JPEG, 30 frames
        ("examples_palette.dcm", "RGB"),
        ("SC_rgb_rle_16bit.dcm", "RGB"),
        ("SC_rgb_jpeg.dcm", "RGB"),  # mislabelled VR: needs the lenient reader
        ("rtdose.dcm", "L"),  # 32-bit, 15 frames
        ("liver_1frame.dcm", "L"),  # 1-bit segmentation
    ],
)
def test_images_render_to_png(corpus: Path, name: str, mode: str):
    path = corpus / name
    last = frame_count(path) - 1
    image = Image.open(io.BytesIO(render_frame(path, frame=last)))
    assert image.format == "PNG" and image.mode == mode


def test_jpeg_with_window_and_scaling(corpus: Path):
    data = render_frame(corpus / "CT_small.dcm", window=Window(40, 400), fmt="jpeg", quality=80, max_size=64)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 64)


def test_thumbnail_is_a_small_jpeg(corpus: Path):
    image = Image.open(io.BytesIO(render_thumbnail(corpus / "examples_rgb_color.dcm", size=32)))
    assert image.format == "JPEG" and max(image.size) == 32


def test_default_window_comes_from_the_file_else_the_pixel_range(corpus: Path):
    assert default_window(corpus / "MR_small.dcm") == Window(600.0, 1600.0)
    assert default_window(corpus / "examples_rgb_color.dcm") is None
    assert default_window(corpus / "CT_small.dcm").width > 1


@pytest.mark.parametrize("name", ["reportsi.dcm", "waveform_ecg.dcm", "rtplan.dcm"])
def test_non_images_have_no_frames_and_do_not_render(corpus: Path, name: str):
    assert frame_count(corpus / name) == 0
    with pytest.raises(RenderError, match="no image"):
        render_frame(corpus / name)


@pytest.mark.parametrize(
    "name", ["MR_truncated.dcm", "JPEG2000-embedded-sequence-delimiter.dcm", "JPGExtended.dcm"]
)
def test_undecodable_images_raise_render_error(corpus: Path, name: str):
    with pytest.raises(RenderError):
        render_frame(corpus / name)


def test_frame_out_of_range_is_a_render_error(corpus: Path):
    with pytest.raises(RenderError, match="frame"):
        render_frame(corpus / "CT_small.dcm", frame=1)
