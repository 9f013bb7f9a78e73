"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives, for tests."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


class SmtpSink:
    """Start with .start(); read .messages; wait_for() polls for a matching message."""

    def __init__(self) -> None:
        self.port = free_port()
        self._keeper = _Keeper()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._keeper.lock:
            return list(self._keeper.messages)

    def wait_for(
        self, *, to: str, subject_contains: str = "", after: int = 0, timeout: float = 15.0
    ) -> EmailMessage:
        """The first message to `to` among those received after the first `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages[after:]:
                if to in str(message["To"]) and subject_contains in str(message["Subject"]):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no email to {to} with {subject_contains!r} within {timeout}s")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def one_time_password(message: EmailMessage) -> str:
    found = re.search(r"\b(\d{6})\b", text_of(message))
    assert found, "no 6-digit code in the message"
    return found.group(1)


def start_link(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/t/[A-Za-z0-9_\-]+", text_of(message))
    assert found, "no start link in the message"
    return found.group(0)
