"""Reflex configuration, read from the one Settings object and nothing else."""

import os

import reflex as rx

from iep_app.settings import get_settings

_settings = get_settings()
# Reflex lets REFLEX_<FIELD> override any field, this one too: refuse rather than serve a
# portal whose every state var a client could write through a generated set_<var> handler.
if os.environ.get("REFLEX_STATE_AUTO_SETTERS", "").strip().lower() not in ("", "0", "false", "no"):
    raise SystemExit("REFLEX_STATE_AUTO_SETTERS must not be set: iep's handlers check their own callers.")

config = rx.Config(
    app_name="iep_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    api_url=_settings.public_url,
    deploy_url=_settings.public_url,
    # The websocket accepts any origin unless told otherwise; only our own pages may connect.
    cors_allowed_origins=[_settings.public_url],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    # A portal for patients has no use for a sitemap of its private pages.
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Auto-generated set_<var> handlers would let any client write any state var over the
    # websocket; every handler here is written by hand and checks its own preconditions.
    state_auto_setters=False,
)
