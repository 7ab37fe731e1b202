"""Delivery backends behind one small interface: ``send(email) -> provider reference``.

A backend raises on failure; the outbox records the error and the job is retried. A backend raises
:class:`PermanentFailure` for a message that can never succeed as written (Notify's 400 and 403: a bad
address or template), so it fails at once instead of being retried. Adding a provider means adding a
class here and a branch in :func:`backend_for`; nothing else changes.

What each backend guarantees when a worker dies between the provider accepting a message and the
outbox recording it (the row is ``sending``; see :mod:`rights.notify.outbox`):

- ``notify``: **exactly once**. Every message carries a unique ``reference`` (the case reference, then
  the outbox id); before sending a row found ``sending`` again, or retrying after a failed attempt (a
  timeout may hide an acceptance), :meth:`NotifyBackend.lookup` asks Notify for that reference and, if
  Notify has it, records it as sent instead of sending.
- ``smtp``: **at most once automatically**. SMTP has no way to ask a server what it accepted, so a row
  found ``sending`` is marked ``unknown`` and never re-sent by the worker; an administrator may resend
  it once from the outbox page (the person may then receive it twice, which they are told is possible).
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
    kind: str = ""  # the template name: picks Notify's template id
    reference: str | None = None  # unique per message; Notify's ``reference``
    personalisation: dict[str, str] | None = None  # Notify's fields for a kind-specific template


class PermanentFailure(RuntimeError):
    """The provider refused this message for good (bad address, unknown template): do not retry."""


class Backend(Protocol):
    name: str

    def send(self, email: Email) -> str | None:
        """Deliver or raise; return the provider's reference for the message, if any."""


def can_look_up(backend: object) -> bool:
    """Whether the backend can say if a message with a given reference was already accepted."""
    return callable(getattr(backend, "lookup", None))


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
        try:
            msg = self.build(email)
        except ValueError as exc:  # a line break in an address or subject: a header must never be added by data
            raise PermanentFailure(f"the message cannot be written as email: {exc}") from exc
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)
        return str(msg["Message-ID"])


class NotifyBackend:
    """GOV.UK Notify: one template id per message kind, or the generic template (``((subject))``, ``((body))``).

    Notify sends plain text with its own formatting, so only the text part is used. A kind-specific
    template gets the kind's own personalisation fields (and ``subject`` and ``body`` as well, so a
    council may start from a copy of the generic template). ``reference`` is the message's unique
    reference, which starts with the case reference, so a message can be traced in Notify's own logs and
    looked up before any resend.

    Errors: 400 and 403 are permanent (:class:`PermanentFailure`); 429 (rate limit) and 5xx are retried,
    first here once after a short wait (Notify allows 3,000 messages a minute, so a 429 clears quickly),
    then by the job's own retries.
    """

    name = "notify"
    RETRY_AFTER_429 = 1.0  # seconds

    def __init__(self, api_key: str, template_id: str, base_url: str = "https://api.notifications.service.gov.uk",
                 timeout: float = 30.0, template_ids: dict[str, str] | None = None) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        self.template_id = template_id
        self.template_ids = dict(template_ids or {})

    def template_for(self, kind: str) -> str:
        return self.template_ids.get(kind, self.template_id)

    def payload(self, email: Email) -> dict[str, object]:
        """What is posted to Notify for this message (tests render it for every kind)."""
        fields = {"subject": email.subject, "body": email.text}
        if email.kind in self.template_ids:
            fields.update(email.personalisation or {})
        return {"email_address": email.to, "template_id": self.template_for(email.kind),
                "personalisation": fields, "reference": (email.reference or email.key)[:200]}

    def send(self, email: Email) -> str | None:
        import time

        from notifications_python_client.errors import HTTPError

        for attempt in (1, 2):
            try:
                response = self.client.send_email_notification(**self.payload(email))  # type: ignore[arg-type]
            except HTTPError as exc:
                if exc.status_code in (400, 403):
                    raise PermanentFailure(f"Notify refused the message ({exc.status_code}): {exc.message}") from exc
                if exc.status_code == 429 and attempt == 1:
                    time.sleep(self.RETRY_AFTER_429)
                    continue
                raise
            return str(response.get("id")) if isinstance(response, dict) else None
        return None  # unreachable: the second attempt returns or raises

    def lookup(self, reference: str) -> str | None:
        """Notify's id of the notification sent with this reference, or None if Notify has none."""
        response = self.client.get_all_notifications(reference=reference)
        found = (response or {}).get("notifications") or []
        return str(found[0].get("id")) if found else None


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
        return NotifyBackend(settings.notify_api_key, template_id, settings.notify_base_url,
                             template_ids=settings.notify_template_ids)
    if settings.mail_backend == "outbox-only":
        return OutboxOnlyBackend()
    raise ConfigError(f"MAIL_BACKEND must be smtp, notify or outbox-only, not {settings.mail_backend!r}")
