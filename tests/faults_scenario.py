"""A fault run: requests acknowledged, searched and bundled by real workers while the harness breaks things.

Each request goes through what production does with it in the background: the acknowledgement email (the
outbox, GOV.UK Notify's API served locally), the search of a source system (a ``sql`` source in a PostgreSQL
database of its own whose records query takes ``delay`` seconds, so a kill lands mid-search), redaction
proposals, then an officer's decisions (made here, in the test process) and the prepared response (a
WeasyPrint letter and bundle, so a kill lands mid-render). Faults are injected when their moment is
observed (a worker running a search, jobs waiting in the queue), not on a timer.

"Exactly once" is then checked on what a person would see twice: one email per message accepted by Notify,
each request's records stored once and all of them, one response version per request, one audit entry per
prepared version, every job finished, and the audit chain intact.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rq import Queue
from rq import Worker as RqWorker
from sqlalchemy import create_engine, func, select, text

from rights import jobs, search
from rights.bundles import versions
from rights.db import Database
from rights.identifiers import nhs_check_digit
from rights.models import (
    AuditEvent,
    BundleVersion,
    GatheredRecord,
    JobRun,
    JobStatus,
    OutboxMessage,
    RecordDecision,
    RightsRequest,
    SearchTask,
)
from rights.redaction import decisions
from tests.factories import make_person, make_request
from tests.faults_harness import PgProxy, RedisServer, Workers, wait_for

GIVEN = ["Amelia", "Noah", "Priya", "Oliver", "Zara", "Kwame", "Isla", "Mohammed", "Erin", "Tomasz"]
FAMILY = ["Hart", "Okafor", "Shah", "Nowak", "Price", "Byrne", "Evans", "Khan", "Murphy", "Clarke", "Reid",
          "Patel", "Hughes", "Ali", "Walsh", "Jones", "Ellis", "Sutton", "Baker", "Quinn"]
NOTES_PER_PERSON = 3
SOURCE = "lcs"
ACTOR = "user:fault-harness"


def subject(i: int) -> dict[str, Any]:
    """Subject ``i``: a unique name, birth date and valid NHS number, the same in the request and the source."""
    nine = f"{401000000 + i * 7919:09d}"
    while (check := nhs_check_digit(nine)) is None:
        nine = f"{int(nine) + 1:09d}"
    return {"given_names": GIVEN[i % len(GIVEN)], "family_name": FAMILY[i // len(GIVEN) % len(FAMILY)]
            + ("" if i < len(GIVEN) * len(FAMILY) else f"-{i}"),
            "date_of_birth": date(2008, 1, 1) + timedelta(days=37 * i), "nhs_number": nine + str(check),
            "postcode": f"NB{i % 9 + 1} {i % 10}AB"}


def build_source(url: str, people: int) -> None:
    """The source system: one person per subject, three case notes each naming a relative (to redact)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("""
            CREATE TABLE person (person_id integer PRIMARY KEY, forename text, surname text, dob date,
                                 nhs_no text, postcode text);
            CREATE TABLE case_note (note_id text PRIMARY KEY, person_id integer REFERENCES person,
                                    note_date date, title text, body text);
            CREATE TABLE note_person (note_id text REFERENCES case_note, name text, role text);"""))
        for i in range(people):
            s = subject(i)
            conn.execute(text("INSERT INTO person VALUES (:i, :g, :f, :d, :n, :p)"),
                         {"i": i, "g": s["given_names"], "f": s["family_name"], "d": s["date_of_birth"],
                          "n": s["nhs_number"], "p": s["postcode"]})
            for k in range(NOTES_PER_PERSON):
                note = f"N{i}-{k}"
                conn.execute(text("INSERT INTO case_note VALUES (:n, :p, :d, :t, :b)"),
                             {"n": note, "p": i, "d": date(2024, 1 + k, 10), "t": f"Visit {k + 1}",
                              "b": f"{s['given_names']} talked with her aunt Joanne Brook about school. "
                                   f"Joanne Brook called on 07700 900{i % 1000:03d}."})
                conn.execute(text("INSERT INTO note_person VALUES (:n, 'Joanne Brook', 'family_member')"),
                             {"n": note})
    engine.dispose()


def source_entry(url: str, delay: float) -> dict[str, Any]:
    """The ``sql`` source; its records query sleeps ``delay`` seconds, as a busy reporting replica would."""
    return {"name": SOURCE, "service": "childrens_social_care", "type": "sql", "timeout_seconds": 60,
            "settings": {
                "url": url, "person_table": "person",
                "columns": {"person_id": "person_id", "given_names": "forename", "family_name": "surname",
                            "date_of_birth": "dob", "nhs_number": "nhs_no", "postcode": "postcode"},
                "queries": {
                    "records": "SELECT note_id AS record_id, note_date AS date, title, body AS text "
                               f"FROM case_note CROSS JOIN pg_sleep({delay:g}) "
                               "WHERE person_id = :person_id AND note_date BETWEEN :date_from AND :date_to",
                    "involvements": "SELECT np.note_id AS record_id, np.name, np.role FROM note_person np "
                                    "JOIN case_note n USING (note_id) WHERE n.person_id = :person_id",
                }}}


@dataclass
class Figures:
    """What a run did and what it proved; printed by the bench, asserted by the test."""

    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    missed_faults: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def survived(self) -> int:
        return sum(self.faults.values())


@dataclass
class Services:
    """The parts of one run: the test's own runtime (direct to PostgreSQL), the broken paths, the workers."""

    rt: Any  # rights.runtime.Runtime on the private Redis
    redis: RedisServer
    proxy: PgProxy
    workers: Workers
    notify: Any  # tests.integration.test_schedule_delivery.FakeNotify


class FaultRun:
    """Drive ``n`` requests through two phases (search, then prepare), injecting ``plan`` faults in each."""

    def __init__(self, services: Services, n: int, *, rounds: int = 1, sweep: str = "operator",
                 log: Callable[[str], None] = lambda _m: None) -> None:
        self.s = services
        self.db: Database = services.rt.db
        self.n = n
        self.rounds = rounds
        self.sweep_mode = sweep
        self.log = log
        self.figures = Figures(requests=n)
        self.request_ids: list[int] = []
        self._stop_sweeping = threading.Event()

    # ------------------------------------------------------------------ observing the workers
    def running(self, job_name: str) -> list[tuple[int, str]]:
        """(worker index, JobRun id) for each worker whose work horse runs a ``job_name`` job right now.

        Only runs whose start is committed (status ``started``) count: a horse killed before its run recorded
        the attempt leaves nothing to run again, so a fault landing there would interrupt no job at all.
        """
        queue = Queue(self.s.rt.queue.queue.name, connection=self.s.rt.queue.connection)
        by_pid = {pid: index for index, pid in self.s.workers.pids().items()}
        current: dict[str, int] = {}
        with contextlib.suppress(Exception):  # Redis may be restarting
            for worker in RqWorker.all(connection=self.s.rt.queue.connection, queue=queue):
                job_id = worker.get_current_job_id()
                if job_id and worker.pid in by_pid and Workers.horse_of(worker.pid) is not None:
                    current[job_id.split("-")[0]] = by_pid[worker.pid]
        if not current:
            return []
        with self.db.transaction() as session:
            names = dict(session.execute(select(JobRun.id, JobRun.name).where(
                JobRun.id.in_(list(current)), JobRun.status == JobStatus.STARTED.value)).all())
        return [(index, run_id) for run_id, index in current.items() if names.get(run_id) == job_name]

    def queued(self) -> int:
        with contextlib.suppress(Exception):
            return int(self.s.rt.queue.queue.count)
        return 0

    # ------------------------------------------------------------------ faults
    def fault(self, kind: str, job_name: str, timeout: float = 60.0) -> None:
        """Wait for the fault's moment, then inject it; a moment that never came is counted as missed."""
        try:
            if kind == "redis_restart":
                wait_for(lambda: self.queued() > 0, timeout, what="jobs waiting in the queue")
                self.s.redis.restart(down_for=1.0)
            else:
                index, _run = wait_for(lambda: (self.running(job_name) or [None])[0], timeout, every=0.05,
                                       what=f"a worker running {job_name}")
                if kind == "kill_worker":
                    self.s.workers.kill_tree(index)
                elif kind == "kill_horse":
                    if not self.s.workers.kill_horse(index):
                        raise TimeoutError("the work horse finished first")
                elif kind == "pg_cut":
                    if not self.s.proxy.cut():
                        raise TimeoutError("no connection was open")
                elif kind == "pg_outage":
                    self.s.proxy.outage(3.0)
                else:  # pragma: no cover - a typo in a plan
                    raise ValueError(kind)
        except TimeoutError as exc:
            self.figures.missed_faults[f"{kind} ({job_name})"] += 1
            self.log(f"  missed {kind} during {job_name}: {exc}")
            return
        self.figures.faults[f"{kind} ({job_name})"] += 1
        self.log(f"  {kind} during {job_name}")

    def inject(self, plan: list[str], job_name: str, done: Callable[[], bool]) -> None:
        for _ in range(self.rounds):
            for kind in plan:
                if done():
                    return
                self.fault(kind, job_name)
                time.sleep(0.5)

    # ------------------------------------------------------------------ the operator's sweeper
    def _sweep_loop(self) -> None:
        """What the schedule's one-minute sweep does, every few seconds and with short thresholds (suite only)."""
        from rights.notify import backend_for, recover_stale

        backend = backend_for(self.s.rt.settings)
        while not self._stop_sweeping.wait(3.0):
            with contextlib.suppress(Exception):  # Redis or PostgreSQL may be down this very moment
                jobs.requeue_stale(self.db, self.s.rt.queue, pending_for=timedelta(seconds=10))
            with contextlib.suppress(Exception):
                recover_stale(self.db, backend, lease=timedelta(seconds=45))

    # ------------------------------------------------------------------ the phases
    def submit(self) -> None:
        """``n`` requests received, acknowledged and searched (jobs deferred, enqueued after each commit)."""
        from rights.submission import queue_acknowledgement

        for i in range(self.n):
            s = subject(i)
            with self.db.transaction() as session:
                person = make_person(given_names=s["given_names"], family_name=s["family_name"],
                                     date_of_birth=s["date_of_birth"], email=f"requester.{i}@example.org",
                                     identifiers={"nhs_number": s["nhs_number"]},
                                     addresses=[{"lines": [f"{i} Mill Lane"], "postcode": s["postcode"],
                                                 "current": True}])
                request = make_request(session, subject=person)
                request.status = "searching"
                queue_acknowledgement(session, self.s.rt.queue, request, provisional=False, has_id=True)
                search.start_searches(session, self.s.rt.queue, request.id, ACTOR,
                                      settings=self.s.rt.settings)
                self.request_ids.append(request.id)

    def searched(self) -> bool:
        want = self.n * NOTES_PER_PERSON
        with self.db.transaction() as session:
            done = session.scalar(select(func.count()).select_from(SearchTask).where(SearchTask.status == "done"))
            records = session.scalar(select(func.count()).select_from(GatheredRecord))
            proposed = session.scalar(select(func.count()).select_from(RecordDecision)
                                      .where(RecordDecision.proposed_at.is_not(None)))
            sent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status == "sent"))
        return done == self.n and records == want and proposed == want and sent == self.n

    def decide_and_prepare(self) -> None:
        """An officer includes every record with its proposed redactions and asks for the response."""
        for request_id in self.request_ids:
            with self.db.transaction() as session:
                request = session.get(RightsRequest, request_id)
                assert request is not None
                request.status = "review"
                for record_id in session.scalars(select(GatheredRecord.id)
                                                 .where(GatheredRecord.request_id == request_id)):
                    decisions.include_record(session, request_id, record_id, ACTOR, accept_all=True)
                versions.defer_prepare(session, self.s.rt.queue, request_id, ACTOR)

    def prepared(self) -> bool:
        with self.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(BundleVersion)) == self.n

    def settled(self) -> bool:
        with self.db.transaction() as session:
            open_runs = session.scalar(select(func.count()).select_from(JobRun)
                                       .where(JobRun.status != "finished"))
        return open_runs == 0

    def phase(self, name: str, start: Callable[[], None], done: Callable[[], bool], plan: list[str],
              job_name: str, timeout: float) -> None:
        began = time.monotonic()
        start()
        self.inject(plan, job_name, done)
        try:
            wait_for(done, timeout, every=0.5, what=f"the {name} phase to complete")
        except TimeoutError as exc:
            self.figures.problems.append(str(exc))
        self.figures.seconds[name] = round(time.monotonic() - began, 1)

    def run(self, search_plan: list[str], bundle_plan: list[str], timeout: float) -> Figures:
        sweeper = None
        if self.sweep_mode == "operator":
            sweeper = threading.Thread(target=self._sweep_loop, name="operator-sweep", daemon=True)
            sweeper.start()
        try:
            self.phase("search", self.submit, self.searched, search_plan, search.SEARCH_JOB, timeout)
            if not self.figures.problems:
                self.phase("prepare", self.decide_and_prepare, self.prepared, bundle_plan, versions.PREPARE_JOB,
                           timeout)
            with contextlib.suppress(TimeoutError):
                wait_for(self.settled, timeout, every=0.5, what="every job to finish")
        finally:
            self._stop_sweeping.set()
        self.verify()
        return self.figures

    # ------------------------------------------------------------------ exactly once
    def verify(self) -> None:
        from rights import audit
        from rights.security import store_for

        f = self.figures
        problems = f.problems
        accepted = Counter(n["reference"] for n in self.s.notify.accepted)
        with self.db.transaction() as session:
            messages = session.scalars(select(OutboxMessage)).all()
            per_request = Counter(m.request_id for m in messages)
            records = Counter(session.scalars(select(GatheredRecord.request_id)))
            bundles = Counter(session.scalars(select(BundleVersion.request_id)))
            prepared_audit = Counter(session.scalars(select(AuditEvent.request_id)
                                                     .where(AuditEvent.action == "bundle.prepared")))
            email_audit = Counter(session.scalars(select(AuditEvent.target).where(
                AuditEvent.action.in_(["email.sent", "email.recovered"]))))
            runs = session.scalars(select(JobRun)).all()
            keys = [k for v in session.scalars(select(BundleVersion)) for k in (v.letter_key, v.bundle_key)]
            chain = audit.verify(session)
        for request_id in self.request_ids:
            if per_request[request_id] != 1:
                problems.append(f"request {request_id}: {per_request[request_id]} outbox messages")
            if records[request_id] != NOTES_PER_PERSON:
                problems.append(f"request {request_id}: {records[request_id]} records, not {NOTES_PER_PERSON}")
            if bundles[request_id] != 1 or prepared_audit[request_id] != 1:
                problems.append(f"request {request_id}: {bundles[request_id]} versions, "
                                f"{prepared_audit[request_id]} bundle.prepared entries")
        from rights.notify.outbox import provider_reference

        for message in messages:
            reference = provider_reference(message)
            if accepted[reference] != 1 or message.status != "sent":
                problems.append(f"{reference}: Notify accepted it {accepted[reference]} time(s); status "
                                f"{message.status}")
            if email_audit[f"outbox:{message.id}"] != 1:
                problems.append(f"{reference}: {email_audit[f'outbox:{message.id}']} sent/recovered entries")
        unfinished = [f"{r.name} {r.id} {r.status}: {r.error}" for r in runs if r.status != "finished"]
        problems += unfinished
        if not chain.ok:
            problems.append(f"audit chain broken at {chain.first_broken_id}: {chain.reason}")
        store = store_for(self.s.rt.settings.upload_dir, self.s.rt.settings.encryption_keys)
        unreadable = 0
        for key in keys:
            try:
                store.get(key)
            except Exception:
                unreadable += 1
        if unreadable:
            problems.append(f"{unreadable} stored response file(s) unreadable")
        stored_files = sum(1 for _ in Path(self.s.rt.settings.upload_dir).rglob("*.bin"))
        f.counts.update({
            "emails accepted by Notify": sum(accepted.values()), "outbox messages": len(messages),
            "records": sum(records.values()), "response versions": sum(bundles.values()),
            "jobs": len(runs), "jobs run more than once": sum(1 for r in runs if r.attempts > 1),
            "job attempts": sum(r.attempts for r in runs), "audit entries checked": chain.checked,
            "files in the store": stored_files, "files referenced": len(keys),
            "worker trees killed": self.s.workers.killed_trees, "work horses killed": self.s.workers.killed_horses,
            "workers restarted": self.s.workers.restarted_after_exit, "redis restarts": self.s.redis.restarts,
            "postgresql connections cut": self.s.proxy.connections_cut,
        })


@contextlib.contextmanager
def open_services(database_url: str, workdir: Path, *, people: int, delay: float, workers: int,
                  secret_key: str | None = None) -> Any:
    """Everything a run needs, torn down afterwards: source database, private Redis, proxy, Notify, workers.

    ``database_url`` is an empty, migrated Rights Desk database; the workers reach it only through the proxy.
    """
    from rights import config, runtime
    from tests.conftest import scratch_database
    from tests.integration.source_builders import write_sources
    from tests.integration.test_schedule_delivery import FakeNotify

    with scratch_database("rights_faults_src") as source_url, FakeNotify() as notify:
        build_source(source_url, people)
        sources = write_sources(workdir / "sources.toml", [source_entry(source_url, delay)])
        redis = RedisServer(workdir / "redis")
        redis.start()
        from sqlalchemy.engine import make_url

        target = make_url(database_url)
        proxy = PgProxy(target.port or 5432, target.host or "127.0.0.1")
        queue_name = f"rights-faults-{time.time_ns() % 10**8}"
        settings = config.load("test", database_url=database_url, redis_url=redis.url, queue_name=queue_name,
                               upload_dir=str(workdir / "uploads"), sources_file=str(sources), demo=False,
                               ratelimit_storage_uri="memory://", mail_backend="notify",
                               notify_api_key=notify.api_key, notify_template_id="generic-template",
                               notify_base_url=notify.url, **({"secret_key": secret_key} if secret_key else {}))
        rt = runtime.init(settings)
        import os

        env = {**os.environ, "RIGHTS_ENV": "test", "DATABASE_URL": proxy.url_for(database_url),
               "REDIS_URL": redis.url, "RIGHTS_QUEUE": queue_name, "RIGHTS_SOURCES": str(sources),
               "RIGHTS_UPLOAD_DIR": settings.upload_dir, "RIGHTS_ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
               "SECRET_KEY": settings.secret_key, "MAIL_BACKEND": "notify", "NOTIFY_API_KEY": notify.api_key,
               "NOTIFY_TEMPLATE_ID": "generic-template", "NOTIFY_BASE_URL": notify.url,
               "RIGHTS_BUNDLE_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
        pool = Workers(env, workers, workdir / "logs")
        try:
            pool.start_all()
            pool.supervise()
            yield Services(rt=rt, redis=redis, proxy=proxy, workers=pool, notify=notify)
        finally:
            pool.stop()
            proxy.close()
            redis.stop()
            rt.db.dispose()
