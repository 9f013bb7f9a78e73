"""Built emails are multipart text + HTML with the headers mail systems expect."""

from __future__ import annotations

import pytest

from iep_app.notify.mail import MailConfig, build_email
from iep_app.notify.templates import RenderedMessage
from tests.unit.notify.samples import LINK_URL, sample_link_email


def test_link_email_is_multipart_alternative_with_text_then_html():
    msg = build_email(mail_from="iep@hospital.example", to="gp@example.org", message=sample_link_email())
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    # Clients show the last alternative they understand: HTML must come after text.
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert LINK_URL in parts[0].get_content()
    assert "Click here to start" in parts[1].get_content()


def test_headers_include_message_id_date_and_auto_submitted():
    msg = build_email(
        mail_from="Radiology <iep@hospital.example>",
        to="gp@example.org",
        message=sample_link_email(),
        reply_to="radiology@hospital.example",
    )
    assert msg["Message-ID"].endswith("@hospital.example>")
    assert msg["Date"]
    assert msg["Reply-To"] == "radiology@hospital.example"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "St Elsewhere Hospital has sent you medical images"


def test_message_without_html_is_plain_text():
    msg = build_email(mail_from="a@b.example", to="c@d.example", message=RenderedMessage("S", "T\n", None))
    assert msg.get_content_type() == "text/plain"
    assert "Reply-To" not in msg


def test_non_ascii_subject_and_body_survive_encoding():
    message = sample_link_email("de", organisation="Universitätsklinikum Nord")
    msg = build_email(mail_from="a@b.example", to="c@d.example", message=message)
    headers = msg.as_bytes().split(b"\n\n", 1)[0]
    # Headers travel as RFC 2047 encoded words, readable by any server.
    assert headers.isascii()
    assert msg["Subject"] == "Universitätsklinikum Nord hat Ihnen medizinische Bilder gesendet"
    assert "März" in msg.get_body(("plain",)).get_content()


def test_line_breaks_in_headers_are_refused():
    # Header injection: a newline in the subject could add a Bcc.
    with pytest.raises(ValueError):
        build_email(
            mail_from="a@b.example",
            to="c@d.example",
            message=RenderedMessage("Hi\nBcc: victim@example.org", "T", None),
        )


def test_config_rejects_unknown_tls_mode():
    with pytest.raises(ValueError, match="starttls"):
        MailConfig(host="smtp.example.org", tls="tls")


def test_config_refuses_a_clear_text_login_to_another_machine():
    with pytest.raises(ValueError, match="localhost"):
        MailConfig(host="smtp.example.org", tls="none", user="iep", password="pw")
    MailConfig(host="127.0.0.1", port=25, tls="none", user="iep", password="pw")
    MailConfig(host="smtp.example.org", port=25, tls="none")


def test_config_needs_user_and_password_together():
    with pytest.raises(ValueError, match="together"):
        MailConfig(host="smtp.example.org", user="iep")
    with pytest.raises(ValueError, match="together"):
        MailConfig(host="smtp.example.org", password="pw")


def test_config_repr_hides_the_password():
    config = MailConfig(host="smtp.example.org", user="iep", password="hunter2-secret")
    assert "hunter2-secret" not in repr(config)
