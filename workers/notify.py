"""Jobs of the public portal: sending outbox mail, and clearing abandoned drafts and uploads.

``send_outbox`` is deferred by :func:`rights.notify.queue_email` after the transaction that wrote the
message commits. It is idempotent (a sent message is never sent again) and retried by RQ; each failed
attempt is recorded on the message. ``portal_cleanup`` runs :func:`rights.drafts.purge_abandoned`, safe at any time.
``progress_code`` matches a check-progress challenge and emails its code (:func:`rights.progress.prepare_code`).
"""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from rights import drafts, jobs, progress, runtime
from rights.db import Database
from rights.notify import backend_for, deliver


@jobs.handler("send_outbox")
def send_outbox(db: Database, message_id: int) -> dict[str, Any]:
    settings = runtime.current().settings
    return deliver(db, int(message_id), backend_for(settings))


@jobs.handler("portal_cleanup")
def portal_cleanup(db: Database) -> dict[str, int]:
    settings = runtime.current().settings
    return drafts.purge_abandoned(db, settings.upload_dir, settings.encryption_keys)


@jobs.handler(progress.CODE_JOB)
def progress_code(db: Database, challenge_id: str) -> dict[str, bool]:
    """Match a check-progress challenge and email its code (rights.progress.prepare_code); idempotent."""
    rt = runtime.current()
    current = get_current_job()
    queue = jobs.JobQueue.bound(current.connection, current.origin) if current is not None else rt.queue
    with db.transaction() as session:
        return progress.prepare_code(session, queue, challenge_id, secret_key=rt.settings.secret_key)
