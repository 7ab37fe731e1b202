"""Delivery backends behind one small interface: ``send(email) -> provider reference``.

A backend raises on failure; the outbox records the error and the job is retried. Adding a provider
means adding a class here and a branch in :func:`backend_for`; nothing else changes.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Protocol

from rights.config import ConfigError, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    key: str  # the outbox key: stable across retries
    to: str
    subject: str
    text: str
    html: str | None = None


class Backend(Protocol):
    name: str

    def send(self, email: Email) -> str | None:
        """Deliver or raise; return the provider's reference for the message, if any."""


class SmtpBackend:
    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 30.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def build(self, email: Email) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = email.to
        msg["Subject"] = email.subject
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(email.text)
        if email.html:
            msg.add_alternative(email.html, subtype="html")
        return msg

    def send(self, email: Email) -> str | None:
        msg = self.build(email)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)
        return str(msg["Message-ID"])


class NotifyBackend:
    """GOV.UK Notify through one generic email template whose body is ``((body))``, subject ``((subject))``.

    Notify sends plain text with its own formatting, so only the text part is used. The outbox key is
    the Notify ``reference``, so a message can be traced in Notify's own logs.
    """

    name = "notify"

    def __init__(self, api_key: str, template_id: str, base_url: str = "https://api.notifications.service.gov.uk",
                 timeout: float = 30.0) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        self.template_id = template_id

    def send(self, email: Email) -> str | None:
        response = self.client.send_email_notification(
            email_address=email.to, template_id=self.template_id,
            personalisation={"subject": email.subject, "body": email.text}, reference=email.key[:200],
        )
        return str(response.get("id")) if isinstance(response, dict) else None


class OutboxOnlyBackend:
    """No delivery: messages stay in the outbox (demo without mail). Nothing is logged of their content."""

    name = "outbox-only"

    def send(self, email: Email) -> str | None:
        log.info("outbox-only mail backend: message %s held, not sent", email.key)
        return None


def backend_for(settings: Settings) -> Backend:
    """The backend ``MAIL_BACKEND`` names, configured from the settings."""
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings.smtp_host, settings.smtp_port, settings.mail_from,
                           username=settings.smtp_username, password=settings.smtp_password,
                           starttls=settings.smtp_starttls)
    if settings.mail_backend == "notify":
        template_id = settings.notify_template_id or ""
        if not settings.notify_api_key or not template_id:
            raise ConfigError("MAIL_BACKEND=notify needs NOTIFY_API_KEY and a NOTIFY_TEMPLATE_ID (a Notify email "
                              "template whose subject is ((subject)) and body ((body)))")
        return NotifyBackend(settings.notify_api_key, template_id, settings.notify_base_url)
    if settings.mail_backend == "outbox-only":
        return OutboxOnlyBackend()
    raise ConfigError(f"MAIL_BACKEND must be smtp, notify or outbox-only, not {settings.mail_backend!r}")
