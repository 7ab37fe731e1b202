"""Job handlers for searches of the source systems (see :mod:`rights.search`).

Both are idempotent: records are stored once per (request, source, record id), so RQ's retries and the
sweeper's re-enqueues never gather anything twice.
"""

from __future__ import annotations

from typing import Any

from rights import jobs, runtime, search
from rights.db import Database


@jobs.handler(search.SEARCH_JOB)
def search_source(db: Database, task_id: int) -> dict[str, Any]:
    """Search one source for one request: candidates, matching, records of accepted candidates."""
    return search.run_task(db, runtime.current().settings, task_id)


@jobs.handler(search.FETCH_JOB)
def search_fetch_candidate(db: Database, candidate_id: int) -> dict[str, Any]:
    """Gather the records of a candidate an officer accepted."""
    return search.fetch_candidate_records(db, runtime.current().settings, candidate_id)
