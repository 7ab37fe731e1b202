"""Running the schedule: which period is due, claiming it once, catching up, and the RQ tick.

Why a self-rescheduling tick and not RQ's cron: RQ 2.12 ships ``rq.cron.CronScheduler``, but it runs as
its own process (``rq cron``), computes cron expressions in UTC (07:00 London would drift by an hour every
summer), keeps its timing only in that process's memory (a restart neither catches up a missed run nor
knows what ran), and every scheduler process enqueues its own copy of each job. What fits instead is
RQ's *delayed job* scheduler, which every ``rights worker`` already runs (``with_scheduler=True``): one
``rights.schedule.runner.rq_tick`` job that runs whatever is due and enqueues its successor for the next
minute with ``enqueue_at``. RQ's scheduler lock means one worker moves each delayed job to the queue; the
tick's job id is derived from its minute, so two workers scheduling "the next tick" schedule one.

What makes each run happen once is the database, not Redis: before a job runs, the tick inserts the
row ``(job, period_key)`` into ``schedule_runs``; the unique index lets exactly one worker win. A period
is a London date for daily jobs (so 07:00 is 07:00 GMT in winter and 07:00 BST in summer, computed with
zoneinfo) and a UTC minute for the sweeper. Only the *latest* due period of a job is considered, so a
worker that was down for three days runs each daily job once on return (caught up once), not three
times. A run that failed, or whose worker died (``running`` past the lease), is taken over by one later
tick; jobs are idempotent (outbox keys), so a retaken run never sends a message twice.

The demo has no RQ scheduler (fakeredis, burst draining), so its in-process worker calls :func:`tick`
on its own thread once a minute (:class:`rights.jobs.InlineWorker`).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from rights import clock
from rights.clock import LONDON
from rights.config import Settings
from rights.db import Database
from rights.jobs import JobQueue
from rights.models import ScheduleRun, utcnow
from rights.schedule.table import SCHEDULE, Entry, RunContext

log = logging.getLogger(__name__)

#: A run still ``running`` this long after it started belonged to a worker that died; a tick may retake it.
RUN_LEASE = timedelta(minutes=30)
#: A failed run is retried by later ticks up to this many attempts in all.
MAX_RUN_ATTEMPTS = 3
#: Minute-period rows are pruned after this long (the sweeper would otherwise add 1,440 rows a day).
KEEP_MINUTE_RUNS = timedelta(days=2)
TICK_FUNCTION = "rights.schedule.runner.rq_tick"


@dataclass(frozen=True)
class Period:
    """One due occurrence of a job: its key, the London date rules treat as today, when it was due."""

    key: str
    today: date
    due_at: datetime  # aware UTC


def _at_london(day: date, entry: Entry) -> datetime:
    assert entry.at is not None
    return datetime.combine(day, entry.at, tzinfo=LONDON).astimezone(UTC)


def _runs_on(entry: Entry, day: date) -> bool:
    return not entry.working_days_only or clock.is_working_day(day)


def due_period(entry: Entry, now: datetime) -> Period:
    """The latest period of ``entry`` whose time has come at ``now`` (aware)."""
    now = now.astimezone(UTC)
    if entry.every is not None:
        step = int(entry.every.total_seconds())
        start = datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=UTC)
        return Period(key=start.strftime("%Y-%m-%dT%H:%MZ"), today=clock.received_date(start), due_at=start)
    day = now.astimezone(LONDON).date()
    for _ in range(400):  # a year and a bit: always enough to find a working day
        if _runs_on(entry, day) and _at_london(day, entry) <= now:
            return Period(key=day.isoformat(), today=day, due_at=_at_london(day, entry))
        day -= timedelta(days=1)
    raise RuntimeError(f"no period found for {entry.name}")  # pragma: no cover - the loop always finds one


def next_run(entry: Entry, now: datetime) -> datetime:
    """The first time after ``now`` that ``entry`` is due (aware UTC)."""
    now = now.astimezone(UTC)
    if entry.every is not None:
        return due_period(entry, now).due_at + entry.every
    day = now.astimezone(LONDON).date()
    while True:
        if _runs_on(entry, day) and _at_london(day, entry) > now:
            return _at_london(day, entry)
        day += timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(db: Database, job: str, key: str, now: datetime) -> bool:
    """Take the period ``(job, key)`` for this worker; False if it ran, is running, or gave up failing.

    Looks first, so the every-minute ticks of idle workers do not fill the database's log with unique
    violations; the insert's unique index still decides a true race between two workers.
    """
    with db.transaction() as session:
        exists = session.scalar(select(ScheduleRun.id).where(ScheduleRun.job == job, ScheduleRun.period_key == key))
    if exists is None:
        try:
            with db.transaction() as session:
                session.add(ScheduleRun(job=job, period_key=key, status="running", started_at=now,
                                        worker=worker_name()))
            return True
        except IntegrityError:
            pass
    with db.transaction() as session:  # retake a failed run, or a dead worker's, in one conditional update
        taken = session.execute(
            update(ScheduleRun)
            .where(ScheduleRun.job == job, ScheduleRun.period_key == key, ScheduleRun.attempts < MAX_RUN_ATTEMPTS,
                   ((ScheduleRun.status == "failed")
                    | ((ScheduleRun.status == "running") & (ScheduleRun.started_at < now - RUN_LEASE))))
            .values(status="running", started_at=now, worker=worker_name(), attempts=ScheduleRun.attempts + 1)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def _finish(db: Database, job: str, key: str, *, result: dict[str, Any] | None, error: str | None) -> None:
    with db.transaction() as session:
        session.execute(update(ScheduleRun).where(ScheduleRun.job == job, ScheduleRun.period_key == key).values(
            status="failed" if error else "finished", finished_at=utcnow(), result=result, error=error))


def run_entry(db: Database, queue: JobQueue, settings: Settings, entry: Entry, period: Period,
              now: datetime) -> dict[str, Any]:
    """Run one claimed period of one job and record the outcome on its row."""
    ctx = RunContext(today=period.today, now=now, settings=settings)
    try:
        result = entry.run(db, queue, ctx)
    except Exception as exc:
        log.exception("scheduled job %s (%s) failed", entry.name, period.key)
        _finish(db, entry.name, period.key, result=None, error=f"{exc.__class__.__name__}: {exc}"[:2000])
        return {"error": str(exc)}
    _finish(db, entry.name, period.key, result=result, error=None)
    return result


def tick(db: Database, queue: JobQueue, settings: Settings, now: datetime | None = None,
         entries: tuple[Entry, ...] = SCHEDULE) -> dict[str, Any]:
    """Run every job whose latest period nobody has claimed yet; safe to call from any number of workers."""
    now = now or utcnow()
    ran: dict[str, Any] = {}
    for entry in entries:
        period = due_period(entry, now)
        if not claim(db, entry.name, period.key, now):
            continue
        ran[f"{entry.name}@{period.key}"] = run_entry(db, queue, settings, entry, period, now)
        if entry.every is not None:
            with db.transaction() as session:
                session.execute(delete(ScheduleRun).where(ScheduleRun.job == entry.name,
                                                          ScheduleRun.started_at < now - KEEP_MINUTE_RUNS))
    return ran


def next_tick_at(now: datetime, entries: tuple[Entry, ...] = SCHEDULE) -> datetime:
    return min(next_run(entry, now) for entry in entries)


def ensure_tick(queue: JobQueue, at: datetime | None = None) -> str:
    """Schedule the tick for ``at`` (default: now) on RQ; the id is per minute, so workers never double it."""
    at = (at or utcnow()).astimezone(UTC).replace(second=0, microsecond=0)
    job_id = f"rights-schedule-tick-{at.strftime('%Y%m%d%H%M')}"
    queue.queue.enqueue_at(at, TICK_FUNCTION, job_id=job_id, result_ttl=600, failure_ttl=24 * 3600,
                           job_timeout=1800)
    return job_id


def rq_tick() -> dict[str, Any]:
    """The RQ job: schedule the next tick first (a crash below must not end the chain), then run."""
    from rights import runtime

    rt = runtime.current()
    now = utcnow()
    ensure_tick(rt.queue, next_tick_at(now))
    return {"ran": list(tick(rt.db, rt.queue, rt.settings, now))}


@dataclass(frozen=True)
class Status:
    job: str
    when: str
    does: str
    last_period: str | None
    last_status: str | None
    last_finished: datetime | None
    next_run: datetime


def status(db: Database, now: datetime | None = None, entries: tuple[Entry, ...] = SCHEDULE) -> list[Status]:
    """Each job's last run and next run, for ``rights schedule list``."""
    now = now or utcnow()
    out = []
    with db.transaction() as session:
        for entry in entries:
            last = session.scalars(select(ScheduleRun).where(ScheduleRun.job == entry.name)
                                   .order_by(ScheduleRun.started_at.desc(), ScheduleRun.id.desc()).limit(1)).first()
            out.append(Status(entry.name, entry.when, entry.does, last.period_key if last else None,
                              last.status if last else None, last.finished_at if last else None,
                              next_run(entry, now)))
    return out


__all__ = ["Period", "Status", "claim", "due_period", "ensure_tick", "next_run", "next_tick_at", "rq_tick",
           "run_entry", "status", "tick"]
