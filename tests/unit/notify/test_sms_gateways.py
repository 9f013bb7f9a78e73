"""The log gateway never records the text; the HTTP gateway refuses unsafe endpoints."""

from __future__ import annotations

import logging

import pytest

from iep_app.notify.sms import HttpSmsGateway, LogSmsGateway, SmsGateway


async def test_log_gateway_logs_a_masked_number_and_never_the_text(caplog):
    caplog.set_level(logging.DEBUG)
    result = await LogSmsGateway().send(to="+447700900123", text="Your code is 482913")
    assert result is None
    assert "+44 **** ***123" in caplog.text
    assert "482913" not in caplog.text
    assert "7700900123" not in caplog.text


def test_both_gateways_satisfy_the_protocol():
    assert isinstance(LogSmsGateway(), SmsGateway)
    assert isinstance(HttpSmsGateway(url="https://sms.example.org/send", token="t"), SmsGateway)


@pytest.mark.parametrize(
    "url", ["http://sms.example.org/send", "ftp://sms.example.org/", "sms.example.org/send", ""]
)
def test_http_gateway_refuses_clear_text_or_non_web_urls(url):
    with pytest.raises(ValueError):
        HttpSmsGateway(url=url, token="t")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/send", "http://localhost/send", "http://[::1]/"])
def test_http_gateway_allows_clear_text_to_this_machine(url):
    HttpSmsGateway(url=url, token="t")


def test_http_gateway_repr_hides_token_and_query():
    gateway = HttpSmsGateway(url="https://user:pw@sms.example.org/send?key=abc", token="tok-secret")
    text = repr(gateway)
    assert "tok-secret" not in text and "abc" not in text and "pw" not in text
