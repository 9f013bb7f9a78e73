"""DICOM dates, times and person names, and timestamps, written one way for every reader."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from iep_app import i18n
from iep_app.vocabulary import dicom_date, dicom_date_sortable, dicom_time, moment, parse_iso_day, person_name


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "31/01/2024"), ("fr", "31/01/2024"), ("de", "31.01.2024")],
)
def test_a_dicom_date_is_written_as_the_readers_language_writes_it(lang, expected):
    assert dicom_date("20240131", lang=lang) == expected


def test_the_old_acr_nema_date_form_is_read_too():
    assert dicom_date("2024.01.31", lang="en") == "31/01/2024"


@pytest.mark.parametrize(
    "value", ["", "2024", "202401", "20241", "abcdefgh", "20241340", "20240230", "2024.0131", "2024-01-31x"]
)
def test_a_partial_or_broken_dicom_date_is_shown_as_received_never_guessed(value):
    assert dicom_date(value, lang="en") == value


def test_names_in_exports_carry_dates_that_sort():
    assert dicom_date_sortable("20240131") == "2024-01-31"
    assert dicom_date_sortable("2024.01.31") == "2024-01-31"
    assert [dicom_date_sortable(v) for v in ("2024", "20240230", "")] == ["2024", "20240230", ""]


def test_a_dicom_date_is_trimmed_of_padding():
    assert dicom_date(" 20240131 ", lang="en") == "31/01/2024"
    assert dicom_date("2024 ", lang="en") == "2024"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1405", "14:05"),
        ("14", "14:00"),
        ("140509", "14:05:09"),
        ("140509.123456", "14:05:09"),
        ("14:05:09", "14:05:09"),
        ("235960", "23:59:59"),
    ],
)
def test_a_dicom_time_is_a_24_hour_clock(value, expected):
    assert dicom_time(value, lang="en") == expected


@pytest.mark.parametrize("value", ["", "2", "2500", "1460", "noon", "14050"])
def test_a_broken_dicom_time_is_shown_as_received(value):
    assert dicom_time(value, lang="fr") == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DOE^JANE", "DOE, JANE"),
        ("Doe^John^Q^^", "Doe, John Q"),
        ("DOE^JOHN^Q^DR^JR", "DOE, DR JOHN Q JR"),
        ("Anonymous", "Anonymous"),
        ("DOE^^^^", "DOE"),
        ("^JANE", "JANE"),
        ("^^^DR", "DR"),
        ("DOE^^^^JR", "DOE JR"),
        (" DOE ^ JANE ", "DOE, JANE"),
        ("Yamada^Tarou=山田^太郎=やまだ^たろう", "Yamada, Tarou"),
        ("", ""),
        ("^^^^", ""),
    ],
)
def test_a_person_name_reads_family_comma_then_the_rest_in_speaking_order(value, expected):
    assert person_name(value) == expected


def test_a_moment_is_shown_in_utc_whatever_its_zone():
    paris = datetime(2026, 3, 12, 15, 5, tzinfo=timezone(timedelta(hours=1)))
    assert moment(paris, lang="en") == "12/03/2026 14:05 UTC"
    assert moment(paris.replace(tzinfo=None), lang="en") == "12/03/2026 15:05 UTC"  # naive is UTC
    assert moment(None, lang="en") == ""


def test_a_moment_may_show_seconds_in_every_language():
    at = datetime(2026, 3, 12, 14, 5, 9, tzinfo=UTC)
    assert moment(at, lang="en") == "12/03/2026 14:05 UTC"
    assert moment(at, lang="de", seconds=True) == "12.03.2026 14:05:09 UTC"


def test_translated_sentences_write_their_dates_in_the_same_language():
    at = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)
    assert i18n.translate("fr", "invalid.until_too_late", date=at) == i18n.translate(
        "fr", "invalid.until_too_late", date="12 mars 2026, 14:05 UTC"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-03-12", date(2026, 3, 12)), ("2026-03-12T10:00", date(2026, 3, 12)), ("", None), (None, None)],
)
def test_a_typed_day_is_read_as_iso_or_not_at_all(value, expected):
    assert parse_iso_day(value) == expected


def test_a_typed_day_that_is_not_a_date_is_none():
    assert parse_iso_day("31/01/2024") is None
    assert parse_iso_day("2024-02-30") is None
