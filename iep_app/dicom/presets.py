"""Window/level choices for a viewer: the file's own windows and presets per modality."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue


@dataclass(frozen=True)
class Preset:
    """A named window in modality units (Hounsfield units for CT)."""

    key: str
    center: float
    width: float


# Widely taught CT windows (centre / width in HU). Keys name catalogue entries
# ("viewer.preset.<key>"), so the labels are translated by the pages.
CT_PRESETS: tuple[Preset, ...] = (
    Preset("brain", 40, 80),
    Preset("subdural", 75, 215),
    Preset("stroke", 40, 40),
    Preset("lung", -600, 1500),
    Preset("mediastinum", 50, 350),
    Preset("abdomen", 50, 400),
    Preset("liver", 30, 150),
    Preset("bone", 400, 1800),
)
_BY_MODALITY = {"CT": CT_PRESETS}

# Choices every grey-scale series has, besides the file's windows and modality presets.
DEFAULT = "default"  # each image's own first window, else its value range
AUTO = "auto"  # the value range of the image on screen
CUSTOM = "custom"  # whatever the person dragged to; never chosen from a list
FILE_PREFIX = "file:"  # file:N, the N-th window of each image


@dataclass(frozen=True)
class FileWindow:
    """One Window Center/Width pair of a header, with its explanation if any."""

    center: float
    width: float
    explanation: str


def presets_for(modality: str) -> tuple[Preset, ...]:
    """The fixed presets offered for a modality (none but CT's are standard)."""
    return _BY_MODALITY.get(modality.strip().upper(), ())


def file_windows(ds: Dataset, *, limit: int = 8) -> list[FileWindow]:
    """Every usable Window Center/Width pair of a header, in file order.

    Args:
        ds: a header.
        limit: at most this many (a malformed file may list hundreds).
    """
    centers = _as_list(ds.get("WindowCenter"))
    widths = _as_list(ds.get("WindowWidth"))
    explanations = _as_list(ds.get("WindowCenterWidthExplanation"))
    found = []
    for index, (center, width) in enumerate(zip(centers, widths, strict=False)):
        try:
            c, w = float(center), float(width)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(c) and math.isfinite(w)) or w <= 0:
            continue
        text = str(explanations[index]).strip() if index < len(explanations) else ""
        found.append(FileWindow(center=c, width=w, explanation=text[:64]))
        if len(found) == limit:
            break
    return found


@dataclass(frozen=True)
class Choice:
    """One entry of a window menu; ``window`` is None for per-image choices."""

    key: str
    window: FileWindow | Preset | None


def choices(modality: str, windows: list[FileWindow]) -> list[Choice]:
    """Every window choice a series offers, in menu order: the file's, presets, auto."""
    found = [Choice(DEFAULT, None)]
    found += [Choice(f"{FILE_PREFIX}{i}", w) for i, w in enumerate(windows)]
    found += [Choice(p.key, p) for p in presets_for(modality)]
    found.append(Choice(AUTO, None))
    return found


def choice_keys(modality: str, file_window_count: int) -> list[str]:
    """Every window choice key a series accepts (``custom`` is never requested)."""
    return [c.key for c in choices(modality, [FileWindow(0, 1, "")] * file_window_count)]


def resolve(key: str, modality: str) -> dict[str, object] | None:
    """What a viewer must apply for a choice: {"kind", "index", "center", "width"}.

    Returns:
        None for keys this modality does not offer (``custom`` included: it is reported
        by the viewer, never requested).
    """
    if key in (DEFAULT, AUTO):
        return {"kind": key, "index": 0, "center": 0.0, "width": 0.0}
    if key.startswith(FILE_PREFIX):
        number = key[len(FILE_PREFIX) :]
        if number.isdigit() and int(number) < 8:
            return {"kind": "file", "index": int(number), "center": 0.0, "width": 0.0}
        return None
    for preset in presets_for(modality):
        if preset.key == key:
            return {"kind": "fixed", "index": 0, "center": preset.center, "width": preset.width}
    return None


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]
