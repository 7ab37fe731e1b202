"""Jobs of the public portal: sending outbox mail, and clearing abandoned drafts and uploads.

``send_outbox`` is deferred by :func:`rights.notify.queue_email` after the transaction that wrote the
message commits. It is idempotent (a sent message is never sent again) and retried by RQ; each failed
attempt is recorded on the message. ``portal_cleanup`` is safe to run at any time and as often as wanted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from rights import drafts, jobs, runtime, security, uploads
from rights.db import Database
from rights.models import ProgressCode, utcnow
from rights.notify import backend_for, deliver


@jobs.handler("send_outbox")
def send_outbox(db: Database, message_id: int) -> dict[str, Any]:
    settings = runtime.current().settings
    return deliver(db, int(message_id), backend_for(settings))


def cleanup(db: Database, upload_dir: str, encryption_keys: list[str], *,
            orphan_after: timedelta = uploads.ORPHAN_AFTER) -> dict[str, int]:
    """Delete expired drafts, expired progress codes, and uploads no submitted request claimed."""
    store = security.store_for(upload_dir, encryption_keys)
    now = utcnow()
    with db.transaction() as session:
        expired_drafts = drafts.purge_expired(session, now)
        codes = session.execute(delete(ProgressCode).where(ProgressCode.expires_at < now - timedelta(days=1)))
        orphans = uploads.purge_orphans(session, store, older_than=orphan_after, now=now)
    return {"drafts": expired_drafts, "codes": int(codes.rowcount or 0), "uploads": orphans}  # type: ignore[attr-defined]


@jobs.handler("portal_cleanup")
def portal_cleanup(db: Database) -> dict[str, int]:
    settings = runtime.current().settings
    return cleanup(db, settings.upload_dir, settings.encryption_keys)
