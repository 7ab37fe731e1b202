"""How a run comes back after its worker, its queue or its connection was lost (real PostgreSQL and Redis).

The pieces one at a time; ``test_faults.py`` breaks them all under real workers.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from rq.job import Job
from sqlalchemy import select, text

from rights import jobs
from rights.db import Database
from rights.models import JobRun, JobStatus, utcnow

CALLS: list[str] = []


@jobs.handler("test_recovery_counts")
def _counts(db: Database, tag: str) -> dict[str, Any]:
    CALLS.append(tag)
    return {"tag": tag}


@jobs.handler("test_recovery_fails")
def _fails(db: Database, tag: str) -> dict[str, Any]:
    raise RuntimeError("source system unreachable")


def deferred(rt: Any, name: str, *args: Any) -> str:
    with rt.db.transaction() as session:
        return jobs.defer(session, rt.queue, name, *args).id


def row(rt: Any, run_id: str) -> JobRun:
    with rt.db.transaction() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


def set_row(rt: Any, run_id: str, **values: Any) -> None:
    with rt.db.transaction() as session:
        run = session.get(JobRun, run_id)
        for key, value in values.items():
            setattr(run, key, value)


def forget_in_redis(rt: Any, run_id: str) -> None:
    """What a Redis restart does to a run's RQ job (emptying a queue deletes its jobs too)."""
    rt.queue.queue.empty()
    assert jobs.rq_states(rt.queue, [row(rt, run_id).rq_job_id]) == {row(rt, run_id).rq_job_id: "missing"}


def test_the_rq_job_id_is_recorded_and_a_lost_queued_run_is_back_at_once(rt) -> None:
    run_id = deferred(rt, "test_recovery_counts", "a")
    first = row(rt, run_id)
    assert first.status == JobStatus.QUEUED.value and first.rq_job_id in rt.queue.queue.get_job_ids()
    assert jobs.requeue_stale(rt.db, rt.queue) == 0, "a queued run Redis still has is left alone"
    forget_in_redis(rt, run_id)
    assert jobs.requeue_stale(rt.db, rt.queue) == 1, "no 30-minute wait once Redis says it lost the job"
    again = row(rt, run_id)
    assert again.status == JobStatus.QUEUED.value and again.rq_job_id != first.rq_job_id
    assert rt.queue.queue.get_job_ids() == [again.rq_job_id]


def test_a_delivery_of_a_run_being_run_elsewhere_does_nothing(rt) -> None:
    CALLS.clear()
    run_id = deferred(rt, "test_recovery_counts", "twice")
    with jobs.lease(rt.db, run_id) as held:  # another worker is running it
        assert held
        assert jobs.execute(rt.db, run_id) == {"skipped": "running in another worker"}
        assert CALLS == [] and row(rt, run_id).attempts == 0
    assert jobs.execute(rt.db, run_id) == {"tag": "twice"}
    assert jobs.execute(rt.db, run_id) == {"tag": "twice"}  # finished: the result, not a second run
    assert CALLS == ["twice"]


def test_a_run_whose_worker_died_is_requeued_and_a_live_one_is_not(rt) -> None:
    run_id = deferred(rt, "test_recovery_counts", "b")
    set_row(rt, run_id, status=JobStatus.STARTED.value, started_at=utcnow(), attempts=1)
    # Its RQ job sits in the started registry as if its worker still ran it; the lease says who really does.
    with jobs.lease(rt.db, run_id) as held:
        assert held
        assert jobs.requeue_stale(rt.db, rt.queue) == 0, "a run whose lease is held is running: never touched"
    Job.fetch(row(rt, run_id).rq_job_id, connection=rt.queue.connection).set_status("started")
    assert jobs.requeue_stale(rt.db, rt.queue) == 1
    assert row(rt, run_id).status == JobStatus.QUEUED.value

    # RQ already scheduled its own retry (a killed work horse): the sweeper leaves it to RQ.
    set_row(rt, run_id, status=JobStatus.STARTED.value)
    Job.fetch(row(rt, run_id).rq_job_id, connection=rt.queue.connection).set_status("scheduled")
    assert jobs.requeue_stale(rt.db, rt.queue) == 0


def test_the_lease_ends_with_the_connection_that_held_it(rt) -> None:
    """A cut connection (pg_terminate_backend, a dropped link) frees the run at once; the worker's cleanup copes."""
    run_id = deferred(rt, "test_recovery_counts", "c")
    set_row(rt, run_id, status=JobStatus.STARTED.value, started_at=utcnow(), attempts=1)
    rt.queue.queue.empty()
    entered, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with jobs.lease(rt.db, run_id) as held:
                assert held
                entered.set()
                release.wait(30)
        except BaseException as exc:  # the cleanup must not raise on a dead connection
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert entered.wait(30)
    assert jobs.requeue_stale(rt.db, rt.queue) == 0
    with rt.db.engine.connect() as conn:
        # With a timeout, pg_terminate_backend waits for the backend to exit (and its locks to go), rather
        # than returning once the signal is sent.
        killed = conn.scalar(text("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_locks "
                                  "WHERE locktype = 'advisory' AND classid = :c"), {"c": jobs._LEASE_CLASS})
    assert killed == 1
    assert jobs.requeue_stale(rt.db, rt.queue) == 1
    release.set()
    thread.join(30)
    assert errors == []
    with rt.db.transaction() as session:  # the pool was not handed the broken connection back
        assert session.scalar(text("SELECT 1")) == 1


def test_a_run_that_keeps_killing_its_worker_is_failed_not_retried_for_ever(rt) -> None:
    run_id = deferred(rt, "test_recovery_counts", "d")
    set_row(rt, run_id, status=JobStatus.STARTED.value, started_at=utcnow(), attempts=jobs.MAX_ATTEMPTS,
            error="MemoryError")
    rt.queue.queue.empty()
    assert jobs.requeue_stale(rt.db, rt.queue) == 0
    failed = row(rt, run_id)
    assert failed.status == JobStatus.FAILED.value
    assert f"after {jobs.MAX_ATTEMPTS} attempts" in failed.error and "MemoryError" in failed.error


def test_a_failed_attempt_rq_will_retry_is_retrying_and_a_lost_retry_comes_back(rt) -> None:
    run_id = deferred(rt, "test_recovery_counts", "e")
    set_row(rt, run_id, name="test_recovery_fails")
    worker = jobs._ThreadWorker([rt.queue.queue], connection=rt.queue.connection)
    worker.work(burst=True, logging_level="WARNING")  # first attempt fails; RQ schedules its retry
    retrying = row(rt, run_id)
    assert retrying.status == JobStatus.RETRYING.value and "unreachable" in retrying.error
    assert retrying.finished_at is None
    assert jobs.rq_states(rt.queue, [retrying.rq_job_id]) == {retrying.rq_job_id: "scheduled"}
    assert jobs.requeue_stale(rt.db, rt.queue) == 0
    Job.fetch(retrying.rq_job_id, connection=rt.queue.connection).delete()  # the Redis restart
    assert jobs.requeue_stale(rt.db, rt.queue) == 1

    with pytest.raises(RuntimeError):  # outside RQ (``rights process``) nothing retries it: failed
        jobs.execute(rt.db, run_id)
    assert row(rt, run_id).status == JobStatus.FAILED.value


def test_a_pending_run_is_enqueued_after_the_grace_period(rt) -> None:
    run_id = deferred(rt, "test_recovery_counts", "f")
    set_row(rt, run_id, status=JobStatus.PENDING.value, rq_job_id=None)
    rt.queue.queue.empty()
    assert jobs.requeue_stale(rt.db, rt.queue) == 0
    assert jobs.requeue_stale(rt.db, rt.queue, pending_for=timedelta(0)) == 1
    with rt.db.transaction() as session:
        assert session.scalar(select(JobRun.status).where(JobRun.id == run_id)) == JobStatus.QUEUED.value
