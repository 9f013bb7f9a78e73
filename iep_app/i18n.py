"""Translation catalogues (iep_app/locales/<lang>.json), language choice and date formatting."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType

from babel.core import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_skeleton as _babel_format_skeleton
from babel.dates import format_time as _babel_format_time

DEFAULT_LANGUAGE = "en"
# Order is the order of the "Preferred language" list.
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "de")

# Babel locale used for dates. English uses day-month-year ("12 March 2026"), which readers
# outside the US do not misread; the month is always spelled out, so no reader can.
_BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR", "de": "de_DE"}
# Pages write days as numbers, day first, with a four-digit year: the product's "DD/MM/YYYY".
_NUMERIC_DATES = {"en": "dd/MM/yyyy", "fr": "dd/MM/yyyy", "de": "dd.MM.yyyy"}

_LOCALES_DIR = Path(__file__).parent / "locales"


def _reject_duplicate_keys(pairs: list[tuple[str, str]]) -> dict[str, str]:
    # json.load silently keeps the last of two equal keys, which hides a translation.
    result: dict[str, str] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate translation key {key!r}")
        result[key] = value
    return result


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """Return the read-only catalogue of one supported language.

    Args:
        lang: A code from SUPPORTED_LANGUAGES.

    Returns:
        A mapping from stable key (``"start.button"``) to translated text.

    Raises:
        KeyError: If ``lang`` is not supported.
    """
    if lang not in SUPPORTED_LANGUAGES:
        raise KeyError(f"unsupported language {lang!r}")
    path = _LOCALES_DIR / f"{lang}.json"
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle, object_pairs_hook=_reject_duplicate_keys)
    return MappingProxyType(data)


def normalise_language(lang: str | None) -> str:
    """Map a language tag to a supported language code.

    Args:
        lang: A tag such as ``"fr"``, ``"fr-CA"``, ``"DE_de"`` or None.

    Returns:
        The supported base language, or DEFAULT_LANGUAGE when there is none.
    """
    if not lang:
        return DEFAULT_LANGUAGE
    base = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def negotiate_language(accept_language: str | None) -> str:
    """Pick the best supported language from an HTTP Accept-Language header.

    Args:
        accept_language: The header value, e.g. ``"de-CH,de;q=0.9,en;q=0.8"``, or None.

    Returns:
        A code from SUPPORTED_LANGUAGES; DEFAULT_LANGUAGE when nothing matches.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        base = tag.strip().replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and base in SUPPORTED_LANGUAGES:
            # Ties keep the header's order: sort on -position as the second key.
            ranked.append((quality, -position, base))
    return max(ranked)[2] if ranked else DEFAULT_LANGUAGE


def translate(lang: str | None, key: str, **params: object) -> str:
    """Return the text of ``key`` in ``lang``, with its {placeholders} filled in.

    Unknown languages fall back to English. The result is plain text: escape it before
    putting it into HTML.

    Args:
        lang: A language tag; see normalise_language.
        key: A stable key such as ``"otp.sent"``.
        **params: Values for the placeholders, e.g. ``destination="j***@e***.com"``.

    Returns:
        The translated text.

    Raises:
        KeyError: If the key is unknown in English too, or a placeholder has no value.
    """
    texts = catalogue(normalise_language(lang))
    text = texts.get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE)[key]
    # Only the catalogue text is a format string; values are inserted as they are, except
    # dates and times, which are written the way this language writes them.
    return text.format_map({name: _as_text(lang, value) for name, value in params.items()})


def _as_text(lang: str | None, value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(lang, value)
    if isinstance(value, date):
        return format_date(lang, value)
    return value


def language_names() -> dict[str, str]:
    """Return each supported language's name in that language, for a language picker.

    Returns:
        ``{"en": "English", "fr": "Français", "de": "Deutsch"}``, in list order.
    """
    return {lang: catalogue(lang)["language.name"] for lang in SUPPORTED_LANGUAGES}


def _babel_locale(lang: str | None) -> Locale:
    return Locale.parse(_BABEL_LOCALES[normalise_language(lang)])


def _utc_offset(offset: timedelta) -> str:
    # Babel's zone names vary by language ("TU", "+0100", "MEZ"); an offset reads the same
    # everywhere and cannot be misread.
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def format_date(lang: str | None, value: date, *, compact: bool = False) -> str:
    """Format a date the way readers of ``lang`` write it, with the month in words.

    Args:
        lang: A language tag.
        value: A date, or a datetime (its own time zone decides the day).
        compact: The short form, for tables (German writes the month as a number there).

    Returns:
        For example ``"12 March 2026"``, ``"12 mars 2026"``, ``"12. März 2026"``; compact
        ``"12 Mar 2026"``, ``"12 mars 2026"``, ``"12.03.2026"``.
    """
    return _babel_format_date(value, "medium" if compact else "long", locale=_babel_locale(lang))


def format_numeric_date(lang: str | None, value: date) -> str:
    """Format a day as pages show it: ``"31/01/2024"`` (English, French), ``"31.01.2024"`` (German)."""
    return _babel_format_date(value, _NUMERIC_DATES[normalise_language(lang)], locale=_babel_locale(lang))


def format_day_month(lang: str | None, value: date) -> str:
    """Format a day without its year, for a chart of one week: ``"12 Mar"``, ``"12. März"``."""
    return _babel_format_skeleton("dMMM", value, locale=_babel_locale(lang))


def format_time(lang: str | None, value: time | datetime, *, seconds: bool = False) -> str:
    """Format a time of day (24-hour in every supported language): ``"14:05"``, ``"14:05:09"``."""
    return _babel_format_time(value, "medium" if seconds else "short", locale=_babel_locale(lang))


def format_datetime(
    lang: str | None, value: datetime, *, compact: bool = False, seconds: bool = False
) -> str:
    """Format a date and time (hours and minutes) for ``lang``, in ``value``'s own zone.

    Convert ``value`` to the zone the reader expects before calling. An aware value is
    shown with its offset from UTC; a naive one without.

    Args:
        lang: A language tag.
        value: The moment to show.
        compact: The short date form (see format_date), for tables.
        seconds: Show the seconds too (an audit timeline).

    Returns:
        For example ``"12 March 2026, 14:05 UTC"`` or ``"12 mars 2026, 15:05 UTC+01:00"``.
    """
    locale = _babel_locale(lang)
    day = format_date(lang, value, compact=compact)
    clock = format_time(lang, value, seconds=seconds)
    offset = value.utcoffset()
    if offset is not None:
        clock = f"{clock} {_utc_offset(offset)}"
    pattern = str(locale.datetime_formats["long"])
    return pattern.replace("{1}", day).replace("{0}", clock)
