"""Email to citizens: one interface, an outbox table, and interchangeable delivery backends.

Everything that emails a citizen calls :func:`queue_email` inside the transaction of the change it
reports. The message is rendered and written to ``outbox_messages`` in that transaction, and a
``send_outbox`` job is deferred to run after commit (workers/notify.py), so a rolled-back change never
sends mail and a committed one always has its message on record. The unique ``key`` makes queueing
idempotent: the same key returns the existing message instead of writing a second one.

Backends (``MAIL_BACKEND``): ``smtp`` (smtplib, STARTTLS when configured), ``notify`` (GOV.UK Notify,
one generic template with subject and body placeholders) and ``outbox-only`` (held in the table, for
demos without mail).
"""

from rights.notify.backends import (
    Backend,
    Email,
    NotifyBackend,
    OutboxOnlyBackend,
    PermanentFailure,
    SmtpBackend,
    backend_for,
)
from rights.notify.outbox import ResendRefused, SendFailed, deliver, queue_email, recover_stale, resend
from rights.notify.render import Rendered, render

__all__ = [
    "Backend",
    "Email",
    "NotifyBackend",
    "OutboxOnlyBackend",
    "PermanentFailure",
    "Rendered",
    "ResendRefused",
    "SendFailed",
    "SmtpBackend",
    "backend_for",
    "deliver",
    "queue_email",
    "recover_stale",
    "render",
    "resend",
]
