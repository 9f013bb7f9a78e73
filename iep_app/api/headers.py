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
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Pages load code, styles, images and their websocket from this origin only; no plugin, no
# <base> rewrite, no form posted elsewhere. Reflex's pages need inline scripts (the router's
# hydration data) and eval (rx.call_script runs its code with it): script-src cannot drop
# 'unsafe-inline' or 'unsafe-eval' without breaking every page.
_PAGE_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)
# Images, zips and PDFs keep only the framing rule: a stricter policy on a PDF stops the
# browser's own viewer from showing it.
_BYTES_POLICY = b"frame-ancestors 'none'"
_CSP = b"content-security-policy"
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
                present = {name.lower(): value for name, value in message.get("headers", [])}
                page = present.get(b"content-type", b"").startswith(b"text/html")
                policy = [(_CSP, _PAGE_POLICY if page else _BYTES_POLICY)]
                added = [(n, v) for n, v in [*self.headers, *policy] if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
