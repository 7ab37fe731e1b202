"""Job handler preparing a request's response: the draft letter and bundle as a numbered version
(see :mod:`rights.bundles.versions`).

Idempotent: a version is unique by the fingerprint of the decisions, so a retry (or a second click) after
a version was stored returns it without rendering again.
"""

from __future__ import annotations

from typing import Any

from rights import jobs, runtime
from rights.bundles import case_letters, versions
from rights.db import Database


@jobs.handler(versions.PREPARE_JOB)
def prepare_response(db: Database, request_id: int, actor: str) -> dict[str, Any]:
    rt = runtime.current()
    with db.transaction() as session:
        version = versions.prepare(session, rt.settings, rt.files, rt.cipher, request_id, actor)
        return {"request_id": request_id, "version": version.number, "pages": version.pages}


@jobs.handler(case_letters.LETTER_JOB)
def letter_pdf(db: Database, request_id: int, kind: str, reasons: str, event_id: int) -> dict[str, Any]:
    """The PDF twin of a workflow letter, stored on the case once per event."""
    rt = runtime.current()
    with db.transaction() as session:
        document = case_letters.store_letter(session, rt.settings, rt.files, request_id, kind, reasons, event_id)
        return {"request_id": request_id, "kind": kind, "document": document.id if document else None}
