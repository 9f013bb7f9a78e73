"""Security headers on every HTTP response of the app: pages, the byte API and Reflex's own routes."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iep_app.settings import get_settings

_COMMON = [
    # The emailed link carries its token in the path: no page may pass it on as a Referer.
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    # Patient images must not be framed by another site (click-jacking of Decline, Forward).
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers above unless a response set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        extra = [_HSTS] if get_settings().public_url.startswith("https://") else []
        self.headers = [*_COMMON, *extra]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(n, v) for n, v in self.headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
