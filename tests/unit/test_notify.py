"""Email rendering and the delivery backends (a real local SMTP server; a fake GOV.UK Notify API)."""

from __future__ import annotations

import json
import threading
from datetime import date
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from jinja2 import UndefinedError

from rights import config, privacy_notice
from rights.notify import Email, NotifyBackend, OutboxOnlyBackend, SmtpBackend, backend_for, render
from rights.notify.backends import PermanentFailure
from tests.conftest import free_port
from tests.portal_journeys import XSS

ACK = {
    "reference": "SAR-2026-00001", "kind": "access", "kind_name": "request for a copy of your information",
    "requester_name": XSS, "subject_name": "Amelia Hart", "young": False, "about_someone_else": False,
    "received_on": date(2026, 3, 2), "due_on": date(2026, 4, 2), "provisional": True, "has_id": False,
    "role": "self_adult", "council_name": "Shire Council", "service_url": "https://rights.example",
    "service_name": "Your information rights", "by_post": False, **privacy_notice.council_contact(),
}


def test_acknowledgement_says_reference_due_date_and_how_to_send_id() -> None:
    out = render("acknowledgement", ACK)
    assert out.subject == "We have received your request: SAR-2026-00001"
    assert "Thursday 2 April 2026" in out.text and "SAR-2026-00001" in out.text
    assert "This date may change" in out.text
    assert "You did not send proof of identity" in out.text and "replying to this email" in out.text
    assert "https://rights.example/progress" in out.text
    assert out.html is not None and "Thursday 2 April 2026" in out.html


def test_complaint_acknowledgement_wording() -> None:
    out = render("acknowledgement", {**ACK, "kind": "complaint", "reference": "DPC-2026-00001"})
    assert out.subject == "We have received your complaint: DPC-2026-00001"
    assert "We will acknowledge your complaint by Thursday 2 April 2026" in out.text
    assert "PROOF OF IDENTITY" not in out.text


def test_html_part_escapes_what_citizens_typed() -> None:
    out = render("acknowledgement", ACK)
    assert out.html is not None
    assert "<script>" not in out.html and "<b>bold</b>" not in out.html
    assert "&lt;script&gt;" in out.html
    assert XSS in out.text  # plain text is not HTML: shown as typed


def test_missing_context_fails_loudly() -> None:
    with pytest.raises(UndefinedError):
        render("acknowledgement", {k: v for k, v in ACK.items() if k != "due_on"})


def test_template_names_cannot_walk_the_filesystem() -> None:
    with pytest.raises(ValueError, match="invalid email template name"):
        render("../base", {})


# ---------------------------------------------------------------- SMTP against a real local server


@pytest.fixture
def smtp() -> Any:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def test_smtp_backend_sends_text_and_html(smtp) -> None:
    port, received = smtp
    backend = SmtpBackend("127.0.0.1", port, "Council <rights@council.example>")
    ref = backend.send(Email(key="k1", to="a@example.org", subject="Hello", text="Plain body\n", html="<p>Hi</p>"))
    (rcpt, msg), = received
    assert rcpt == ["a@example.org"] and msg["Subject"] == "Hello" and msg["Message-ID"] == ref
    assert msg.get_body(("plain",)).get_content().strip() == "Plain body"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Hi</p>"
    assert "@council.example>" in ref


def test_smtp_backend_refuses_header_injection(smtp) -> None:
    port, received = smtp
    backend = SmtpBackend("127.0.0.1", port, "rights@council.example")
    with pytest.raises(PermanentFailure, match="linefeed or carriage return"):  # failed at once, never retried
        backend.send(Email(key="k", to="a@example.org\r\nBcc: victim@example.org", subject="x", text="y"))
    assert received == []


def test_smtp_failure_raises() -> None:
    backend = SmtpBackend("127.0.0.1", 1, "rights@council.example", timeout=2)
    with pytest.raises(ConnectionRefusedError):
        backend.send(Email(key="k", to="a@example.org", subject="x", text="y"))


# ---------------------------------------------------------------- GOV.UK Notify against a fake API


def test_notify_backend_posts_subject_and_body_to_the_generic_template() -> None:
    calls: list[tuple[str, dict[str, Any], str]] = []

    class FakeNotify(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append((self.path, body, self.headers.get("Authorization", "")))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": "notify-123", "reference": body.get("reference")}).encode())

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api_key = "test-" + "11111111-1111-1111-1111-111111111111" + "-" + "22222222-2222-2222-2222-222222222222"
        backend = NotifyBackend(api_key, "template-uuid", base_url=f"http://127.0.0.1:{server.server_port}")
        ref = backend.send(Email(key="acknowledgement:7", to="a@example.org", subject="Subj", text="Body"))
    finally:
        server.shutdown()
    assert ref == "notify-123"
    (path, body, auth), = calls
    assert path == "/v2/notifications/email"
    assert body == {"email_address": "a@example.org", "template_id": "template-uuid",
                    "personalisation": {"subject": "Subj", "body": "Body"}, "reference": "acknowledgement:7"}
    assert auth.startswith("Bearer ")


def test_backend_for_settings() -> None:
    settings = config.load("test", mail_backend="smtp", smtp_host="mail.example", smtp_port=2525)
    smtp_backend = backend_for(settings)
    assert isinstance(smtp_backend, SmtpBackend) and (smtp_backend.host, smtp_backend.port) == ("mail.example", 2525)
    assert isinstance(backend_for(config.load("test", mail_backend="outbox-only")), OutboxOnlyBackend)
    with pytest.raises(config.ConfigError, match="NOTIFY_TEMPLATE_ID"):
        backend_for(config.load("test", mail_backend="notify", notify_api_key="k"))
    with pytest.raises(config.ConfigError, match="MAIL_BACKEND"):
        backend_for(config.load("test", mail_backend="pigeon"))


def test_acknowledgement_by_post_gives_the_councils_contact_details_not_the_email_check() -> None:
    contact = privacy_notice.council_contact()
    text = render("acknowledgement", {**ACK, "by_post": True}).text
    assert "/progress" not in text and "this email address" not in text
    assert "quote your reference SAR-2026-00001" in text
    assert contact["council_address"] in text and contact["council_phone"] in text
    emailed = render("acknowledgement", ACK).text
    assert "https://rights.example/progress" in emailed and contact["council_email"] in emailed
