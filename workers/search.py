"""Job handlers for searches of the source systems (see :mod:`rights.search`).

Both are idempotent: records are stored once per (request, source, record id), so RQ's retries and the
sweeper's re-enqueues never gather anything twice.

When a run stores new records, their redactions are proposed: as a job deferred onto the queue this job
came from (so a worker picks it up; the job is idempotent), or, when the job was run in-process by
``rights process`` (no RQ job, a private queue nobody else drains), right here after the search.
"""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from rights import jobs, runtime, search
from rights.db import Database
from rights.models import SearchCandidate, SearchTask
from rights.redaction import service as redaction
from rights.security import cipher_for


def _propose_after(db: Database, result: dict[str, Any], task_id: int | None) -> dict[str, Any]:
    if task_id is None or not result.get("new_records"):
        return result
    current = get_current_job()
    settings = runtime.current().settings
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        if task is None:
            return result
        if current is not None:
            redaction.defer_proposals(session, jobs.JobQueue.bound(current.connection, current.origin),
                                      task.request_id)
        else:
            redaction.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key,
                                          task.request_id)
    return result


@jobs.handler(search.SEARCH_JOB)
def search_source(db: Database, task_id: int) -> dict[str, Any]:
    """Search one source for one request: candidates, matching, records of accepted candidates."""
    return _propose_after(db, search.run_task(db, runtime.current().settings, task_id), task_id)


@jobs.handler(search.FETCH_JOB)
def search_fetch_candidate(db: Database, candidate_id: int) -> dict[str, Any]:
    """Gather the records of a candidate an officer accepted."""
    result = search.fetch_candidate_records(db, runtime.current().settings, candidate_id)
    with db.transaction() as session:
        candidate = session.get(SearchCandidate, candidate_id)
        task_id = candidate.task_id if candidate is not None else None
    return _propose_after(db, result, task_id)
