"""The sweeper's rule: which runs nothing will run unless they are enqueued again (``rights.jobs.lost``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rights.jobs import lost

M = timedelta(minutes=1)
RULES = {"pending_for": 2 * M, "queued_for": 30 * M}

CASES = [
    # status, what Redis says of its RQ job, age of the status, no-lease stand-in, lost?
    ("pending", None, 1 * M, None, False),  # the after-commit enqueue may still be on its way
    ("pending", None, 3 * M, None, True),  # it never reached Redis (down at commit, or the process died)
    ("queued", "queued", 90 * M, None, False),  # a long queue is not a lost job
    ("queued", "started", 0 * M, None, False),  # a work horse is about to take its lease
    ("queued", "missing", 0 * M, None, True),  # Redis restarted or was flushed: at once, not in 30 minutes
    ("queued", "failed", 0 * M, None, True),  # RQ gave up before the run began (PostgreSQL down at start)
    ("queued", "finished", 0 * M, None, True),  # a duplicate delivery did nothing and the real one was lost
    ("queued", None, 10 * M, None, False),  # a row from before job ids were recorded: the old rule...
    ("queued", None, 31 * M, None, True),  # ...after half an hour
    ("retrying", "scheduled", 5 * M, None, False),  # RQ's retry waits in the scheduled registry
    ("retrying", "missing", 0 * M, None, True),  # the Redis restart lost the retry
    ("started", "scheduled", 0 * M, None, False),  # a killed work horse: RQ already scheduled its retry
    ("started", "started", 0 * M, None, True),  # the whole worker died: RQ would notice only minutes later
    ("started", "failed", 0 * M, None, True),  # killed on its last RQ attempt
    ("started", "missing", 0 * M, None, True),  # worker and Redis both lost
    ("started", "started", 5 * M, 15 * M, False),  # without leases (SQLite) a live run looks the same...
    ("started", "started", 16 * M, 15 * M, True),  # ...until RQ's timeout has certainly passed
    ("finished", "missing", 99 * M, None, False),
    ("failed", "missing", 99 * M, None, False),  # a failure an officer sees is not retried by the sweeper
]


@pytest.mark.parametrize(("status", "rq_state", "age", "started_for", "expected"), CASES)
def test_lost(status: str, rq_state: str | None, age: timedelta, started_for: timedelta | None,
              expected: bool) -> None:
    assert lost(status, rq_state, age=age, started_for=started_for, **RULES) is expected
