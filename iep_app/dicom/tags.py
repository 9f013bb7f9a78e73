"""A DICOM header as rows of text for a tag panel, searchable, without reading pixel data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag

MAX_ROWS = 3000  # a header with more rows than this is cut (and says so)
MAX_VALUE = 160  # characters of one value shown
MAX_ITEMS = 50  # items of one sequence shown
MAX_DEPTH = 6  # nesting of sequences shown
_BINARY_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}


@dataclass(frozen=True)
class TagRow:
    """One line of the panel. ``depth`` is the nesting level inside sequences."""

    tag: str
    keyword: str
    name: str
    vr: str
    value: str
    depth: int

    def search_text(self) -> str:
        """What a search looks in: tag (with and without punctuation), names, VR, value."""
        bare = self.tag.replace("(", "").replace(")", "").replace(",", "")
        return f"{self.tag} {bare} {self.keyword} {self.name} {self.vr} {self.value}".lower()

    def matches(self, needle: str) -> bool:
        """Case-insensitive substring match of one word."""
        return needle.lower() in self.search_text()


def tag_rows(ds: Dataset, *, include_meta: bool = True) -> list[TagRow]:
    """List a header as rows: file meta information first, then the data set.

    Values that were not read (deferred pixel data) are described by their length;
    binary values are never shown as bytes.
    """
    rows: list[TagRow] = []
    meta = getattr(ds, "file_meta", None)
    if include_meta and meta is not None:
        _walk(meta, 0, rows)
    _walk(ds, 0, rows)
    if len(rows) > MAX_ROWS:
        rows = rows[:MAX_ROWS]
        rows.append(TagRow("", "", "", "", f"(cut after {MAX_ROWS} rows)", 0))
    return rows


def search(rows: Iterable[TagRow], query: str) -> list[TagRow]:
    """The rows matching every word of a query; all rows for an empty query."""
    words = [w for w in query.lower().split() if w][:8]
    return [row for row in rows if all(row.matches(w) for w in words)]


def _walk(ds: Dataset, depth: int, rows: list[TagRow]) -> None:
    for tag in list(ds.keys()):
        if len(rows) > MAX_ROWS:
            return
        raw = ds.get_item(tag, keep_deferred=True)
        if raw is None:
            continue
        length = int(getattr(raw, "length", 0) or 0)
        if getattr(raw, "value", 0) is None and length:
            # Deferred on reading (pixel data): describe it without loading it.
            rows.append(_row(Tag(tag), raw.VR or "", f"(binary data, {length} bytes)", depth))
            continue
        try:
            elem = ds[tag]
        except Exception:  # a malformed value is listed as such, not a failure
            rows.append(_row(Tag(tag), getattr(raw, "VR", "") or "", "(unreadable value)", depth))
            continue
        if isinstance(elem.value, Sequence) or elem.VR == "SQ":
            _sequence(elem, depth, rows)
        else:
            rows.append(_row(elem.tag, elem.VR, _value_text(elem), depth, elem))


def _sequence(elem: DataElement, depth: int, rows: list[TagRow]) -> None:
    items = list(elem.value or [])
    rows.append(_row(elem.tag, "SQ", f"({len(items)} item{'s' if len(items) != 1 else ''})", depth, elem))
    if depth + 1 >= MAX_DEPTH:
        return
    for number, item in enumerate(items[:MAX_ITEMS], start=1):
        rows.append(TagRow("", "", f"Item {number}", "", "", depth + 1))
        _walk(item, depth + 2, rows)
    if len(items) > MAX_ITEMS:
        rows.append(TagRow("", "", "", "", f"({len(items) - MAX_ITEMS} more items)", depth + 1))


def _row(tag: BaseTag, vr: str, value: str, depth: int, elem: DataElement | None = None) -> TagRow:
    name = elem.name if elem is not None else ""
    keyword = elem.keyword if elem is not None else ""
    if tag.is_private and not keyword:
        name = name if name and name != "Private tag data" else "Private tag"
    return TagRow(
        tag=f"({tag.group:04X},{tag.element:04X})",
        keyword=keyword,
        name=name,
        vr=str(vr),
        value=value,
        depth=depth,
    )


def _value_text(elem: DataElement) -> str:
    value = elem.value
    if elem.VR in _BINARY_VRS or isinstance(value, bytes | bytearray):
        size = len(value) if isinstance(value, bytes | bytearray) else 0
        return f"(binary data, {size} bytes)"
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        text = "\\".join(str(v) for v in value)
    else:
        text = str(value)
    text = text.replace("\x00", "").strip()
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
