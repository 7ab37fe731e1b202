"""The demo's in-process worker runs the same jobs, on SQLite and fakeredis, after commit only."""

from __future__ import annotations

import time

from rights import config, jobs, migrate, runtime
from rights.models import JobRun, JobStatus, RightsRequest
from tests.factories import make_request


def test_inline_worker_runs_committed_jobs(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    rt = runtime.init(config.load("development", database_url=url, redis_url=None))
    assert rt.queue.inline
    rt.start_inline_worker()
    try:
        with rt.db.transaction() as session:
            request = make_request(session)
            request.due_on = None
            run_id = jobs.defer(session, rt.queue, "recompute_clock", request.id).id
            request_id = request.id
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with rt.db.transaction() as session:
                if session.get(JobRun, run_id).status == JobStatus.FINISHED.value:
                    break
            time.sleep(0.1)
        with rt.db.transaction() as session:
            assert session.get(JobRun, run_id).status == JobStatus.FINISHED.value
            assert session.get(RightsRequest, request_id).due_on is not None
    finally:
        rt.inline_worker.stop()


def test_the_demo_worker_calls_its_periodic_hook_the_schedule_tick() -> None:
    import threading

    from rights.jobs import InlineWorker, JobQueue

    called = threading.Event()
    worker = InlineWorker(JobQueue(None), interval=0.01, periodic=called.set, periodic_every=0.01)
    worker.start()
    try:
        assert called.wait(5)
    finally:
        worker.stop()
