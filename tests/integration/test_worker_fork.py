"""Forked RQ work horses never reuse the worker's own database connections.

RQ's ``Worker`` forks a work horse per job. The worker process keeps using its pool meanwhile (the
schedule's tick, RQ's maintenance, formerly a sweeper thread); if a forked job picked one of those pooled
sockets, both processes would talk on one connection: hangs on a lock, or "server closed the connection
unexpectedly". The engine forgets its pool in every forked child (``rights.db``); this test forks real
work horses against real PostgreSQL and Redis while a thread of the parent hammers the same pool.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from rq import Queue, Worker
from sqlalchemy import select, text

from rights import jobs
from rights.db import Database
from rights.models import JobRun, JobStatus

JOBS = 6
BOUND_SECONDS = 60  # every wait below is bounded; a hang fails the test instead of stalling the run


@jobs.handler("test_fork_backend_pid")
def _backend_pid(db: Database) -> dict[str, Any]:
    """Which PostgreSQL backend (connection) and which OS process ran this job."""
    with db.transaction() as session:
        return {"backend": session.scalar(text("select pg_backend_pid()")), "process": os.getpid()}


def _warm_pool(db: Database, size: int = 3) -> set[int]:
    """Check out ``size`` connections at once and return them to the pool; their backend ids."""
    connections = [db.engine.connect() for _ in range(size)]
    try:
        return {conn.scalar(text("select pg_backend_pid()")) for conn in connections}
    finally:
        for conn in connections:
            conn.close()


def test_forked_jobs_get_their_own_connections_while_parent_uses_its_pool(rt) -> None:
    parent_backends = _warm_pool(rt.db)
    bounded = jobs.JobQueue.bound(rt.queue.connection, rt.queue.queue.name)
    bounded.queue = Queue(rt.queue.queue.name, connection=rt.queue.connection, default_timeout=BOUND_SECONDS)
    with rt.db.transaction() as session:
        run_ids = [jobs.defer(session, bounded, "test_fork_backend_pid").id for _ in range(JOBS)]

    stop = threading.Event()
    errors: list[BaseException] = []
    queries = 0

    def parent_keeps_querying() -> None:  # the worker's own use of its pool while jobs fork
        nonlocal queries
        while not stop.is_set():
            try:
                with rt.db.transaction() as session:
                    parent_backends.add(session.scalar(text("select pg_backend_pid()")))
                queries += 1
            except BaseException as exc:  # any failure here is the bug under test
                errors.append(exc)
                return

    thread = threading.Thread(target=parent_keeps_querying, daemon=True)
    thread.start()
    try:
        worker = Worker([bounded.queue], connection=rt.queue.connection)
        assert worker.work(burst=True, logging_level="WARNING")
    finally:
        stop.set()
        thread.join(timeout=BOUND_SECONDS)
    assert not thread.is_alive(), "the parent's queries hung"
    assert errors == []
    assert queries > 0

    with rt.db.transaction() as session:
        runs = session.scalars(select(JobRun).where(JobRun.id.in_(run_ids))).all()
    assert [r.status for r in runs] == [JobStatus.FINISHED.value] * JOBS, [r.error for r in runs]
    assert all(r.result["process"] != os.getpid() for r in runs), "jobs must run in forked work horses"
    job_backends = {r.result["backend"] for r in runs}
    assert job_backends.isdisjoint(parent_backends), "a forked job reused one of the parent's connections"

    # The parent's pooled connections are still healthy after every child has exited.
    with rt.db.transaction() as session:
        assert session.scalar(text("select 1")) == 1
