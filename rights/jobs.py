"""Background jobs: deferred in a transaction, enqueued on RQ only after it commits.

Why this shape:
- ``defer()`` writes a :class:`~rights.models.JobRun` row in the caller's transaction and registers the
  enqueue as an after-commit hook. A rolled-back transaction therefore never runs its jobs, and a
  committed one always has a row that says what should happen.
- Jobs carry the JobRun id, never objects; the handler reloads what it needs from the database.
- A run holds a *lease* while it runs (:func:`lease`: a PostgreSQL advisory lock on a connection of its own),
  so two deliveries of one run never execute at once, and a run whose process died (kill -9, out of memory,
  a lost host) or whose connection was cut is known to be abandoned the moment it happens.
- The sweeper (:func:`requeue_stale`, every minute on the schedule) enqueues again what nothing will run: a
  run that never reached Redis, one whose RQ job Redis lost (a restart) or gave up on, one whose worker died
  mid-run. Handlers are idempotent, so a run delivered twice changes nothing the second time.
- Production uses real Redis and ``rights worker`` processes. The demo (no ``REDIS_URL``) runs the same
  jobs on an in-process thread with fakeredis; see :class:`InlineWorker`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import Any

from redis import Redis
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import Select, bindparam, select, text, update
from sqlalchemy.orm import Session

from rights.db import Database, after_commit
from rights.models import JobRun, JobStatus, utcnow

log = logging.getLogger(__name__)

RQ_FUNCTION = "workers.jobs.run"
#: A run is put back on the queue after its worker died at most until it has been attempted this often: a job
#: that kills every worker it runs on (out of memory) then fails, visibly, instead of looping for ever.
MAX_ATTEMPTS = 6
#: Without leases (SQLite: the demo's one in-process worker), a run ``started`` this long ago cannot still be
#: running: RQ stops a job at its 600-second timeout, and its worker kills the work horse a minute after that.
STARTED_FOR = timedelta(minutes=15)
#: The first key of every run's advisory lock ("RDJB"), so the leases never collide with another lock.
_LEASE_CLASS = 0x52444A42
#: RQ states in which RQ itself will still run the job (a retry waiting in the scheduled registry included).
RQ_WILL_RUN = frozenset({"created", "queued", "scheduled", "deferred"})
#: RQ states in which RQ has finished with the job, whatever the run's own row says.
RQ_DONE = frozenset({"finished", "failed", "stopped", "canceled"})
Handler = Callable[..., dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register a job handler under a stable name (the name is stored in JobRun rows)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


class JobQueue:
    """The RQ queue a process enqueues onto; real Redis, or fakeredis for the demo."""

    def __init__(self, redis_url: str | None, name: str = "rights") -> None:
        if redis_url:
            self.connection: Redis = Redis.from_url(redis_url)
            self.inline = False
        else:
            import fakeredis

            self.connection = fakeredis.FakeStrictRedis(server=fakeredis.FakeServer())
            self.inline = True
        self.queue = Queue(name, connection=self.connection, default_timeout=600)

    @classmethod
    def bound(cls, connection: Redis, name: str) -> JobQueue:
        """The queue a running job came from (its connection and name), to defer follow-up work onto it."""
        queue = cls.__new__(cls)
        queue.connection = connection
        queue.inline = False
        queue.queue = Queue(name, connection=connection, default_timeout=600)
        return queue

    def enqueue(self, job_run_id: str, job_id: str | None = None) -> str:
        """Put the run on the queue as a new RQ job; returns that job's id (the run's id and the time)."""
        job_id = job_id or rq_job_id_for(job_run_id)
        self.queue.enqueue(
            RQ_FUNCTION,
            job_run_id,
            job_id=job_id,
            retry=Retry(max=3, interval=[5, 30, 120]),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
        return job_id


def rq_job_id_for(job_run_id: str) -> str:
    """A fresh RQ job id for a run: each delivery is its own RQ job, so RQ's registries never mix two of them."""
    return f"{job_run_id}-{time.time_ns() // 1000}"


_RUNS = JobRun.__table__
#: Built once: every deferred job (each submission, each progress check) marks its run queued after the commit.
_MARK_QUEUED = (update(_RUNS).where(_RUNS.c.id == bindparam("run_id"), _RUNS.c.status == JobStatus.PENDING.value)
                .values(status=JobStatus.QUEUED.value, enqueued_at=bindparam("at"), rq_job_id=bindparam("rq_id")))


def defer(session: Session, queue: JobQueue, name: str, *args: Any, request_id: int | None = None) -> JobRun:
    """Record a job in this transaction; it is enqueued only if the transaction commits."""
    if name not in HANDLERS:
        _load_handlers()
    if name not in HANDLERS:
        raise KeyError(f"no job handler named {name!r}")
    run = JobRun(name=name, args=list(args), request_id=request_id, status=JobStatus.PENDING.value)
    session.add(run)
    session.flush()
    run_id = run.id
    engine = session.get_bind().engine  # the engine, also when the session runs on a lent connection

    def enqueue() -> None:
        try:
            rq_id = queue.enqueue(run_id)
        except Exception:  # Redis down: the row stays pending and requeue_stale picks it up
            log.exception("could not enqueue job %s; it stays pending for the sweeper", run_id)
            return
        # Only if the worker has not already picked it up (it records its own id). One statement standing
        # alone: committed as it runs, without BEGIN and COMMIT round trips around it.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                _MARK_QUEUED, {"run_id": run_id, "at": utcnow(), "rq_id": rq_id})

    after_commit(session, enqueue)
    return run


def _load_handlers() -> None:
    """Import every module of the ``workers`` package; each registers its handlers on import."""
    import importlib
    import pkgutil

    import workers

    for info in pkgutil.iter_modules(workers.__path__):
        importlib.import_module(f"workers.{info.name}")


def _lease_key(job_run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(job_run_id.encode()).digest()[:4], "big", signed=True)


def has_leases(db: Database) -> bool:
    return db.engine.dialect.name == "postgresql"


@contextmanager
def lease(db: Database, job_run_id: str) -> Iterator[bool]:
    """Hold the run's lease for the block: a PostgreSQL advisory lock on a connection of its own.

    Why a lock in PostgreSQL rather than RQ's bookkeeping: the lock ends with the process holding it (kill -9,
    out of memory, a lost host) or with its connection, at once and whatever Redis remembers, so "is anybody
    running this run?" has an exact answer the sweeper can ask at any time. RQ's own answer (the started
    registry's heartbeat) takes 90 seconds to expire, is acted on only at a worker's maintenance round, and
    is lost with a Redis restart. Yields False when another process holds the lease. The connection stays
    in autocommit, so a long job holds a lock but no open transaction. SQLite (the demo: one in-process
    worker) has no advisory locks, and the lease is always granted there.
    """
    if not has_leases(db):
        yield True
        return
    keys = {"c": _LEASE_CLASS, "k": _lease_key(job_run_id)}
    conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    held = False
    try:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:c, :k)"), keys))
        yield held
    finally:
        try:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:c, :k)"), keys)
        except Exception:  # the connection was cut: its lock ended with it; never pool a broken connection
            conn.invalidate()
        finally:
            conn.close()


def execute(db: Database, job_run_id: str) -> dict[str, Any] | None:
    """Run one job by its JobRun id under its lease: mirror its status in the database, re-raise failures.

    A second delivery of a run that is running elsewhere (the sweeper's and RQ's own retry may both bring
    one back) does nothing; a delivery of a finished run returns its result.
    """
    _load_handlers()
    with lease(db, job_run_id) as held:
        if not held:
            log.info("job run %s is running in another worker; this delivery does nothing", job_run_id)
            return {"skipped": "running in another worker"}
        return _run(db, job_run_id)


def _run(db: Database, job_run_id: str) -> dict[str, Any] | None:
    current = get_current_job()
    with db.transaction() as session:
        run = session.get(JobRun, job_run_id, with_for_update=True)
        if run is None:
            log.warning("job run %s does not exist (rolled back?); nothing to do", job_run_id)
            return None
        if run.status == JobStatus.FINISHED.value:
            return run.result  # already done: retries and duplicate enqueues are harmless
        run.status = JobStatus.STARTED.value
        run.attempts += 1
        run.started_at = utcnow()
        if current is not None:
            run.rq_job_id = current.id
        name, args = run.name, list(run.args)
    try:
        result = HANDLERS[name](db, *args)
    except Exception as exc:
        # RQ retries a failed job after a pause: until then the run is "retrying", which the sweeper watches
        # (a Redis restart may lose the retry); "failed" is kept for the last attempt.
        retrying = bool(current is not None and current.retries_left)
        with db.transaction() as session:
            run = session.get(JobRun, job_run_id)
            assert run is not None
            run.status = (JobStatus.RETRYING if retrying else JobStatus.FAILED).value
            run.error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
            run.finished_at = None if retrying else utcnow()
        raise
    with db.transaction() as session:
        run = session.get(JobRun, job_run_id)
        assert run is not None
        run.status = JobStatus.FINISHED.value
        run.result = result
        run.error = None
        run.finished_at = utcnow()
    return result


def for_request(session: Session, request_id: int, limit: int = 50) -> list[JobRun]:
    """The newest background jobs of one request, as the case page lists them."""
    return list(session.scalars(_newest_jobs(limit), {"request_id": request_id}))


@lru_cache(maxsize=4)
def _newest_jobs(limit: int) -> Select[tuple[JobRun]]:
    """Built once per limit: the case page reads it on every view."""
    return (select(JobRun).where(JobRun.request_id == bindparam("request_id"))
            .order_by(JobRun.created_at.desc()).limit(limit))


def lost(status: str, rq_state: str | None, *, age: timedelta, pending_for: timedelta, queued_for: timedelta,
         started_for: timedelta | None = None) -> bool:
    """Whether nothing will run this run unless the sweeper enqueues it again (a pure rule, table-tested).

    ``rq_state`` is what Redis says of the run's last RQ job: an RQ status, ``"missing"`` (Redis no longer
    has it: a restart or a flush), or None (no job id recorded). ``age`` is measured from the moment the
    status began (created, enqueued or started). A ``started`` run reaches this rule only when nobody holds
    its lease (its worker died); ``started_for`` is the stand-in where there are no leases.
    """
    if status == JobStatus.PENDING.value:
        return age >= pending_for  # committed, but the enqueue after the commit never happened
    if status in (JobStatus.QUEUED.value, JobStatus.RETRYING.value):
        if rq_state is None:
            return age >= queued_for  # a row from before job ids were recorded: the old rule
        return rq_state == "missing" or rq_state in RQ_DONE
    if status == JobStatus.STARTED.value:
        if started_for is not None and age < started_for:
            return False
        return rq_state not in RQ_WILL_RUN  # RQ's own retry of a killed work horse is already waiting
    return False


def requeue_stale(
    db: Database,
    queue: JobQueue,
    pending_for: timedelta = timedelta(minutes=2),
    queued_for: timedelta = timedelta(minutes=30),
    started_for: timedelta = STARTED_FOR,
) -> int:
    """Enqueue again every run the database says should run but nothing will run (see :func:`lost`).

    A ``started`` run is looked at only under its lease, so a live run is never touched, and the row is
    marked queued before the lease is released and the job enqueued: a worker that picks the new job at
    once finds the lease free. A run attempted :data:`MAX_ATTEMPTS` times is marked failed instead.
    """
    watched = [JobStatus.PENDING.value, JobStatus.QUEUED.value, JobStatus.RETRYING.value, JobStatus.STARTED.value]
    with db.transaction() as session:
        runs = session.execute(
            select(JobRun.id, JobRun.status, JobRun.rq_job_id)
            .where(JobRun.status.in_(watched)).order_by(JobRun.created_at).limit(500)
        ).all()
    states = rq_states(queue, [r.rq_job_id for r in runs if r.rq_job_id])
    requeued = 0
    for run_id, status, rq_id in runs:
        state = states.get(rq_id) if rq_id else None
        if status == JobStatus.STARTED.value and has_leases(db):
            with lease(db, run_id) as free:
                new_id = _take_back(db, run_id, status, state, pending_for, queued_for, None) if free else None
        else:
            new_id = _take_back(db, run_id, status, state, pending_for, queued_for, started_for)
        if new_id is not None:
            queue.enqueue(run_id, new_id)
            requeued += 1
    return requeued


def _take_back(db: Database, run_id: str, status: str, rq_state: str | None, pending_for: timedelta,
               queued_for: timedelta, started_for: timedelta | None) -> str | None:
    """Re-read the run; if it is still ``status`` and lost, mark it queued under a new RQ job id and return it."""
    with db.transaction() as session:
        run = session.get(JobRun, run_id, with_for_update=True)
        if run is None or run.status != status:
            return None  # it moved on since the sweep looked
        since = {JobStatus.PENDING.value: run.created_at, JobStatus.STARTED.value: run.started_at}.get(
            status, run.enqueued_at or run.created_at)
        if not lost(status, rq_state, age=utcnow() - (since or run.created_at), pending_for=pending_for,
                    queued_for=queued_for, started_for=started_for):
            return None
        if run.attempts >= MAX_ATTEMPTS:
            run.status = JobStatus.FAILED.value
            run.error = (f"stopped after {run.attempts} attempts: its worker died or the queue lost it each time"
                         f"{'; last error: ' + run.error if run.error else ''}")[:4000]
            run.finished_at = utcnow()
            log.error("job run %s (%s) given up after %d attempts", run_id, run.name, run.attempts)
            return None
        log.warning("job run %s (%s) was %s and %s; enqueued again", run_id, run.name, status,
                    f"its RQ job is {rq_state}" if rq_state else "never reached the queue")
        run.status = JobStatus.QUEUED.value
        run.enqueued_at = utcnow()
        run.rq_job_id = rq_job_id_for(run_id)
        return run.rq_job_id


def rq_states(queue: JobQueue, rq_ids: list[str]) -> dict[str, str]:
    """What Redis says of each RQ job: its status, or ``"missing"``."""
    if not rq_ids:
        return {}
    found = Job.fetch_many(rq_ids, connection=queue.connection)
    out = {}
    for rq_id, job in zip(rq_ids, found, strict=True):
        status = job.get_status(refresh=False) if job is not None else "missing"
        out[rq_id] = str(getattr(status, "value", status) or "missing")
    return out


class _ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live on a non-main thread (signal handlers belong to the main thread)."""

    death_penalty_class = TimerDeathPenalty  # SIGALRM timeouts only work on the main thread

    def _install_signal_handlers(self) -> None:
        return None


class InlineWorker:
    """The demo's worker: a daemon thread draining the fakeredis queue inside the web process.

    It runs exactly the jobs and handlers the RQ workers run in production; what differs is that jobs
    stop with the web process and there is one worker only.
    """

    def __init__(self, queue: JobQueue, interval: float = 0.5, periodic: Callable[[], Any] | None = None,
                 periodic_every: float = 60.0) -> None:
        self.queue = queue
        self.interval = interval
        #: The demo's stand-in for RQ's scheduler: called every ``periodic_every`` seconds (the schedule's tick).
        self.periodic = periodic
        self.periodic_every = periodic_every
        self._last_periodic = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rights-inline-worker", daemon=True)

    def start(self) -> None:
        # The first periodic call waits one period: the process may still be migrating its database.
        self._last_periodic = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def drain(self) -> None:
        """Run every queued job now (tests and the CLI use this to finish work synchronously)."""
        worker = _ThreadWorker([self.queue.queue], connection=self.queue.connection)
        worker.work(burst=True, logging_level="WARNING")

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.periodic is not None and time.monotonic() - self._last_periodic >= self.periodic_every:
                self._last_periodic = time.monotonic()
                try:
                    self.periodic()
                except Exception:
                    log.exception("inline worker's periodic call failed")
            try:
                if self.queue.queue.count:
                    self.drain()
            except Exception:
                log.exception("inline worker pass failed")
            self._stop.wait(self.interval)
