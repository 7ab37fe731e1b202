"""RQ entry point and the job handlers.

RQ calls :func:`run` with a JobRun id; everything else is looked up in the database. Handlers receive
the :class:`~rights.db.Database` and the JobRun's arguments and must be idempotent: RQ retries them, and
the sweeper may enqueue the same run twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from rights import jobs, runtime
from rights.db import Database
from rights.models import AuditEvent, RightsRequest


def run(job_run_id: str) -> dict[str, Any] | None:
    """The one function RQ knows about."""
    return jobs.execute(runtime.current().db, job_run_id)


@jobs.handler("recompute_clock")
def recompute_clock(db: Database, request_id: int) -> dict[str, Any]:
    """Recompute a request's cached due dates from its clock events (idempotent by construction)."""
    from rights import workflow

    with db.transaction() as session:
        request = session.get(RightsRequest, request_id)
        if request is None:
            return {"skipped": "no such request"}
        workflow.refresh_clock(request)
        return {"due_on": request.due_on.isoformat() if request.due_on else None}


@jobs.handler("audit_count")
def audit_count(db: Database) -> dict[str, Any]:
    """A trivial job used by the smoke tests of the queue itself."""
    with db.transaction() as session:
        return {"audit_events": session.scalar(select(func.count(AuditEvent.id)))}
