"""The link email reaches a real SMTP server intact; failures become readable errors."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from iep_app.notify.mail import MailConfig, MailDeliveryFailed, build_email, send_email
from tests.integration.notify.conftest import SMTP_PASSWORD, SMTP_USER, free_port
from tests.unit.notify.samples import (
    LINK_URL,
    PATIENT_ID,
    PATIENT_NAME,
    anchors,
    sample_link_email,
)

TO = "gp.surgery@example.org"
# aiosmtpd warns when a server takes logins without TLS; these servers are loopback only.
_PLAIN_LOGIN = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _link_mail():
    return build_email(mail_from="iep@hospital.example", to=TO, message=sample_link_email())


def _received(inbox):
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    return envelope, message_from_bytes(envelope.original_content, policy=policy.default)


async def test_link_email_arrives_as_text_and_html_with_the_start_link(smtp_server):
    controller, inbox = smtp_server
    config = MailConfig(host="127.0.0.1", port=controller.port, tls="none")
    await send_email(config, _link_mail())

    envelope, received = _received(inbox)
    assert envelope.mail_from == "iep@hospital.example"
    assert envelope.rcpt_tos == [TO]
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert LINK_URL in text
    assert (LINK_URL, "Click here to start") in anchors(html)
    raw = envelope.original_content.decode("utf-8", "replace")
    for patient_data in (PATIENT_NAME, PATIENT_ID, "DOE", "JANE"):
        assert patient_data not in raw


@_PLAIN_LOGIN
async def test_login_with_the_right_password_delivers(smtp_server_with_login):
    controller, inbox = smtp_server_with_login
    config = MailConfig(
        host="127.0.0.1", port=controller.port, tls="none", user=SMTP_USER, password=SMTP_PASSWORD
    )
    await send_email(config, _link_mail())
    assert len(inbox.envelopes) == 1


@_PLAIN_LOGIN
async def test_wrong_password_fails_without_revealing_it(smtp_server_with_login):
    controller, inbox = smtp_server_with_login
    config = MailConfig(
        host="127.0.0.1", port=controller.port, tls="none", user=SMTP_USER, password="wrong-pw-42"
    )
    with pytest.raises(MailDeliveryFailed) as failure:
        await send_email(config, _link_mail())
    assert "login refused" in str(failure.value)
    assert "wrong-pw-42" not in str(failure.value)
    assert not inbox.envelopes


async def test_closed_port_raises_a_readable_error():
    port = free_port()
    config = MailConfig(host="127.0.0.1", port=port, tls="none", timeout=5)
    with pytest.raises(MailDeliveryFailed) as failure:
        await send_email(config, _link_mail())
    message = str(failure.value)
    assert message.startswith(f"sending email via 127.0.0.1:{port} failed: ")
    assert "\n" not in message


async def test_server_that_never_answers_times_out(silent_port):
    config = MailConfig(host="127.0.0.1", port=silent_port, tls="none", timeout=0.5)
    with pytest.raises(MailDeliveryFailed, match="timed out"):
        await send_email(config, _link_mail())


async def test_refused_recipient_is_reported_with_the_servers_reason(smtp_server):
    controller, inbox = smtp_server
    inbox.refuse_recipients = True
    config = MailConfig(host="127.0.0.1", port=controller.port, tls="none")
    with pytest.raises(MailDeliveryFailed, match="recipient refused: 550 5.1.1") as failure:
        await send_email(config, _link_mail())
    # The server quoted the address; what is stored and logged shows it masked only.
    message = _link_mail()
    assert str(message["To"]) not in str(failure.value)
    assert "No such user" in str(failure.value) and "***@" in str(failure.value)


async def test_starttls_mode_refuses_a_server_without_starttls(smtp_server):
    # Falling back to clear text would expose the login and the link to the network.
    controller, inbox = smtp_server
    config = MailConfig(host="127.0.0.1", port=controller.port, tls="starttls")
    with pytest.raises(MailDeliveryFailed):
        await send_email(config, _link_mail())
    assert not inbox.envelopes


async def test_starttls_with_a_trusted_certificate_logs_in_and_delivers(starttls_server, trust_certificate):
    controller, inbox = starttls_server
    config = MailConfig(host="127.0.0.1", port=controller.port, user=SMTP_USER, password=SMTP_PASSWORD)
    await send_email(config, _link_mail())
    assert len(inbox.envelopes) == 1


async def test_starttls_refuses_an_untrusted_certificate(starttls_server):
    controller, inbox = starttls_server
    config = MailConfig(host="127.0.0.1", port=controller.port, user=SMTP_USER, password=SMTP_PASSWORD)
    with pytest.raises(MailDeliveryFailed) as failure:
        await send_email(config, _link_mail())
    assert SMTP_PASSWORD not in str(failure.value)
    assert not inbox.envelopes


async def test_implicit_tls_delivers(implicit_tls_server, trust_certificate):
    controller, inbox = implicit_tls_server
    config = MailConfig(host="127.0.0.1", port=controller.port, tls="ssl")
    await send_email(config, _link_mail())
    assert len(inbox.envelopes) == 1
