"""The image viewport: a React component of our own (assets/iep_viewer/), wrapped for Reflex.

The browser side owns everything that happens per wheel notch or pointer move (canvas,
frame fetching and prefetch, window/level maths, zoom, pan, measurement, cine): a
websocket round trip per input event cannot keep up (see iep_app/dicom/display.py for
why grey-scale windowing runs in the browser). Reflex passes per-gesture facts down as
props and hears per-gesture facts back through the events below.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventHandler, passthrough_event_spec


class Viewport(rx.Component):
    """One viewport; several may sit side by side, each with its own ``viewport`` number."""

    library = "$/public/iep_viewer/IepViewport.jsx"
    tag = "IepViewport"

    # Series manifest URL (api/viewer.py); "" shows an empty viewport.
    src: rx.Var[str]
    # The window choice: {"seq", "kind", "index", "center", "width"}; applied when seq changes.
    preset: rx.Var[dict]
    overlays: rx.Var[bool]
    # This viewport receives browser clicks and presets; ``highlight`` frames it (1x2 only).
    active: rx.Var[bool]
    highlight: rx.Var[bool]
    # The page's translated texts (the catalogue); the component falls back to English.
    labels: rx.Var[dict]
    viewport: rx.Var[int]
    test_id: rx.Var[str]

    # (viewport, instance id, frame): the image shown once scrolling settles.
    on_image: EventHandler[passthrough_event_spec(int, int, int)]
    # (viewport, "custom" | "default"): the person dragged the window, or reset it.
    on_window: EventHandler[passthrough_event_spec(int, str)]
    # (viewport,): the person started working in this viewport.
    on_activate: EventHandler[passthrough_event_spec(int)]
    # (viewport,): an image request was refused: the session is over.
    on_session_ended: EventHandler[passthrough_event_spec(int)]


viewport = Viewport.create
