"""The outbox: written in the caller's transaction, sent by a job after commit, retried, never duplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from rights import jobs, security, uploads
from rights.models import Document, JobRun, JobStatus, OutboxMessage, PortalDraft, utcnow
from rights.notify import Email, SendFailed, deliver, queue_email
from tests.conftest import free_port
from tests.portal_journeys import PDF

CONTEXT = {"code": "123456", "reference": "SAR-2026-00001", "minutes": 15}


def queue(rt, key: str = "k1", to: str = "a@example.org") -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return queue_email(session, rt.queue, key=key, to=to, template="progress_code", context=CONTEXT).id


class Recorder:
    name = "recorder"

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[Email] = []
        self.fail = fail

    def send(self, email: Email) -> str:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("mail server down")
        self.sent.append(email)
        return f"ref-{len(self.sent)}"


def test_same_key_is_queued_once(rt) -> None:
    first = queue(rt)
    assert rt.queue.queue.count == 1  # enqueued after commit
    assert queue(rt) == first
    with rt.db.transaction() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 1
        assert len(session.scalars(select(JobRun).where(JobRun.name == "send_outbox")).all()) == 1
        message = session.get(OutboxMessage, first)
        assert message.subject == "Your code to check progress: SAR-2026-00001"
        assert "123456" in message.body_text and "123456" in message.body_html


def test_letters_are_encrypted_at_rest(rt) -> None:
    """The outbox keeps letters (names, reasons, codes) only as ciphertext in the database."""
    from sqlalchemy import text

    first = queue(rt)
    with rt.db.engine.connect() as conn:
        raw_text, raw_html = conn.execute(text("SELECT body_text, body_html FROM outbox_messages WHERE id = :i"),
                                          {"i": first}).one()
    assert "123456" not in raw_text
    assert "123456" not in raw_html
    with rt.db.transaction() as session:
        assert "123456" in session.get(OutboxMessage, first).body_text


def test_rolled_back_transaction_queues_nothing(rt) -> None:
    class Boom(Exception):
        pass

    def queue_then_fail() -> None:
        with rt.db.transaction() as session:
            queue_email(session, rt.queue, key="k", to="a@example.org", template="progress_code", context=CONTEXT)
            raise Boom

    with pytest.raises(Boom):
        queue_then_fail()
    assert rt.queue.queue.count == 0
    with rt.db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_delivery_is_idempotent(rt) -> None:
    message_id = queue(rt)
    backend = Recorder()
    assert deliver(rt.db, message_id, backend) == {"status": "sent", "attempts": 1}
    assert deliver(rt.db, message_id, backend) == {"status": "sent", "already": True}
    assert len(backend.sent) == 1
    with rt.db.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert (message.status, message.provider_ref, message.sent_at is not None) == ("sent", "ref-1", True)


def test_failures_are_recorded_retried_and_finally_marked_failed(rt) -> None:
    message_id = queue(rt)
    backend = Recorder(fail=99)
    for attempt in range(1, 4):
        with pytest.raises(SendFailed):
            deliver(rt.db, message_id, backend, max_attempts=4)
        with rt.db.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            assert (message.status, message.attempts) == ("retrying", attempt)
            assert "mail server down" in message.last_error
    with pytest.raises(SendFailed):
        deliver(rt.db, message_id, backend, max_attempts=4)
    with rt.db.transaction() as session:
        assert session.get(OutboxMessage, message_id).status == "failed"


def test_a_retry_after_a_failure_sends_once(rt) -> None:
    message_id = queue(rt)
    backend = Recorder(fail=1)
    with pytest.raises(SendFailed):
        deliver(rt.db, message_id, backend)
    deliver(rt.db, message_id, backend)
    deliver(rt.db, message_id, backend)
    assert len(backend.sent) == 1


def test_send_job_delivers_by_smtp_and_a_duplicate_run_sends_nothing(rt, settings) -> None:
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.mail_backend, settings.smtp_host, settings.smtp_port = "smtp", "127.0.0.1", port
        settings.smtp_starttls = False
        message_id = queue(rt)
        with rt.db.transaction() as session:
            run_id = session.scalars(select(JobRun.id).where(JobRun.name == "send_outbox")).one()
        jobs.execute(rt.db, run_id)
        with rt.db.transaction() as session:  # the sweeper or a retry enqueues it again: a new run
            again = jobs.defer(session, rt.queue, "send_outbox", message_id).id
        jobs.execute(rt.db, again)
    finally:
        controller.stop()
    assert len(received) == 1 and b"123456" in received[0]
    with rt.db.transaction() as session:
        assert session.get(JobRun, run_id).status == JobStatus.FINISHED.value
        assert session.get(JobRun, again).result == {"status": "sent", "already": True}


def test_cleanup_removes_expired_drafts_and_orphaned_uploads(rt, settings) -> None:
    from rights.drafts import Drafts
    from rights.drafts import purge_abandoned as cleanup
    from rights.security import cipher_for

    store = security.store_for(settings.upload_dir, settings.encryption_keys)
    drafts = Drafts(cipher_for(settings.encryption_keys), timedelta(minutes=60))
    with rt.db.transaction() as session:
        old = uploads.store(session, store, uploads.check(PDF, "a.pdf", 1000), purpose="proof_of_id")
        fresh = uploads.store(session, store, uploads.check(PDF, "b.pdf", 1000), purpose="proof_of_id")
        drafts.save(session, "expired-token", {"who": {}})
        drafts.save(session, "live-token", {"who": {}})
        session.execute(update(Document).where(Document.id == old.id).values(uploaded_at=utcnow() - timedelta(days=2)))
        session.execute(update(PortalDraft).where(PortalDraft.id == drafts_id("expired-token"))
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
        old_id, old_key, fresh_id = old.id, old.storage_key, fresh.id
    assert cleanup(rt.db, settings.upload_dir, settings.encryption_keys) == {
        "drafts": 1, "codes": 0, "uploads": 1, "grants": 0, "sign_in_counters": 0}
    with rt.db.transaction() as session:
        assert session.get(Document, old_id) is None and session.get(Document, fresh_id) is not None
        assert drafts.load(session, "live-token") == {"who": {}}
    assert not store._path(old_key).exists()


def drafts_id(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()
