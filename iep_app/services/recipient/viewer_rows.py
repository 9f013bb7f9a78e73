"""Plain rows the viewer page shows: series browser entries, window menus, tag panel lines.

The viewer's state copies these into its vars; building them here keeps the state thin and
lets unit tests check them without a browser. ``text`` is a translation function
(catalogue key and placeholders to words), so no row depends on Reflex.
"""

from __future__ import annotations

from collections.abc import Callable

from iep_app import routes
from iep_app.dicom.index import InstanceKind
from iep_app.dicom.presets import CUSTOM, DEFAULT, Choice, FileWindow, Preset, choice_keys, choices, resolve
from iep_app.dicom.tags import TagRow
from iep_app.services.recipient.viewing import Browser, SeriesLook

Text = Callable[..., str]


def series_rows(browser: Browser, *, public_id: str, text: Text) -> list[dict[str, str]]:
    """One row per image series; the first of each study carries the study's heading."""
    rows = []
    for study in browser.studies:
        heading = " · ".join(p for p in (study.date, study.description) if p)
        for position, series in enumerate(study.series):
            title = series.description or text("viewer.series_number", number=series.number or "?")
            rows.append(
                {
                    "key": str(series.series_pk),
                    "title": title,
                    "modality": series.modality or "?",
                    "count": _count(series.image_count, text),
                    "thumbnail": routes.thumbnail_url(public_id, series.thumbnail_pk),
                    "study": heading or text("viewer.study"),
                    "first_in_study": "1" if position == 0 else "",
                }
            )
    return rows


def _count(images: int, text: Text) -> str:
    return text("viewer.images_count_one") if images == 1 else text("viewer.images_count", count=images)


def object_rows(browser: Browser, *, public_id: str, text: Text) -> list[dict[str, str]]:
    """Non-image objects; PDFs get a URL that opens them, the rest say they cannot be shown."""
    rows = []
    for study in browser.studies:
        for item in study.objects:
            kind = text(f"viewer.kind.{item.kind if item.kind in set(InstanceKind) else InstanceKind.OTHER}")
            title = item.description or kind
            is_pdf = item.kind == InstanceKind.PDF
            note = text("viewer.not_viewable")
            rows.append(
                {
                    "key": str(item.instance_pk),
                    "title": title,
                    "url": routes.document_url(public_id, item.instance_pk) if is_pdf else "",
                    # What it is and why it does not open; the kind once, not twice.
                    "detail": "" if is_pdf else (note if title == kind else f"{kind} · {note}"),
                }
            )
    return rows


def window_options(modality: str, look: SeriesLook, *, text: Text) -> list[dict[str, str]]:
    """The window menu of a series, with "Custom" last (shown after a drag, never chosen)."""
    if look.colour:
        return [{"key": "default", "label": text("viewer.preset.colour")}]
    options = [_option(choice, text) for choice in choices(modality, look.windows)]
    options.append({"key": CUSTOM, "label": text("viewer.preset.custom")})
    return options


def _option(choice: Choice, text: Text) -> dict[str, str]:
    window = choice.window
    if isinstance(window, FileWindow):
        number = int(choice.key.split(":")[1]) + 1
        name = window.explanation.title() or text("viewer.preset.file", number=number)
        label = f"{name} ({window.center:g}/{window.width:g})"
    elif isinstance(window, Preset):
        label = f"{text(f'viewer.preset.{window.key}')} ({window.center:g}/{window.width:g})"
    else:
        label = text(f"viewer.preset.{choice.key}")
    return {"key": choice.key, "label": label}


def tag_lines(rows: list[TagRow]) -> list[dict[str, str]]:
    """Tag rows as strings for the panel; ``indent`` is a CSS length for the nesting and
    ``search`` the lower-case text a query is matched against."""
    return [
        {
            "tag": row.tag,
            "name": row.name or row.keyword,
            "vr": row.vr,
            "value": row.value,
            "indent": f"{row.depth * 0.8:g}em",
            "search": row.search_text(),
        }
        for row in rows
    ]


def filter_lines(lines: list[dict[str, str]], query: str, limit: int = 2000) -> list[dict[str, str]]:
    """The lines matching every word of a query (as ``tags.search`` does for rows)."""
    words = query.lower().split()[:8]
    return [line for line in lines if all(w in line["search"] for w in words)][:limit]


# The window choices as the viewer state handles them, so states need not reach into dicom/.
DEFAULT_WINDOW = DEFAULT  # each image's own first window, else its value range
CUSTOM_WINDOW = CUSTOM  # whatever the person dragged to


def offers_window(key: str, modality: str, file_window_count: int) -> bool:
    """Tell whether a series of this modality, with this many windows in its files, offers a choice."""
    return key in choice_keys(modality, file_window_count)


def window_values(key: str, modality: str) -> dict[str, object]:
    """What the viewer applies for a choice: {"kind", "index", "center", "width"} ({} if unknown)."""
    return resolve(key, modality) or {}
