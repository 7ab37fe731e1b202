"""Housekeeping on the schedule: the re-enqueue sweeper, outbox recovery, the portal's clean-up, retention.

The sweeper used to be a thread in each ``rights worker`` waking every minute; it is now the schedule's
one-minute job, with the same semantics (:func:`rights.jobs.requeue_stale`: a job ``pending`` two minutes
after commit, or ``queued`` for half an hour, is enqueued again) but run once a minute in all, not once a
minute per worker.
"""

from __future__ import annotations

from typing import Any

from rights import drafts, jobs
from rights.db import Database
from rights.jobs import JobQueue
from rights.schedule.context import RunContext


def sweep(db: Database, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    """Enqueue again what Redis lost, and settle outbox rows left ``sending`` by a worker that died."""
    from rights.notify import backend_for, recover_stale

    requeued = jobs.requeue_stale(db, queue)
    recovered = recover_stale(db, backend_for(ctx.settings), now=ctx.now)
    return {"requeued": requeued, "outbox_recovered": recovered}


def retention_purge(db: Database, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    """The daily ``rights retention purge``: its totals and the references purged go in ``schedule_runs``."""
    from rights import retention

    report = retention.run(db, ctx.settings, now=ctx.now, actor="system:schedule")
    return {**report.totals(), "purged": [c["reference"] for c in report.cases]}


def portal_cleanup(db: Database, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    """The daily clean-up ``rights portal cleanup`` runs by hand."""
    return dict(drafts.purge_abandoned(db, ctx.settings.upload_dir, ctx.settings.encryption_keys))


def audit_checkpoint(db: Database, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    """Publish the audit trail's signed head (``rights audit checkpoint`` by hand; see rights.audit.checkpoints)."""
    from rights.audit import checkpoints

    path = ctx.settings.audit_checkpoint_file
    if not path:
        return {"published": False, "why": "RIGHTS_AUDIT_CHECKPOINT_FILE is empty"}
    with db.transaction() as session:
        point = checkpoints.publish(session, path, ctx.now)
    return {"published": True, "last_id": point["last_id"]}
