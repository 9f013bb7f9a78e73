"""The tag panel's rows: meta and data set, sequences, binary values, search."""

from __future__ import annotations

from pathlib import Path

from iep_app.dicom.pixels import read_header
from iep_app.dicom.tags import search, tag_rows


def test_rows_list_meta_then_data_set_without_reading_pixels(corpus: Path):
    rows = tag_rows(read_header(corpus / "CT_small.dcm"))
    assert rows[0].tag.startswith("(0002,")
    by_keyword = {row.keyword: row for row in rows}
    assert by_keyword["PatientName"].value == "CompressedSamples^CT1"
    assert by_keyword["PatientName"].name == "Patient's Name"
    assert by_keyword["PatientName"].vr == "PN"
    pixel = next(row for row in rows if row.tag == "(7FE0,0010)")
    assert pixel.value == "(binary data, 32768 bytes)"


def test_sequences_are_indented_with_their_items(corpus: Path):
    rows = tag_rows(read_header(corpus / "liver_1frame.dcm"))
    sequence = next(r for r in rows if r.keyword == "SharedFunctionalGroupsSequence")
    assert sequence.value == "(1 item)" and sequence.depth == 0
    spacing = next(r for r in rows if r.keyword == "PixelSpacing")
    assert spacing.depth > 2


def test_search_matches_every_word_on_tag_name_or_value(corpus: Path):
    rows = tag_rows(read_header(corpus / "CT_small.dcm"))
    assert [r.keyword for r in search(rows, "patient name")] == ["PatientName"]
    assert [r.keyword for r in search(rows, "00100010")] == ["PatientName"]
    assert [r.keyword for r in search(rows, "(0010,0010)")] == ["PatientName"]
    assert search(rows, "  ") == rows
    assert search(rows, "no such thing anywhere") == []
