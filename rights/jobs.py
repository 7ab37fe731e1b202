"""Background jobs: deferred in a transaction, enqueued on RQ only after it commits.

Why this shape:
- ``defer()`` writes a :class:`~rights.models.JobRun` row in the caller's transaction and registers the
  enqueue as an after-commit hook. A rolled-back transaction therefore never runs its jobs, and a
  committed one always has a row that says what should happen.
- Jobs carry the JobRun id, never objects; the handler reloads what it needs from the database.
- If Redis loses a job (or was down at commit), :func:`requeue_stale` finds the row still ``pending`` or
  ``queued`` and enqueues it again; handlers are idempotent, so running twice is harmless.
- Production uses real Redis and ``rights worker`` processes. The demo (no ``REDIS_URL``) runs the same
  jobs on an in-process thread with fakeredis; see :class:`InlineWorker`.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from rights.db import Database, after_commit
from rights.models import JobRun, JobStatus, utcnow

log = logging.getLogger(__name__)

RQ_FUNCTION = "workers.jobs.run"
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

    def enqueue(self, job_run_id: str) -> None:
        self.queue.enqueue(
            RQ_FUNCTION,
            job_run_id,
            job_id=f"{job_run_id}-{int(time.time() * 1000)}",
            retry=Retry(max=3, interval=[5, 30, 120]),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )


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
    engine = session.get_bind()

    def enqueue() -> None:
        try:
            queue.enqueue(run_id)
        except Exception:  # Redis down: the row stays pending and requeue_stale picks it up
            log.exception("could not enqueue job %s; it stays pending for the sweeper", run_id)
            return
        with engine.begin() as conn:  # only if the worker has not already picked it up
            conn.execute(
                update(JobRun)
                .where(JobRun.id == run_id, JobRun.status == JobStatus.PENDING.value)
                .values(status=JobStatus.QUEUED.value, enqueued_at=utcnow())
            )

    after_commit(session, enqueue)
    return run


def _load_handlers() -> None:
    """Import every module of the ``workers`` package; each registers its handlers on import."""
    import importlib
    import pkgutil

    import workers

    for info in pkgutil.iter_modules(workers.__path__):
        importlib.import_module(f"workers.{info.name}")


def execute(db: Database, job_run_id: str) -> dict[str, Any] | None:
    """Run one job by its JobRun id: mirror its status in the database, re-raise failures for RQ."""
    _load_handlers()
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
        name, args = run.name, list(run.args)
    try:
        result = HANDLERS[name](db, *args)
    except Exception as exc:
        with db.transaction() as session:
            run = session.get(JobRun, job_run_id)
            assert run is not None
            run.status = JobStatus.FAILED.value
            run.error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
            run.finished_at = utcnow()
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
    return list(session.scalars(
        select(JobRun).where(JobRun.request_id == request_id).order_by(JobRun.created_at.desc()).limit(limit)
    ))


def requeue_stale(
    db: Database,
    queue: JobQueue,
    pending_for: timedelta = timedelta(minutes=2),
    queued_for: timedelta = timedelta(minutes=30),
) -> int:
    """Enqueue again every job the database says should run but the queue may have lost.

    A row still ``pending`` minutes after commit never reached Redis; a row ``queued`` for half an hour
    has most likely been lost with a Redis restart. Handlers are idempotent, so a false alarm costs a
    duplicate run that does nothing.
    """
    now = utcnow()
    with db.transaction() as session:
        runs = session.scalars(
            select(JobRun)
            .where(
                or_(
                    (JobRun.status == JobStatus.PENDING.value) & (JobRun.created_at < now - pending_for),
                    (JobRun.status == JobStatus.QUEUED.value) & (JobRun.enqueued_at < now - queued_for),
                )
            )
            .order_by(JobRun.created_at)
            .limit(500)
        ).all()
        ids = [run.id for run in runs]
        for run in runs:
            run.status = JobStatus.QUEUED.value
            run.enqueued_at = now
    for run_id in ids:
        queue.enqueue(run_id)
    return len(ids)


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
