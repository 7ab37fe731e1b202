"""The outbox: messages written in the caller's transaction, delivered by a job after commit.

Guarantees:
- **never duplicated**: ``key`` is unique; queueing an existing key returns the existing row and
  defers nothing. Delivery locks the row, and a message already ``sent`` is never sent again, so a
  retried or doubly enqueued job is harmless;
- **never lost**: the row commits with the change it reports; the deferred job is a JobRun row too,
  re-enqueued by the sweeper if Redis loses it;
- **retried**: a failed attempt is recorded (``attempts``, ``last_error``) and re-raised so RQ retries;
  after ``MAX_ATTEMPTS`` the message is ``failed`` for officers to see.

Statuses: ``pending`` → ``sent`` | ``held`` (outbox-only backend) | ``retrying`` → ``failed``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights import audit, jobs
from rights.db import Database
from rights.jobs import JobQueue
from rights.models import OutboxMessage, utcnow
from rights.notify.backends import Backend, Email, OutboxOnlyBackend
from rights.notify.render import render

MAX_ATTEMPTS = 4  # the first try and RQ's three retries (rights.jobs.JobQueue.enqueue)
SEND_JOB = "send_outbox"


class SendFailed(RuntimeError):
    """Delivery failed; the attempt is recorded and the job should be retried."""


def base_context() -> dict[str, Any]:
    from rights import runtime

    settings = runtime.current().settings
    return {"council_name": settings.council_name, "service_url": settings.public_base_url,
            "service_name": "Your information rights", **settings.council_contact(),
            "by_post": False}  # letters printed for post set it: they give contact details, not email links


def queue_email(session: Session, queue: JobQueue, *, key: str, to: str, template: str, context: dict[str, Any],
                request_id: int | None = None) -> OutboxMessage:
    """Render and store one email in this transaction; send it after commit. Idempotent on ``key``."""
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    if existing is not None:
        return existing
    rendered = render(template, {**base_context(), **context})
    message = OutboxMessage(key=key, to=to.strip(), template=template, subject=rendered.subject,
                            body_text=rendered.text, body_html=rendered.html, request_id=request_id,
                            status="pending")
    try:
        with session.begin_nested():  # a concurrent writer of the same key loses only this savepoint
            session.add(message)
    except IntegrityError:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()
    jobs.defer(session, queue, SEND_JOB, message.id, request_id=request_id)
    return message


def deliver(db: Database, message_id: int, backend: Backend, *, max_attempts: int = MAX_ATTEMPTS) -> dict[str, Any]:
    """Send one outbox message unless it was already sent; record the attempt either way.

    The row stays locked while the backend sends, so two workers never send the same message.
    Raises :class:`SendFailed` after recording a failed attempt, so the job is retried.
    """
    failure: Exception | None = None
    with db.transaction() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None:
            return {"skipped": "no such message"}
        if message.status in ("sent", "held"):
            return {"status": message.status, "already": True}
        message.attempts += 1
        try:
            ref = backend.send(Email(key=message.key, to=message.to, subject=message.subject,
                                     text=message.body_text, html=message.body_html))
        except Exception as exc:
            failure = exc
            message.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            message.status = "failed" if message.attempts >= max_attempts else "retrying"
            audit.record(session, "worker", "email.failed", request_id=message.request_id,
                         target=f"outbox:{message.id}", detail={"attempt": message.attempts,
                                                                 "error": message.last_error})
        else:
            held = isinstance(backend, OutboxOnlyBackend)
            message.status = "held" if held else "sent"
            message.sent_at = None if held else utcnow()
            message.provider_ref = ref
            message.last_error = None
            audit.record(session, "worker", "email.held" if held else "email.sent", request_id=message.request_id,
                         target=f"outbox:{message.id}", detail={"template": message.template, "backend": backend.name})
        status, attempts = message.status, message.attempts
    if failure is not None:
        raise SendFailed(f"outbox message {message_id} attempt {attempts} failed: {failure}") from failure
    return {"status": status, "attempts": attempts}
