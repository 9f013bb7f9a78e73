"""The header scanner answers exactly as pydicom's path does, or leaves the file to it."""

import random
import warnings
from pathlib import Path

import pytest
from pydicom import dcmread

from iep_app.dicom.index import NotIndexable, indexed_values, is_media_directory, kind_of, read_header
from iep_app.dicom.scan import scan_header
from iep_app.dicom.synthetic import make_ct_slice

# Corpus files the scanner must read itself: plain, encapsulated (fragments), nested
# undefined-length sequences, a report and a waveform.
MUST_SCAN = [
    "CT_small.dcm",
    "examples_jpeg2k.dcm",
    "SC_rgb_gdcm_KY.dcm",
    "examples_palette.dcm",
    "reportsi.dcm",
    "waveform_ecg.dcm",
]


def _reference(path: Path) -> object:
    """What the ingest's pydicom path makes of a file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = read_header(path)
            if is_media_directory(ds):
                return "media"
            return indexed_values(ds), kind_of(ds)
        except NotIndexable as exc:
            return f"rejected: {exc}"
        except Exception as exc:  # the scanner must never accept what crashes pydicom's path
            return f"crashed: {exc!r}"


def _check(data: bytes, tmp_path: Path) -> bool:
    """Assert the scanner agrees with pydicom's path; tell whether it answered itself."""
    scanned = scan_header(data)
    if scanned is None:
        return False
    path = tmp_path / "variant.dcm"
    path.write_bytes(data)
    assert scanned == _reference(path)
    return True


def test_every_corpus_file_is_scanned_as_pydicom_reads_it_or_left_to_it(corpus, tmp_path):
    scanned = set()
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        if scan_header(path.read_bytes()) is not None:
            scanned.add(path.name)
            assert scan_header(path.read_bytes()) == _reference(path), path.name
    assert set(MUST_SCAN) <= scanned
    # other encodings, DICOMDIRs, truncated and foreign files are left to pydicom
    for name in ("MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm", "DICOMDIR"):
        assert name not in scanned
    for name in ("MR_truncated.dcm", "no_meta.dcm", "README.txt", "UN_sequence.dcm"):
        assert name not in scanned


@pytest.mark.parametrize("name", ["CT_small.dcm", "SC_rgb_gdcm_KY.dcm", "reportsi.dcm"])
def test_truncated_files_are_never_accepted_differently(corpus, tmp_path, name):
    data = (corpus / name).read_bytes()
    assert _check(data, tmp_path)
    # every cut inside the header, and a spread of cuts through the rest
    header_end = min(len(data), 3000)
    cuts = list(range(0, header_end, 3)) + list(range(header_end, len(data), 997))
    accepted = [cut for cut in cuts if _check(data[:cut], tmp_path)]
    # a cut exactly between two elements leaves a well-formed shorter file; nothing else passes
    assert len(accepted) < len(cuts) // 20


@pytest.mark.parametrize("name", ["CT_small.dcm", "SC_rgb_gdcm_KY.dcm", "reportsi.dcm"])
def test_corrupted_bytes_never_make_the_scanner_disagree(corpus, tmp_path, name):
    data = (corpus / name).read_bytes()
    rng = random.Random(name)
    header_end = min(len(data), 3000)
    for _ in range(250):
        variant = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(128, header_end)
            variant[position] = rng.choice((0x00, 0xFF, 0x20, 0x5C, 0x1B, 0xE9, rng.randrange(256)))
        _check(bytes(variant), tmp_path)


def test_the_synthetic_ct_of_the_benchmark_is_scanned(tmp_path):
    data = make_ct_slice(tmp_path / "slice.dcm").read_bytes()
    assert _check(data, tmp_path)
    levels, kind = scan_header(data)
    assert kind == "image" and levels["patient"]["PatientName"] == "DEMO^PATIENT"
    assert levels["instance"]["Rows"] == "64" and levels["instance"]["TransferSyntaxUID"]


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("StudyDescription", ""),
        ("StudyDescription", "  padded  "),
        ("PatientID", "A\\B"),  # two values: pydicom's path keeps the backslash
        ("PatientName", "Doe^John^^Dr"),
        ("SeriesNumber", "0012"),
        ("InstanceNumber", ""),
        ("SpecificCharacterSet", "ISO_IR 192"),
        ("SpecificCharacterSet", ""),
    ],
)
def test_values_written_by_pydicom_are_read_alike(corpus, tmp_path, keyword, value):
    ds = dcmread(corpus / "CT_small.dcm")
    setattr(ds, keyword, value)
    path = tmp_path / "variant.dcm"
    ds.save_as(path)
    assert _check(path.read_bytes(), tmp_path)


def test_values_that_need_a_character_set_are_left_to_pydicom(corpus, tmp_path):
    data = (corpus / "CT_small.dcm").read_bytes()
    name = b"CompressedSamples^CT1"
    assert data.count(name) == 1
    assert scan_header(data.replace(name, b"CompressedSample\xe9^CT1")) is None
    assert scan_header(data.replace(name, b"CompressedSample\x1b^CT1")) is None
