"""What every recipient state shares: settings, the clock, the client address, translations."""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from iep_app.i18n import catalogue, normalise_language, translate
from iep_app.models import DisplayStatus, utcnow
from iep_app.services import client_address
from iep_app.settings import Settings, get_settings

# What a recipient is told about a package that can no longer be opened, by its reason.
CLOSED_KEYS = {
    DisplayStatus.EXPIRED: "package.expired",
    DisplayStatus.DECLINED: "package.declined",
    DisplayStatus.REVOKED: "package.withdrawn",
}


def settings() -> Settings:
    return get_settings()


def now() -> datetime:
    return utcnow()


class I18nState(rx.State):
    """The recipient's language; pages read their words from `tr`."""

    lang: str = "en"

    @rx.var
    def tr(self) -> dict[str, str]:
        return dict(catalogue(normalise_language(self.lang)))

    def _text(self, key: str, **params: object) -> str:
        """One translated sentence for a message set from Python."""
        return translate(normalise_language(self.lang), key, **params)

    def _client_ip(self) -> str:
        """The address of the websocket's client (client_address.resolve decides whose)."""
        forwarded = self.router.headers.raw_headers.get("x-forwarded-for", "")
        return client_address.resolve(
            self.router.session.client_ip or "", forwarded, settings().trusted_proxies
        )
