"""The viewer page's plain rows: browser entries, window menus and tag lines."""

from __future__ import annotations

from iep_app.dicom.presets import FileWindow
from iep_app.dicom.tags import TagRow
from iep_app.i18n import translate
from iep_app.services.recipient.viewer_rows import (
    filter_lines,
    object_rows,
    series_rows,
    tag_lines,
    window_options,
)
from iep_app.services.recipient.viewing import Browser, ObjectItem, SeriesItem, SeriesLook, StudyItem


def text(key: str, **values: object) -> str:
    return translate("en", key, **values)


BROWSER = Browser(
    patient_name="DOE, JANE",
    studies=[
        StudyItem(
            study_pk=1,
            description="CT CHEST",
            date="2024-01-01",
            series=[
                SeriesItem(10, "CT", "2", "AXIAL", 300, 55),
                SeriesItem(11, "CT", "3", "", 1, 56),
            ],
            objects=[
                ObjectItem(70, "pdf", "DOC", "REPORT"),
                ObjectItem(71, "rt", "RTDOSE", ""),
                ObjectItem(72, "mystery", "OT", "KEY IMAGES"),
            ],
        ),
        StudyItem(study_pk=2, description="", date="2024-02-02", series=[], objects=[]),
    ],
)


def test_series_rows_carry_the_study_heading_once_and_count_images():
    rows = series_rows(BROWSER, public_id="NS000001", text=text)
    assert [(r["title"], r["count"], r["first_in_study"]) for r in rows] == [
        ("AXIAL", "300 images", "1"),
        ("Series 3", "1 image", ""),
    ]
    assert rows[0]["study"] == "2024-01-01 · CT CHEST"
    assert rows[0]["thumbnail"] == "/api/t/NS000001/instances/55/thumbnail.jpg"


def test_only_pdfs_open_and_other_objects_say_why_not():
    pdf, rt, other = object_rows(BROWSER, public_id="NS000001", text=text)
    assert pdf == {
        "key": "70",
        "title": "REPORT",
        "url": "/api/t/NS000001/instances/70/document.pdf",
        "detail": "",
    }
    assert (rt["title"], rt["url"], rt["detail"]) == (
        "Radiotherapy object",
        "",
        "cannot be shown in the browser",
    )
    assert other["detail"] == "Other object · cannot be shown in the browser"


def test_window_menu_for_ct_mr_and_colour():
    ct = window_options("CT", SeriesLook(False, [FileWindow(40, 400, "SOFT TISSUE")]), text=text)
    assert [o["label"] for o in ct[:3]] == ["From the file", "Soft Tissue (40/400)", "Brain (40/80)"]
    assert ct[-2:] == [{"key": "auto", "label": "Automatic"}, {"key": "custom", "label": "Custom"}]
    mr = window_options("MR", SeriesLook(False, [FileWindow(600, 1600, "")]), text=text)
    assert [o["label"] for o in mr] == ["From the file", "File window 1 (600/1600)", "Automatic", "Custom"]
    assert window_options("US", SeriesLook(True, []), text=text) == [
        {"key": "default", "label": "Colour image"}
    ]


def test_tag_lines_are_indented_and_searchable():
    lines = tag_lines(
        [
            TagRow("(0010,0010)", "PatientName", "Patient's Name", "PN", "DOE^JANE", 0),
            TagRow("(0028,0030)", "PixelSpacing", "Pixel Spacing", "DS", "0.5\\0.5", 2),
        ]
    )
    assert lines[1]["indent"] == "1.6em" and lines[0]["indent"] == "0em"
    assert [line["name"] for line in filter_lines(lines, "00280030")] == ["Pixel Spacing"]
    assert [line["name"] for line in filter_lines(lines, "PN doe")] == ["Patient's Name"]
    assert filter_lines(lines, "") == lines
    assert filter_lines(lines, "nothing") == []
