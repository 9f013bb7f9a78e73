"""Real local servers for the notify tests: aiosmtpd for SMTP, http.server for an SMS gateway."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

SMTP_USER = "iep-relay"
SMTP_PASSWORD = "correct horse battery staple"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    envelopes: list[Envelope] = field(default_factory=list)
    refuse_recipients: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return f"550 5.1.1 <{address}>: No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    # handled=False: let aiosmtpd send the usual 235 or 535 reply itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    """Start a plain SMTP server (no TLS, no login) on a free local port."""
    yield from _serve(Inbox())


@pytest.fixture
def smtp_server_with_login() -> Iterator[tuple[Controller, Inbox]]:
    """Start an SMTP server that requires AUTH; TLS is waived because it is loopback only."""
    yield from _serve(Inbox(), authenticator=_check_login, auth_required=True, auth_require_tls=False)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """Create a self-signed certificate for 127.0.0.1 with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def trust_certificate(certificate, monkeypatch) -> None:
    """Make the test certificate trusted, as a real CA-signed one would be."""
    # OpenSSL reads SSL_CERT_FILE whenever a default context is created.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def starttls_server(certificate) -> Iterator[tuple[Controller, Inbox]]:
    """Start an SMTP server that requires STARTTLS and a login."""
    yield from _serve(
        Inbox(),
        tls_context=_server_tls(certificate),
        require_starttls=True,
        authenticator=_check_login,
        auth_required=True,
    )


@pytest.fixture
def implicit_tls_server(certificate) -> Iterator[tuple[Controller, Inbox]]:
    """Start an SMTP server that speaks TLS from the first byte (port 465 style)."""
    yield from _serve(Inbox(), ssl_context=_server_tls(certificate))


def _serve(inbox: Inbox, **options) -> Iterator[tuple[Controller, Inbox]]:
    ssl_context = options.pop("ssl_context", None)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=ssl_context, **options)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections but never says a word: a hung server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@dataclass
class RecordedRequest:
    """What the fake SMS gateway received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class _GatewayHandler(BaseHTTPRequestHandler):
    requests: list[RecordedRequest]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.requests.append(RecordedRequest(self.path, dict(self.headers.items()), body))
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/redirect":
            self._answer(302, b"", location="/ok")
        elif self.path in ("/ok", "/slow"):
            self._answer(200, b'{"id": "msg-42", "status": "queued"}', "application/json")
        elif self.path == "/plain":
            self._answer(202, b"queued", "text/plain")
        else:
            # A careless gateway echoes the request, OTP included, in its error page.
            self._answer(500, b"internal error while sending: " + body, "text/plain")

    def _answer(self, status: int, body: bytes, ctype: str = "", location: str = "") -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may have given up waiting (the timeout test): nobody to answer.
        with contextlib.suppress(BrokenPipeError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean


@pytest.fixture
def sms_gateway_server() -> Iterator[tuple[str, list[RecordedRequest]]]:
    """Serve a fake SMS gateway; yield its base URL and the requests it receives."""
    requests: list[RecordedRequest] = []
    handler = type("Handler", (_GatewayHandler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
