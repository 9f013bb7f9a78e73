"""SMS gateways behind one small interface: a log-only default and a JSON-over-HTTP one."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx

from iep_app.notify.masking import mask_phone
from iep_app.notify.net import is_loopback

logger = logging.getLogger(__name__)

# Keys under which HTTP gateways commonly return their message id, in order of preference.
_ID_KEYS = ("id", "message_id", "messageId", "sid")


class SmsDeliveryFailed(Exception):
    """The SMS gateway could not be reached or refused the message.

    The message is safe to store: it holds neither the token nor the text (the OTP).
    """


@runtime_checkable
class SmsGateway(Protocol):
    """Anything that can send one text message."""

    async def send(self, *, to: str, text: str) -> str | None:
        """Send ``text`` to the phone number ``to`` (E.164); return the provider's id, if any."""
        ...


class LogSmsGateway:
    """Sends nothing: logs that an SMS was queued, for development and for sites without SMS.

    Only the masked number and the length are logged: the text holds a one-time password,
    and logs are read by more people, and kept longer, than the password is valid.
    """

    async def send(self, *, to: str, text: str) -> str | None:
        """Log the masked destination and the text's length; return None."""
        logger.info("SMS to %s queued (log gateway, not sent; %d characters)", mask_phone(to), len(text))
        return None


class HttpSmsGateway:
    """Posts each SMS as JSON to an HTTP gateway, authenticated with a bearer token.

    The request is ``POST url`` with ``{"to", "text"}`` plus ``"sender"`` and ``"reference"``
    when given. Any 2xx answer is success; redirects are not followed, so the token is
    never sent to another address.
    """

    def __init__(
        self,
        *,
        url: str,
        token: str,
        sender: str | None = None,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Configure the gateway.

        Args:
            url: The gateway's endpoint; https, or http only to this machine.
            token: The bearer token.
            sender: The sender name or number to show on phones, if the gateway allows it.
            timeout: Seconds for connecting and for the answer.
            client: An httpx client to reuse (the caller closes it); one per send if None.

        Raises:
            ValueError: If the URL is not http(s), or is plain http to another machine.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("SMS gateway url must be an absolute http(s) URL")
        # Over plain http the token and the one-time passwords would cross the network
        # readable by anyone on the path.
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("SMS gateway url must use https unless it is on localhost")
        self._url = url
        # Errors name the gateway by host only: a query string may hold an API key.
        self._where = parts.netloc.rpartition("@")[2]
        self._token = token
        self._sender = sender
        self._timeout = timeout
        self._client = client

    def __repr__(self) -> str:
        return f"HttpSmsGateway(host={self._where!r}, sender={self._sender!r})"

    async def send(self, *, to: str, text: str, reference: str | None = None) -> str | None:
        """Send one SMS.

        Args:
            to: The phone number, E.164 (``"+447700900123"``).
            text: The message.
            reference: Our own id for the message, echoed in delivery reports if supported.

        Returns:
            The gateway's message id when its JSON answer has one, else None.

        Raises:
            SmsDeliveryFailed: On a network error, a timeout or a non-2xx answer.
        """
        payload: dict[str, str] = {"to": to, "text": text}
        if self._sender:
            payload["sender"] = self._sender
        if reference:
            payload["reference"] = reference
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            if self._client is not None:
                response = await self._post(self._client, payload, headers)
            else:
                async with httpx.AsyncClient() as client:
                    response = await self._post(client, payload, headers)
        except httpx.TimeoutException as exc:
            raise self._failed(to, f"no answer within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise self._failed(to, f"unreachable ({type(exc).__name__})") from exc
        if not response.is_success:
            # The body is not quoted: a gateway may echo the text, which holds the OTP.
            raise self._failed(to, f"answered HTTP {response.status_code}")
        return _message_id(response)

    async def _post(
        self, client: httpx.AsyncClient, payload: dict[str, str], headers: dict[str, str]
    ) -> httpx.Response:
        return await client.post(
            self._url, json=payload, headers=headers, timeout=self._timeout, follow_redirects=False
        )

    def _failed(self, to: str, reason: str) -> SmsDeliveryFailed:
        message = f"SMS to {mask_phone(to)} via {self._where} failed: {reason}"
        logger.warning(message)
        return SmsDeliveryFailed(message)


def _message_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in _ID_KEYS:
        value = data.get(key)
        if value not in (None, ""):
            return str(value)
    return None
