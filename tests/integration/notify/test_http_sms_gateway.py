"""The HTTP SMS gateway posts the agreed JSON with a bearer token and reports failures safely."""

from __future__ import annotations

import httpx
import pytest

from iep_app.notify.sms import HttpSmsGateway, SmsDeliveryFailed
from tests.integration.notify.conftest import free_port

TOKEN = "sms-token-s3cret"
PHONE = "+447700900123"
TEXT = "St Elsewhere: your one-time password is 482913."


async def test_posts_json_with_bearer_token_and_returns_the_message_id(sms_gateway_server):
    base, requests = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/ok", token=TOKEN)
    assert await gateway.send(to=PHONE, text=TEXT) == "msg-42"

    (request,) = requests
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"to": PHONE, "text": TEXT}


async def test_sender_and_reference_are_sent_when_given(sms_gateway_server):
    base, requests = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/ok", token=TOKEN, sender="StElsewhere")
    await gateway.send(to=PHONE, text=TEXT, reference="otp-7f3a")
    assert requests[0].json() == {
        "to": PHONE,
        "text": TEXT,
        "sender": "StElsewhere",
        "reference": "otp-7f3a",
    }


async def test_a_2xx_answer_without_json_is_success_without_id(sms_gateway_server):
    base, _ = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/plain", token=TOKEN)
    assert await gateway.send(to=PHONE, text=TEXT) is None


async def test_server_error_raises_without_token_text_or_full_number(sms_gateway_server, caplog):
    base, _ = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/fail", token=TOKEN)
    with pytest.raises(SmsDeliveryFailed, match="HTTP 500") as failure:
        await gateway.send(to=PHONE, text=TEXT)
    for leaked in (TOKEN, "482913", PHONE):
        assert leaked not in str(failure.value)
        assert leaked not in caplog.text
    assert "+44 **** ***123" in str(failure.value)


async def test_slow_gateway_times_out(sms_gateway_server):
    base, _ = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/slow", token=TOKEN, timeout=0.3)
    with pytest.raises(SmsDeliveryFailed, match="no answer within 0.3 s"):
        await gateway.send(to=PHONE, text=TEXT)


async def test_unreachable_gateway_raises():
    gateway = HttpSmsGateway(url=f"http://127.0.0.1:{free_port()}/send", token=TOKEN)
    with pytest.raises(SmsDeliveryFailed, match="unreachable"):
        await gateway.send(to=PHONE, text=TEXT)


async def test_redirects_are_not_followed(sms_gateway_server):
    # Following one would send the bearer token and the code wherever the answer points.
    base, requests = sms_gateway_server
    gateway = HttpSmsGateway(url=f"{base}/redirect", token=TOKEN)
    with pytest.raises(SmsDeliveryFailed, match="HTTP 302"):
        await gateway.send(to=PHONE, text=TEXT)
    assert [r.path for r in requests] == ["/redirect"]


async def test_a_given_client_is_used_and_left_open(sms_gateway_server):
    base, requests = sms_gateway_server
    async with httpx.AsyncClient() as client:
        gateway = HttpSmsGateway(url=f"{base}/ok", token=TOKEN, client=client)
        await gateway.send(to=PHONE, text=TEXT)
        await gateway.send(to=PHONE, text=TEXT)
        assert not client.is_closed
    assert len(requests) == 2
