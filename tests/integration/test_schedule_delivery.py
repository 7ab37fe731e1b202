"""Scheduled messages are sent once: two workers at once, a worker killed mid-send, SMTP and GOV.UK Notify.

Real parts: PostgreSQL, aiosmtpd for SMTP, a local HTTP server speaking Notify's v2 API (JWT bearer auth,
the JSON payload, its error codes), and a worker subprocess killed with SIGKILL between the provider
accepting a message and the outbox recording it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from rights import jobs
from rights.models import AuditEvent, ClockEvent, JobRun, OutboxMessage, RequestKind, ScheduleRun, User, utcnow
from rights.notify import NotifyBackend, ResendRefused, SmtpBackend, deliver, queue_email, recover_stale, resend
from rights.notify.backends import Email
from rights.notify.outbox import provider_reference
from rights.schedule import runner
from tests.conftest import free_port
from tests.factories import make_person, make_request

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 3, 7, 45, tzinfo=UTC)  # a Thursday, after every daily job's time


# ------------------------------------------------------------------------------------------ helpers


class Smtp:
    """aiosmtpd on a free port, recording what it accepted."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[list[str], bytes]] = []
        received = self.received

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                received.append((list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Smtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    with Smtp() as server:
        settings.mail_backend, settings.smtp_host, settings.smtp_port = "smtp", "127.0.0.1", server.port
        settings.smtp_starttls = False
        yield server


def seed_due_work(rt) -> None:  # type: ignore[no-untyped-def]
    """Two officers with overdue cases, a manager, and a requester who never sent their ID."""
    with rt.db.transaction() as session:
        o1 = User(email="o1@council.example", name="O1", role="officer", password_hash="x")
        o2 = User(email="o2@council.example", name="O2", role="officer", password_hash="x")
        m = User(email="m@council.example", name="M", role="manager", password_hash="x")
        session.add_all([o1, o2, m])
        session.flush()
        for i, officer in enumerate((o1, o2, o1)):
            person = make_person(given_names=f"P{i}", email=f"p{i}@example.org")
            r = make_request(session, kind=RequestKind.ACCESS, requester=person, subject=person,
                             received_at=datetime(2026, 10, 1, 10, tzinfo=UTC))
            r.status, r.due_on, r.assignee_id = "review", date(2026, 11, 2), officer.id
        person = make_person(given_names="Quiet", email="quiet@example.org")
        r = make_request(session, kind=RequestKind.ACCESS, requester=person, subject=person,
                         received_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
        r.status = "awaiting_id"
        r.clock_events.append(ClockEvent(kind="id_requested", on=date(2026, 11, 3)))


def send_jobs(rt) -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(JobRun.id).where(JobRun.name == "send_outbox").order_by(JobRun.id)))


def in_parallel(*calls: Any) -> list[Any]:
    """Run the calls on threads released together (each thread its own database connection)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Any) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    return results


# ------------------------------------------------------------------------------- two workers at once


def test_two_workers_running_the_schedule_at_once_send_nothing_twice(rt, smtp) -> None:
    seed_due_work(rt)
    ticks = in_parallel(lambda: runner.tick(rt.db, rt.queue, rt.settings, NOW),
                        lambda: runner.tick(rt.db, rt.queue, rt.settings, NOW))
    ran = [key for result in ticks for key in result]
    assert len(ran) == len(set(ran)) == len(runner.SCHEDULE)  # every job ran, each once, across both workers
    with rt.db.transaction() as session:
        rows = session.scalars(select(ScheduleRun)).all()
        assert sorted((r.job, r.status, r.attempts) for r in rows) == sorted(
            (e.name, "finished", 1) for e in runner.SCHEDULE)
        templates = sorted(session.scalars(select(OutboxMessage.template)))
    # two officer digests, one manager digest; the ID was asked for a month ago: reminder sent
    assert templates == ["manager_digest", "officer_digest", "officer_digest", "requester_evidence_reminder"]
    with rt.db.transaction() as session:  # Notify's fields: flat strings, and staff digests carry counts only
        fields = {m.template: json.loads(m.personalisation) for m in session.scalars(select(OutboxMessage))}
    assert all(isinstance(v, str) for f in fields.values() for v in f.values())
    assert set(fields["officer_digest"]) == {"today", "overdue", "due_soon", "extension", "waiting"}
    assert fields["manager_digest"]["reports_url"].endswith("/staff/reports")
    assert fields["requester_evidence_reminder"]["asked_for"] == "proof of identity"
    assert not any("SAR-" in v for k in ("officer_digest", "manager_digest") for v in fields[k].values())
    # a restart (a third tick in the same periods) runs nothing again
    assert runner.tick(rt.db, rt.queue, rt.settings, NOW + timedelta(seconds=20)) == {}

    # both workers then run every send job, at the same time
    run_ids = send_jobs(rt)
    in_parallel(*[lambda rid=rid: jobs.execute(rt.db, rid) for rid in run_ids],
                *[lambda rid=rid: jobs.execute(rt.db, rid) for rid in run_ids])
    assert sorted(to for tos, _ in smtp.received for to in tos) == sorted(
        ["m@council.example", "o1@council.example", "o2@council.example", "quiet@example.org"])
    with rt.db.transaction() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_failed_run_is_retaken_once_by_a_later_tick_and_a_dead_workers_after_the_lease(rt) -> None:
    with rt.db.transaction() as session:
        session.add(ScheduleRun(job="officer_digest", period_key="2026-12-03", status="failed", started_at=NOW))
        session.add(ScheduleRun(job="manager_digest", period_key="2026-12-03", status="running",
                                started_at=NOW - timedelta(minutes=5)))
        session.add(ScheduleRun(job="record_holder_chasers", period_key="2026-12-03", status="running",
                                started_at=NOW - runner.RUN_LEASE - timedelta(minutes=1)))
    ran = runner.tick(rt.db, rt.queue, rt.settings, NOW)
    assert "officer_digest@2026-12-03" in ran  # failed: retried
    assert "manager_digest@2026-12-03" not in ran  # running, within the lease: another worker has it
    assert "record_holder_chasers@2026-12-03" in ran  # its worker died: taken over
    assert runner.tick(rt.db, rt.queue, rt.settings, NOW) == {}


# ---------------------------------------------------------------------------- SMTP: killed mid-send

CRASH_SCRIPT = """
import os, signal, sys
from rights import config, runtime
from rights.notify import NotifyBackend, SmtpBackend, deliver

url, message_id, kind, target = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rt = runtime.init(config.load("test", database_url=url, redis_url=None, demo=False,
                              ratelimit_storage_uri="memory://"))
Base = SmtpBackend if kind == "smtp" else NotifyBackend

class DiesAfterSending(Base):
    def send(self, email):
        ref = super().send(email)
        os.kill(os.getpid(), signal.SIGKILL)  # the provider has it; the outbox never hears

if kind == "smtp":
    backend = DiesAfterSending("127.0.0.1", int(target), "rights@council.example")
else:
    api_key, base_url = target.split(" ")
    backend = DiesAfterSending(api_key, "generic-template", base_url)
deliver(rt.db, message_id, backend)
"""


def kill_mid_send(pg_url: str, message_id: int, kind: str, target: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, pg_url, str(message_id), kind, target], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


def one_message(rt, to: str = "sam@example.org") -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        person = make_person(given_names="Sam", email=to)
        request = make_request(session, requester=person, subject=person)
        request.status = "awaiting_id"
        return queue_email(session, rt.queue, key=f"reminder:{uuid.uuid4().hex}", to=to,
                           template="requester_evidence_reminder", request_id=request.id,
                           context={"reference": request.reference, "requester_name": "Sam",
                                    "asked_for": "proof of identity", "asked_on": "1 December 2026",
                                    "close_on": "29 December 2026"}).id


def status_of(rt, message_id: int) -> OutboxMessage:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return session.get(OutboxMessage, message_id)


def test_smtp_worker_killed_between_sending_and_recording_never_sends_twice(rt, smtp, pg_url) -> None:
    message_id = one_message(rt)
    kill_mid_send(pg_url, message_id, "smtp", str(smtp.port))
    assert len(smtp.received) == 1
    assert status_of(rt, message_id).status == "sending"

    backend = SmtpBackend("127.0.0.1", smtp.port, "rights@council.example")
    # within the lease another worker leaves it alone (it might still be sending)
    assert deliver(rt.db, message_id, backend)["skipped"]
    # the job's own retry after the lease: SMTP cannot be asked, so the outcome is unknown, and nothing is sent
    later = utcnow() + timedelta(minutes=6)
    assert recover_stale(rt.db, backend, now=later) == {"unknown": 1}
    assert deliver(rt.db, message_id, backend, now=later) == {"status": "unknown", "already": True}
    for run_id in send_jobs(rt):
        jobs.execute(rt.db, run_id)
    assert len(smtp.received) == 1
    message = status_of(rt, message_id)
    assert message.status == "unknown" and "may or may not" in message.last_error

    # an administrator resends it, once (audited); a second resend is refused
    with rt.db.transaction() as session:
        resend(session, rt.queue, message_id, actor="user:99")
    for run_id in send_jobs(rt):
        jobs.execute(rt.db, run_id)
    assert len(smtp.received) == 2 and status_of(rt, message_id).status == "sent"
    with rt.db.transaction() as session, pytest.raises(ResendRefused):
        resend(session, rt.queue, message_id, actor="user:99")
    with rt.db.transaction() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"outbox:{message_id}")
                                       .order_by(AuditEvent.id)))
    assert actions == ["email.outcome_unknown", "email.resent", "email.sent"]


# ------------------------------------------------------------------------------- GOV.UK Notify


class FakeNotify:
    """The parts of Notify's v2 API the backend uses, with its authentication and error behaviour."""

    def __init__(self) -> None:
        self.service_id, self.secret = str(uuid.uuid4()), str(uuid.uuid4())
        self.api_key = f"rights_test-{self.service_id}-{self.secret}"
        self.script: list[int] = []  # status codes to answer the next POSTs with before accepting
        self.posts: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    self._reply(401, {"errors": [{"error": "AuthError", "message": "Unauthorized"}]})
                    return False
                try:
                    claims = jwt.decode(header.removeprefix("Bearer "), fake.secret, algorithms=["HS256"])
                except jwt.PyJWTError:
                    self._reply(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
                    return False
                if claims.get("iss") != fake.service_id or abs(claims["iat"] - datetime.now(UTC).timestamp()) > 30:
                    self._reply(403, {"errors": [{"error": "AuthError", "message": "Invalid token: iss/iat"}]})
                    return False
                return True

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.posts.append(body)
                if fake.script:
                    code = fake.script.pop(0)
                    self._reply(code, {"status_code": code, "errors": [{"error": "Error", "message": f"{code}"}]})
                    return
                missing = {"email_address", "template_id", "personalisation", "reference"} - set(body)
                if missing or self.path != "/v2/notifications/email":
                    self._reply(400, {"errors": [{"error": "BadRequestError", "message": f"missing {missing}"}]})
                    return
                notification = {"id": str(uuid.uuid4()), "reference": body["reference"],
                                "template": {"id": body["template_id"]}, "email_address": body["email_address"]}
                fake.accepted.append({**notification, "personalisation": body["personalisation"]})
                self._reply(201, {"id": notification["id"], "reference": body["reference"]})

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                from urllib.parse import parse_qs, urlparse

                query = parse_qs(urlparse(self.path).query)
                ref = (query.get("reference") or [None])[0]
                found = [{"id": n["id"], "reference": n["reference"], "status": "delivered"}
                         for n in fake.accepted if n["reference"] == ref]
                self._reply(200, {"notifications": found, "links": {}})

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(NotifyBackend, "RETRY_AFTER_429", 0.01)
    with FakeNotify() as fake:
        yield fake


def notify_backend(fake: FakeNotify, **kw: Any) -> NotifyBackend:
    return NotifyBackend(fake.api_key, "generic-template", fake.url, **kw)


def test_notify_payload_auth_reference_and_kind_template(rt, notify) -> None:
    message_id = one_message(rt)
    backend = notify_backend(notify, template_ids={"requester_evidence_reminder": "reminder-template"})
    assert deliver(rt.db, message_id, backend)["status"] == "sent"
    (sent,) = notify.accepted
    message = status_of(rt, message_id)
    assert sent["reference"] == f"{message.reference}/{message_id}" and message.reference.startswith("SAR-")
    assert sent["template"]["id"] == "reminder-template"
    assert sent["personalisation"]["close_on"] == "29 December 2026"
    assert sent["personalisation"]["subject"] == message.subject
    assert "29 December 2026" in sent["personalisation"]["body"]
    assert message.provider_ref == sent["id"]
    # a wrong key is refused by the server (403): permanent, not retried
    other = one_message(rt, "other@example.org")
    bad = NotifyBackend(f"rights_test-{notify.service_id}-{uuid.uuid4()}", "generic-template", notify.url)
    assert deliver(rt.db, other, bad) == {"status": "failed", "attempts": 1}
    assert len(notify.accepted) == 1


def test_notify_429_is_retried_400_fails_at_once_500_is_retried_by_the_job(rt, notify) -> None:
    from rights.notify import SendFailed

    backend = notify_backend(notify)
    first = one_message(rt, "a@example.org")
    notify.script = [429]
    assert deliver(rt.db, first, backend) == {"status": "sent", "attempts": 1}
    assert len(notify.posts) == 2 and len(notify.accepted) == 1

    second = one_message(rt, "b@example.org")
    notify.script = [400]
    assert deliver(rt.db, second, backend) == {"status": "failed", "attempts": 1}
    assert "400" in status_of(rt, second).last_error

    third = one_message(rt, "c@example.org")
    notify.script = [500]
    with pytest.raises(SendFailed):
        deliver(rt.db, third, backend)
    assert status_of(rt, third).status == "retrying"
    assert deliver(rt.db, third, backend)["status"] == "sent"
    assert [n["email_address"] for n in notify.accepted] == ["a@example.org", "c@example.org"]


def test_notify_retry_after_a_timeout_that_notify_did_accept_sends_nothing_more(rt, notify) -> None:
    """The response was lost (a timeout) but Notify has the message: the retry finds it by reference."""
    from rights.notify import SendFailed

    class LosesTheAnswer(NotifyBackend):
        def send(self, email):  # type: ignore[no-untyped-def]
            super().send(email)
            raise TimeoutError("read timed out")

    message_id = one_message(rt)
    with pytest.raises(SendFailed):
        deliver(rt.db, message_id, LosesTheAnswer(notify.api_key, "generic-template", notify.url))
    assert status_of(rt, message_id).status == "retrying"
    assert deliver(rt.db, message_id, notify_backend(notify)) == {"status": "sent", "recovered": True}
    assert len(notify.accepted) == 1 and status_of(rt, message_id).provider_ref == notify.accepted[0]["id"]


def test_notify_worker_killed_after_sending_is_recorded_from_notify_not_sent_again(rt, notify, pg_url) -> None:
    message_id = one_message(rt)
    kill_mid_send(pg_url, message_id, "notify", f"{notify.api_key} {notify.url}")
    assert len(notify.accepted) == 1 and status_of(rt, message_id).status == "sending"
    backend = notify_backend(notify)
    assert recover_stale(rt.db, backend, now=utcnow() + timedelta(minutes=6)) == {"sent": 1}
    message = status_of(rt, message_id)
    assert (message.status, message.provider_ref) == ("sent", notify.accepted[0]["id"])
    for run_id in send_jobs(rt):
        jobs.execute(rt.db, run_id)
    assert len(notify.accepted) == 1  # exactly once

    # a worker that died *before* Notify accepted: the lookup finds nothing, so it is sent, once
    lost = one_message(rt, "lost@example.org")
    with rt.db.transaction() as session:
        row = session.get(OutboxMessage, lost)
        row.status, row.sending_at, row.attempts = "sending", utcnow() - timedelta(minutes=10), 1
    assert recover_stale(rt.db, backend) == {"sent": 1}
    assert [n["email_address"] for n in notify.accepted] == ["sam@example.org", "lost@example.org"]


def test_a_retry_within_the_lease_records_what_notify_already_has(rt, notify) -> None:
    """The sender's database connection was cut after Notify accepted: its retry settles it at once."""
    message_id = one_message(rt)
    backend = notify_backend(notify)
    with rt.db.transaction() as session:  # mid-send: another worker may still be sending it
        session.get(OutboxMessage, message_id).status = "sending"
        session.get(OutboxMessage, message_id).sending_at = utcnow()
    assert deliver(rt.db, message_id, backend)["skipped"]  # Notify has nothing: leave it to the live sender
    backend.send(Email(key="k", to="sam@example.org", subject="s", text="t",
                       reference=provider_reference(status_of(rt, message_id))))
    assert deliver(rt.db, message_id, backend) == {"status": "sent", "recovered": True}
    assert len(notify.accepted) == 1 and status_of(rt, message_id).provider_ref == notify.accepted[0]["id"]


def test_schedule_list_shows_last_and_next_runs(rt) -> None:
    runner.tick(rt.db, rt.queue, rt.settings, NOW)
    rows = {s.job: s for s in runner.status(rt.db, NOW)}
    assert rows["officer_digest"].last_period == "2026-12-03" and rows["officer_digest"].last_status == "finished"
    assert rows["officer_digest"].next_run == datetime.combine(date(2026, 12, 4), time(7), tzinfo=UTC)
    assert rows["sweep"].next_run == NOW + timedelta(minutes=1)
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleRun)) == len(runner.SCHEDULE)


# ------------------------------------------------------------------------------- RQ and the hooks


def test_a_real_rq_worker_runs_the_tick_and_schedules_the_next_one(rt) -> None:
    from rq import SimpleWorker

    registry = rt.queue.queue.scheduled_job_registry
    for left in registry.get_job_ids():  # ticks an earlier test's worker scheduled on this queue
        registry.remove(left, delete_job=True)
    first = runner.ensure_tick(rt.queue)
    assert runner.ensure_tick(rt.queue) == first  # a second worker starting in the same minute adds nothing
    assert registry.get_job_ids() == [first]
    SimpleWorker([rt.queue.queue], connection=rt.queue.connection).work(burst=True, with_scheduler=True)
    with rt.db.transaction() as session:
        assert {r.job for r in session.scalars(select(ScheduleRun))} == {e.name for e in runner.SCHEDULE}
    (following,) = registry.get_job_ids()
    assert following != first and following.startswith("rights-schedule-tick-")
    registry.remove(following, delete_job=True)


def test_download_link_reminder_through_the_registered_query(rt, settings) -> None:
    from rights.schedule import reminders
    from rights.schedule.context import RunContext

    with rt.db.transaction() as session:
        person = make_person(given_names="Dee", email="dee@example.org")
        request = make_request(session, requester=person, subject=person)
        request.status, request.responded_on = "released", date(2026, 11, 30)
        request_id, reference = request.id, request.reference
    asked: list[tuple[date, date]] = []

    def fake_links(session, first: date, last: date) -> list[reminders.ExpiringLink]:  # type: ignore[no-untyped-def]
        asked.append((first, last))
        return [reminders.ExpiringLink("link-1", request_id, date(2026, 12, 6), "https://x/download/link-1")]

    registered = reminders._download_links  # the release feature's query: put back afterwards
    reminders.register_download_links(fake_links)
    try:
        ctx = RunContext(today=date(2026, 12, 3), now=NOW, settings=settings)
        for _ in range(2):  # a second run the same day sends nothing twice
            with rt.db.transaction() as session:
                reminders.requester_reminders(session, rt.queue, ctx)
    finally:
        reminders.register_download_links(registered)
    assert asked == [(date(2026, 12, 3), date(2026, 12, 6))] * 2
    with rt.db.transaction() as session:
        (message,) = session.scalars(select(OutboxMessage)
                                     .where(OutboxMessage.template == "download_link_expiring")).all()
        assert (message.to, message.key, message.reference) == ("dee@example.org", "download-link-expiring:link-1",
                                                                reference)
        assert "6 December 2026" in message.body_text and "https://x/download/link-1" in message.body_text


def test_two_rights_worker_processes_run_each_scheduled_job_once(rt, settings, tmp_path) -> None:
    """Two real `rights worker` processes (RQ scheduler, forked work horses): the schedule runs, once."""
    import time as clock_time

    import psutil

    registry = rt.queue.queue.scheduled_job_registry
    for left in registry.get_job_ids():
        registry.remove(left, delete_job=True)
    seed_due_work(rt)
    env = {**os.environ, "RIGHTS_ENV": "test", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "RIGHTS_QUEUE": settings.queue_name,
           "RIGHTS_UPLOAD_DIR": settings.upload_dir, "MAIL_BACKEND": "outbox-only"}
    # Each in a session of its own: RQ signals a work horse's process group, and a horse caught before it
    # leaves its parent's group would take that group down, which without this is the test run's own.
    # stderr to a file, not a pipe: a work horse outliving its worker would hold a pipe open, and reading it
    # would wait for that horse for ever.
    logs = [open(tmp_path / f"worker{n}.log", "w+b") for n in range(2)]  # noqa: SIM115 - closed below
    workers = [subprocess.Popen([sys.executable, "-m", "rights", "worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
               for log in logs]
    try:
        deadline = clock_time.monotonic() + 60
        done: set[str] = set()
        while clock_time.monotonic() < deadline:
            with rt.db.transaction() as session:
                done = {r.job for r in session.scalars(select(ScheduleRun).where(ScheduleRun.status == "finished"))}
                held = session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status == "held"))
            if done == {e.name for e in runner.SCHEDULE} and held:
                break
            clock_time.sleep(0.5)
    finally:
        # A work horse runs in a session of its own (RQ), so it is found and stopped by name, not by group.
        horses = [child for proc in workers for child in psutil.Process(proc.pid).children(recursive=True)]
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for horse in horses:
            with contextlib.suppress(psutil.Error):
                horse.kill()
    logs[0].seek(0)
    errors = logs[0].read().decode(errors="replace")[-3000:]
    for log in logs:
        log.close()
    assert done == {e.name for e in runner.SCHEDULE}, errors
    with rt.db.transaction() as session:
        # each job's period claimed once; the sweeper may have had more than one minute
        daily = [r for r in session.scalars(select(ScheduleRun)) if r.job != "sweep"]
        assert sorted(r.job for r in daily) == sorted(e.name for e in runner.SCHEDULE if e.name != "sweep")
        keys = list(session.scalars(select(OutboxMessage.key)))
    assert len(keys) == len(set(keys)) and keys  # the messages of the day, none twice
    for left in registry.get_job_ids():
        registry.remove(left, delete_job=True)
