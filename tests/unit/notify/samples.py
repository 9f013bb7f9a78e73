"""Sample messages and an HTML link finder shared by the notify tests."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from iep_app.notify.templates import RenderedMessage, link_email

LINK_URL = "https://portal.example.org/p/Zm9vYmFy?lang=en&src=mail"
AVAILABLE_UNTIL = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
TRANSACTION_ID = "TX-2026-000123"
# Patient data that lives in the study but must never reach an email.
PATIENT_NAME = "DOE^JANE"
PATIENT_ID = "MRN-99887766"


def sample_link_email(lang: str = "en", **overrides: object) -> RenderedMessage:
    """Render a link email with realistic values; keyword arguments replace them."""
    values: dict[str, object] = {
        "lang": lang,
        "organisation": "St Elsewhere Hospital",
        "recipient_name": "Dr Alex Morgan",
        "link_url": LINK_URL,
        "available_until": AVAILABLE_UNTIL,
        "transaction_id": TRANSACTION_ID,
        "message_waiting": True,
    }
    values.update(overrides)
    return link_email(**values)  # type: ignore[arg-type]


class _AnchorCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, "".join(self._text).strip()))
            self._href = None


def anchors(html: str) -> list[tuple[str, str]]:
    """Return (href, visible text) for every link in an HTML document, entities decoded."""
    collector = _AnchorCollector()
    collector.feed(html)
    return collector.anchors
