"""Jobs: enqueued only after commit, run by a real RQ worker process on real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from rights import jobs
from rights.models import JobRun, JobStatus, RightsRequest
from tests.factories import make_request

ROOT = Path(__file__).resolve().parents[2]


def run_worker_burst(settings) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "RIGHTS_ENV": "test", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url, "RIGHTS_QUEUE": settings.queue_name}
    return subprocess.run([sys.executable, "-m", "rights", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_job_enqueued_after_commit_runs_in_real_worker(rt, settings) -> None:
    with rt.db.transaction() as session:
        request = make_request(session)
        request.due_on = None  # a stale cache the job must recompute
        run = jobs.defer(session, rt.queue, "recompute_clock", request.id, request_id=request.id)
        assert rt.queue.queue.count == 0, "nothing may reach Redis before the commit"
        request_id, run_id = request.id, run.id
    assert rt.queue.queue.count == 1
    with rt.db.transaction() as session:
        assert session.get(JobRun, run_id).status == JobStatus.QUEUED.value

    proc = run_worker_burst(settings)
    assert proc.returncode == 0, proc.stderr

    with rt.db.transaction() as session:
        run = session.get(JobRun, run_id)
        request = session.get(RightsRequest, request_id)
        assert run.status == JobStatus.FINISHED.value, run.error
        assert run.attempts == 1
        assert request.due_on is not None
        assert run.result == {"due_on": request.due_on.isoformat()}


def test_job_in_rolled_back_transaction_never_runs(rt, settings) -> None:
    class Boom(Exception):
        pass

    def submit_then_fail() -> None:
        with rt.db.transaction() as session:
            request = make_request(session)
            jobs.defer(session, rt.queue, "recompute_clock", request.id, request_id=request.id)
            raise Boom

    with pytest.raises(Boom):
        submit_then_fail()
    assert rt.queue.queue.count == 0
    with rt.db.transaction() as session:
        assert session.scalars(select(JobRun)).all() == []
    proc = run_worker_burst(settings)
    assert proc.returncode == 0, proc.stderr
    with rt.db.transaction() as session:
        assert session.scalars(select(JobRun)).all() == []


def test_lost_job_is_requeued_and_runs_once(rt, settings) -> None:
    """Redis loses the job; the database row brings it back; a second run changes nothing."""
    with rt.db.transaction() as session:
        request = make_request(session)
        run = jobs.defer(session, rt.queue, "recompute_clock", request.id, request_id=request.id)
        run_id = run.id
    rt.queue.queue.empty()  # Redis restarted and lost it
    from datetime import timedelta

    assert jobs.requeue_stale(rt.db, rt.queue, pending_for=timedelta(0), queued_for=timedelta(0)) == 1
    assert run_worker_burst(settings).returncode == 0
    # Enqueue the same run again: it is already finished, so the handler does not run twice.
    rt.queue.enqueue(run_id)
    assert run_worker_burst(settings).returncode == 0
    with rt.db.transaction() as session:
        run = session.get(JobRun, run_id)
        assert run.status == JobStatus.FINISHED.value
        assert run.attempts == 1


def test_failed_job_is_recorded(rt) -> None:
    @jobs.handler("test_explodes")
    def explode(db, request_id):  # type: ignore[no-untyped-def]
        raise RuntimeError("source system unreachable")

    with rt.db.transaction() as session:
        run = jobs.defer(session, rt.queue, "test_explodes", 1)
        run_id = run.id
    with pytest.raises(RuntimeError):
        jobs.execute(rt.db, run_id)
    with rt.db.transaction() as session:
        run = session.get(JobRun, run_id)
        assert run.status == JobStatus.FAILED.value
        assert "source system unreachable" in run.error
