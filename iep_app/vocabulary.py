"""How values are written for people: DICOM dates, times and person names, and timestamps.

The one owner of these forms: recipient and staff pages and exports all call it, so a birth
date or a patient's name reads the same wherever it is shown. Days are written as the product
writes them, DD/MM/YYYY (DD.MM.YYYY in German), times on a 24-hour clock with their zone;
e-mails spell the month out (``i18n.format_datetime``), since they are read far from the portal.
``dicom/`` imports this module too, so it imports only ``i18n`` (plain Python over babel):
never the database, reflex or services.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from iep_app.i18n import format_numeric_date, format_time

# DA is YYYYMMDD; ACR-NEMA files still carry YYYY.MM.DD, which PS3.5 asks readers to accept.
_DICOM_DATE = re.compile(r"(?P<year>\d{4})(\.?)(?P<month>\d{2})\2(?P<day>\d{2})")
# TM is HH[MM[SS[.FFFFFF]]]; older files write HH:MM:SS.
_DICOM_TIME = re.compile(r"(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.\d{1,6})?)?)?")


def dicom_date(value: str, *, lang: str | None) -> str:
    """A DICOM date (DA) as pages write days.

    Args:
        value: The attribute's text, e.g. ``"20240131"``.
        lang: A language tag.

    Returns:
        ``"31/01/2024"`` (German ``"31.01.2024"``); a value that is not a whole calendar date
        (``"2024"``, ``"20241340"``) is shown as received, never guessed.
    """
    text = str(value or "").strip()
    day = _calendar_day(text)
    return text if day is None else format_numeric_date(lang, day)


def dicom_date_sortable(value: str) -> str:
    """A DICOM date as YYYY-MM-DD, for folder and file names, which sort by it.

    The same in every language: an export's folders list studies oldest first in any file
    manager, and its README names them the same way. Pages use ``dicom_date``.

    Returns:
        ``"2024-01-31"``; a value that is not a whole calendar date as received.
    """
    text = str(value or "").strip()
    day = _calendar_day(text)
    return text if day is None else day.isoformat()


def _calendar_day(text: str) -> date | None:
    found = _DICOM_DATE.fullmatch(text)
    if found is None:
        return None
    try:
        return date(int(found["year"]), int(found["month"]), int(found["day"]))
    except ValueError:
        return None


def dicom_time(value: str, *, lang: str | None) -> str:
    """A DICOM time (TM) as a 24-hour clock: ``"1405"`` -> ``"14:05"``, ``"140509.25"`` -> ``"14:05:09"``.

    Args:
        value: The attribute's text.
        lang: A language tag.

    Returns:
        Hours and minutes, with seconds when the value has them; anything else as received.
    """
    text = str(value or "").strip()
    found = _DICOM_TIME.fullmatch(text)
    if found is None:
        return text
    hours, minutes, seconds = (int(part) if part else None for part in found.groups())
    try:
        # DICOM allows a leap second (60); a clock shows it as 59.
        clock = time(hours or 0, minutes or 0, min(seconds or 0, 59))
    except ValueError:
        return text
    return format_time(lang, clock, seconds=seconds is not None)


def person_name(value: str) -> str:
    """A DICOM person name (PN) as people write it: ``"FAMILY, Prefix Given Middle Suffix"``.

    Only the alphabetic group is shown (ideographic and phonetic groups follow an ``=``); empty
    components are left out, and the family name keeps the case it was written in.

    Args:
        value: ``Family^Given^Middle^Prefix^Suffix``, e.g. ``"DOE^JANE^Q^DR"``.

    Returns:
        ``"DOE, DR JANE Q"``; ``"Anonymous"`` for a family name alone; ``""`` for none.
    """
    alphabetic = str(value or "").split("=", 1)[0]
    family, given, middle, prefix, suffix = ([p.strip() for p in alphabetic.split("^")] + [""] * 5)[:5]
    first = " ".join(p for p in (prefix, given, middle) if p)
    name = ", ".join(p for p in (family, first) if p)
    return f"{name} {suffix}".strip()


def moment(value: datetime | None, *, lang: str | None, seconds: bool = False) -> str:
    """A timestamp in UTC as pages write it: ``"12/03/2026 14:05 UTC"``, the product's form.

    Args:
        value: The moment; a naive value is UTC (what the database stores); None for none.
        lang: A language tag.
        seconds: Show the seconds too (an audit timeline).

    Returns:
        The text, or ``""`` for None.
    """
    if value is None:
        return ""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{format_numeric_date(lang, utc.date())} {format_time(lang, utc, seconds=seconds)} UTC"


def parse_iso_day(value: object) -> date | None:
    """A day typed in a form as YYYY-MM-DD (what ``<input type="date">`` sends), or None."""
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None
