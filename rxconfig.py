"""Reflex configuration, read from the one Settings object and nothing else."""

import reflex as rx

from iep_app.settings import get_settings

_settings = get_settings()

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
)
