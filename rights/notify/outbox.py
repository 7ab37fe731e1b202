"""The outbox: messages written in the caller's transaction, delivered by a job after commit.

Guarantees:
- **never duplicated**: ``key`` is unique; queueing an existing key returns the existing row and
  defers nothing. Delivery locks the row, and a message already ``sent`` is never sent again, so a
  retried or doubly enqueued job is harmless;
- **never lost**: the row commits with the change it reports; the deferred job is a JobRun row too,
  re-enqueued by the sweeper if Redis loses it;
- **retried**: a failed attempt is recorded (``attempts``, ``last_error``) and re-raised so RQ retries;
  after ``MAX_ATTEMPTS`` the message is ``failed`` for officers to see.

- **never sent twice by a dead worker**: a delivery first commits the row as ``sending`` (with the time),
  then calls the backend, then records the outcome. A row found ``sending`` after its lease has run out
  belonged to a worker that died in between: with GOV.UK Notify the message is looked up by its unique
  reference and recorded as sent if Notify has it (exactly once); over SMTP nothing can be asked, so the
  row becomes ``unknown`` and is never re-sent automatically; an administrator may resend it, once
  (:func:`resend`, audited).

Statuses: ``pending`` → ``sending`` → ``sent`` | ``held`` (outbox-only backend) | ``retrying`` → ``failed``;
``sending`` (worker died) → ``sent`` (Notify had it) | ``unknown`` (SMTP) → ``pending`` (one resend).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights import audit, jobs, privacy_notice
from rights.db import Database
from rights.jobs import JobQueue
from rights.models import OutboxMessage, utcnow
from rights.notify.backends import Backend, Email, OutboxOnlyBackend, PermanentFailure, can_look_up
from rights.notify.render import render

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # the first try and RQ's three retries (rights.jobs.JobQueue.enqueue)
SEND_JOB = "send_outbox"
#: How long a send may take before a row still ``sending`` is taken for a dead worker's. Far longer than
#: the backends' 30-second timeouts, so a slow but live send is never mistaken for a crash.
SENDING_LEASE = timedelta(minutes=5)
#: How many times an administrator may resend one message (an SMTP message whose outcome is unknown may
#: already have arrived; resending more than once would only multiply duplicates).
MAX_RESENDS = 1


class SendFailed(RuntimeError):
    """Delivery failed; the attempt is recorded and the job should be retried."""


def base_context() -> dict[str, Any]:
    from rights import runtime

    settings = runtime.current().settings
    return {"council_name": settings.council_name, "service_url": settings.public_base_url,
            "service_name": "Your information rights", **privacy_notice.council_contact(),
            "by_post": False}  # letters printed for post set it: they give contact details, not email links


def queue_email(session: Session, queue: JobQueue, *, key: str, to: str, template: str, context: dict[str, Any],
                request_id: int | None = None, personalisation: dict[str, str] | None = None) -> OutboxMessage:
    """Render and store one email in this transaction; send it after commit. Idempotent on ``key``.

    ``personalisation`` holds the fields a kind-specific GOV.UK Notify template uses (the generic one
    needs only the subject and body); it is stored encrypted like the body.
    """
    import json

    from rights.models import RightsRequest

    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    if existing is not None:
        return existing
    rendered = render(template, {**base_context(), **context})
    if personalisation is None:  # a letter's own one-line fields; lists (digests) stay in the body only
        personalisation = {k: v for k, v in context.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    reference = session.scalar(select(RightsRequest.reference).where(RightsRequest.id == request_id)) \
        if request_id is not None else None
    message = OutboxMessage(key=key, to=to.strip(), template=template, subject=rendered.subject,
                            body_text=rendered.text, body_html=rendered.html, request_id=request_id,
                            status="pending", reference=reference,
                            personalisation=json.dumps({k: str(v) for k, v in personalisation.items()})
                            if personalisation else None)
    try:
        with session.begin_nested():  # a concurrent writer of the same key loses only this savepoint
            session.add(message)
    except IntegrityError:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()
    jobs.defer(session, queue, SEND_JOB, message.id, request_id=request_id)
    return message


def provider_reference(message: OutboxMessage) -> str:
    """The reference the provider stores: the case reference first (traceable), the outbox id (unique)."""
    return f"{message.reference or 'outbox'}/{message.id}"


def _email(message: OutboxMessage) -> Email:
    import json

    return Email(key=message.key, to=message.to, subject=message.subject, text=message.body_text,
                 html=message.body_html, kind=message.template, reference=provider_reference(message),
                 personalisation=json.loads(message.personalisation) if message.personalisation else None)


def _found_at_provider(session: Session, message: OutboxMessage, backend: Backend) -> bool:
    """Ask the provider for the message's reference; if it has it, record the message as sent (audited)."""
    provider_id = backend.lookup(provider_reference(message))  # type: ignore[attr-defined]
    if provider_id is None:
        return False
    message.status, message.provider_ref, message.sent_at, message.last_error = "sent", provider_id, utcnow(), None
    audit.record(session, "worker", "email.recovered", request_id=message.request_id,
                 target=f"outbox:{message.id}", detail={"template": message.template, "backend": backend.name})
    return True


def _recover(session: Session, message: OutboxMessage, backend: Backend) -> str | None:
    """A row left ``sending`` by a dead worker: settle it without a second delivery, or say it may resend.

    Returns the settled status, or None when sending again is safe (the provider has no such message).
    """
    if can_look_up(backend):
        return "sent" if _found_at_provider(session, message, backend) else None
    if isinstance(backend, OutboxOnlyBackend):
        return None  # nothing was delivered anywhere
    message.status = "unknown"
    message.last_error = "The worker stopped while sending: the message may or may not have been delivered."
    audit.record(session, "worker", "email.outcome_unknown", request_id=message.request_id,
                 target=f"outbox:{message.id}", detail={"template": message.template, "backend": backend.name})
    return "unknown"


def deliver(db: Database, message_id: int, backend: Backend, *, max_attempts: int = MAX_ATTEMPTS,
            now: datetime | None = None, lease: timedelta = SENDING_LEASE) -> dict[str, Any]:
    """Send one outbox message unless it was already sent; record the attempt either way.

    Three transactions, so a crash at any point is recoverable: (1) lock the row and commit it as
    ``sending``; (2) call the backend with no transaction open; (3) record the outcome. A second worker
    that meets the row while it is ``sending`` leaves it alone until the lease runs out; after that it is
    a dead worker's row and :func:`_recover` settles it (see the module docstring for each backend's
    guarantee). Raises :class:`SendFailed` after recording a retryable failure, so the job is retried.
    """
    now = now or utcnow()
    with db.transaction() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None:
            return {"skipped": "no such message"}
        if message.status in ("sent", "held", "unknown"):
            return {"status": message.status, "already": True}
        if message.status == "sending":
            if message.sending_at is not None and message.sending_at > now - lease:
                # Within the lease another worker may be sending it. Notify can say whether it already has
                # it (the sender's database was cut after Notify accepted it): record that now, not later.
                if can_look_up(backend) and _found_at_provider(session, message, backend):
                    return {"status": "sent", "recovered": True}
                return {"status": "sending", "skipped": "another worker is sending it"}
            settled = _recover(session, message, backend)
            if settled is not None:
                return {"status": settled, "recovered": True}
        elif ((message.attempts or message.resends) and can_look_up(backend)
              and _found_at_provider(session, message, backend)):
            # A retry after a failed attempt, or an administrator's resend: an attempt may have reached the
            # provider (a timeout after Notify accepted it), so it was asked before sending again.
            return {"status": "sent", "recovered": True}
        message.status = "sending"
        message.sending_at = now
        message.attempts += 1
        email = _email(message)
    failure: Exception | None = None
    ref: str | None = None
    try:
        ref = backend.send(email)
    except Exception as exc:
        failure = exc
    with db.transaction() as session:
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        assert message is not None
        if failure is not None:
            message.last_error = f"{failure.__class__.__name__}: {failure}"[:2000]
            permanent = isinstance(failure, PermanentFailure)
            message.status = "failed" if permanent or message.attempts >= max_attempts else "retrying"
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
    if failure is not None and not isinstance(failure, PermanentFailure):
        raise SendFailed(f"outbox message {message_id} attempt {attempts} failed: {failure}") from failure
    return {"status": status, "attempts": attempts}


def recover_stale(db: Database, backend: Backend, *, now: datetime | None = None,
                  lease: timedelta = SENDING_LEASE) -> dict[str, int]:
    """Settle every row a dead worker left ``sending`` (the sweeper runs this every minute)."""
    now = now or utcnow()
    with db.transaction() as session:
        ids = list(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.status == "sending", OutboxMessage.sending_at < now - lease).order_by(OutboxMessage.id)))
    counts: dict[str, int] = {}
    for message_id in ids:
        try:
            status = str(deliver(db, message_id, backend, now=now, lease=lease).get("status"))
        except SendFailed:
            status = "retrying"
        except Exception:  # the provider cannot be asked now (Notify down): the row waits for the next sweep
            log.exception("could not settle outbox message %s left sending", message_id)
            status = "unsettled"
        counts[status] = counts.get(status, 0) + 1
    return counts


class ResendRefused(ValueError):
    """The message cannot be resent (wrong status, or it was resent already)."""


def resend(session: Session, queue: JobQueue, message_id: int, *, actor: str, ip: str | None = None) -> OutboxMessage:
    """An administrator resends a ``failed`` or ``unknown`` message, once; audited, sent by a job after commit."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise ResendRefused("There is no such message.")
    if message.status not in ("failed", "unknown"):
        raise ResendRefused("Only a failed message, or one whose outcome is unknown, can be resent.")
    if message.resends >= MAX_RESENDS:
        raise ResendRefused("This message has already been resent once.")
    previous = message.status
    message.resends += 1
    message.status = "pending"
    message.sending_at = None
    message.attempts = 0
    audit.record(session, actor, "email.resent", request_id=message.request_id, target=f"outbox:{message.id}",
                 detail={"template": message.template, "was": previous}, ip=ip)
    jobs.defer(session, queue, SEND_JOB, message.id, request_id=message.request_id)
    return message
