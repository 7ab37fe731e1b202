"""Job handlers of a request's response: preparing the draft letter and bundle as a numbered version,
finalising an approved version (see :mod:`rights.bundles.versions` and :mod:`rights.bundles.finalise`), and
the PDF twin of a workflow letter.

Idempotent: a version is unique by the fingerprint of the decisions, so a retry (or a second click) after a
version was stored returns it without storing another; finalising stores only while the version is still
``approving``. Neither holds a database transaction while it renders (minutes for a large bundle).
"""

from __future__ import annotations

from typing import Any

from rights import jobs, runtime
from rights.bundles import case_letters, finalise, versions
from rights.db import Database
from rights.models import BundleVersion


@jobs.handler(versions.PREPARE_JOB)
def prepare_response(db: Database, request_id: int, actor: str) -> dict[str, Any]:
    rt = runtime.current()
    with db.transaction() as session:
        planned = versions.plan_prepare(session, rt.settings, rt.cipher, request_id)
        if isinstance(planned, BundleVersion):
            return {"request_id": request_id, "version": planned.number, "pages": planned.pages}
    rendered = versions.render_plan(planned)
    with db.transaction() as session:
        version = versions.store_prepared(session, rt.files, planned, rendered, actor)
        return {"request_id": request_id, "version": version.number, "pages": version.pages}


@jobs.handler(finalise.FINALISE_JOB)
def finalise_version(db: Database, version_id: int) -> dict[str, Any]:
    """The final, unmarked PDFs of an approved version, hashed and leak-checked."""
    rt = runtime.current()
    return finalise.finalise(db, rt.settings, rt.files, rt.cipher, version_id)


@jobs.handler(case_letters.LETTER_JOB)
def letter_pdf(db: Database, request_id: int, kind: str, reasons: str, event_id: int,
               post_key: str | None = None) -> dict[str, Any]:
    """The PDF twin of a workflow letter, stored on the case once per event (and named on the letter's entry
    in the "to post" list, when it is posted, so it is printed rather than its plain text)."""
    rt = runtime.current()
    with db.transaction() as session:
        document = case_letters.store_letter(session, rt.settings, rt.files, request_id, kind, reasons, event_id,
                                             post_key=post_key)
        return {"request_id": request_id, "kind": kind, "document": document.id if document else None}
