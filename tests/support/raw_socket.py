"""A browser tab as any script can play it: Socket.IO over a raw websocket on /_event, one event at a time."""

from __future__ import annotations

import json
import time
import uuid

import simple_websocket

# Reflex's root state answers `hydrate` with the whole state of the tab. Events of one tab are
# handled in order, so the hydrate sent after an event answers only once that event is done.
HYDRATE = "reflex___state____state.hydrate"
_HYDRATED = '"is_hydrated_rx_state_":false'


def event_url(url: str, token: str) -> str:
    return url.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={token}"


class RawTab:
    """One tab's websocket, identified by its client token (a bearer secret, like sessionStorage's)."""

    def __init__(
        self, url: str, token: str | None = None, *, origin: str | None = None, address: str | None = None
    ) -> None:
        self.token = token or str(uuid.uuid4())
        # `address`: the client address a trusted proxy would report (the test portal trusts loopback).
        headers = {
            **({"Origin": origin} if origin else {}),
            **({"X-Forwarded-For": address} if address else {}),
        }
        headers = headers or None
        self._ws = simple_websocket.Client.connect(event_url(url, self.token), headers=headers)
        # The Engine.IO open packet ("0{...}") can be lost when it arrives with the handshake's
        # answer; the namespace can be joined without waiting for it.
        self._ws.send("40/_event,")
        self._read_until(lambda frame: frame.startswith("40/_event"))

    def _read_until(self, done, timeout: float = 20.0) -> list[str]:  # type: ignore[no-untyped-def]
        frames: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self._ws.receive(timeout=0.5)
            if frame is None:
                continue
            if frame == "2":  # Engine.IO ping
                self._ws.send("3")
                continue
            frames.append(str(frame))
            if done(frames[-1]):
                return frames
        raise TimeoutError(f"no answer within {timeout}s; got {[f[:200] for f in frames]}")

    def _send(self, name: str, payload: object, path: str, query: dict[str, str]) -> None:
        router_data = {"pathname": path, "asPath": path, **({"query": query} if query else {})}
        event = {"name": name, "payload": payload, "router_data": router_data}
        self._ws.send("42/_event," + json.dumps(["event", event]))

    def call_many(self, events: list[tuple[str, object]], *, path: str = "/") -> str:
        """Fire several events without waiting between them (one tab's events run in order)."""
        for name, payload in events:
            self._send(name, payload, path, {})
        self._send(HYDRATE, {}, path, {})
        return "\n".join(self._read_until(lambda frame: _HYDRATED in frame, timeout=600))

    def call(
        self, name: str, payload: object, *, path: str = "/", query: dict[str, str] | None = None
    ) -> str:
        """Fire one event and return every frame the server sent until it was handled."""
        self._send(name, payload, path, query or {})
        self._send(HYDRATE, {}, path, query or {})
        return "\n".join(self._read_until(lambda frame: _HYDRATED in frame))

    def close(self) -> None:
        self._ws.close()
