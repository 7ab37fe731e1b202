"""Approving a version and finalising it: the final, unmarked letter and bundle rendered by a job, hashed and
checked by the leak gate.

Why a job: a care leaver's 10,000-page bundle takes minutes to render, far longer than a web request may
take, and a manager's "Approve" must not hang on it or time out half done. So approving (:func:`approve`)
checks what the workflow needs (a manager other than the preparer, who opened the version, whose decisions
are still current), records the approval and queues :data:`FINALISE_JOB`; the version is ``approving``
until the job has stored the final PDFs, and release waits for it. The case page shows the job's state and
how far the render has come (``render_progress``), and offers to run it again if it failed.

The job is idempotent and safe to retry or run twice: it renders with no transaction open, then stores in a
short one that locks the version and stores only if the version is still ``approving`` and built from the
current decisions; a run that lost the race stores nothing. Final PDFs are re-rendered from
the same decisions without the DRAFT mark (the simplest honest stamp: same input, same renderer); the
bundle's own SHA-256 is recorded and the leak gate (:mod:`.leakcheck`) runs over every final PDF.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rights import audit, jobs
from rights.bundles import leakcheck, versions
from rights.config import Settings
from rights.db import Database, on_rollback
from rights.jobs import JobQueue
from rights.models import BundleVersion, GatheredRecord, JobRun, RightsRequest, utcnow
from rights.redaction.disclosure import DisclosureSet
from rights.search.records import record_text
from rights.security import Cipher, EncryptedStore

FINALISE_JOB = "bundle_finalise"
PROGRESS_EVERY = 2.0  # seconds between progress writes: a page refresh's worth, not a write per task


def approve(session: Session, queue: JobQueue, cipher: Cipher, request: RightsRequest, actor: str) -> BundleVersion:
    """Approve the submitted version and queue its finalisation (the workflow's guards ran first)."""
    version = versions.latest(session, request.id)
    if version is None or version.status != "submitted":
        raise versions.VersionError("No version has been sent for approval: prepare the response and send it again.")
    if not versions.has_seen(session, actor, request.id, version):
        what = "letter" if version.bundle_key is None else "bundle (and letter)"
        raise versions.VersionError(f"Open version {version.number}'s {what} before approving it.")
    versions.decided_set(session, cipher, request.id)
    if versions.current_fingerprint(session, cipher, request.id) != version.fingerprint:
        raise versions.VersionError(f"Version {version.number} is out of date: the decisions changed after it was "
                                    f"prepared. Return it for changes and prepare a new version.")
    version.status = "approving"
    version.approved_by = actor
    version.approved_at = utcnow()
    version.render_progress = None
    audit.record(session, actor, "bundle.approved", request_id=request.id, target=request.reference,
                 detail={"version": version.number})
    defer_finalise(session, queue, version)
    return version


def defer_finalise(session: Session, queue: JobQueue, version: BundleVersion) -> JobRun:
    return jobs.defer(session, queue, FINALISE_JOB, version.id, request_id=version.request_id)


def latest_job(session: Session, version: BundleVersion) -> JobRun | None:
    """The newest finalisation job of this version (its state is what the case page shows)."""
    runs = session.scalars(select(JobRun).where(JobRun.request_id == version.request_id,
                                                JobRun.name == FINALISE_JOB).order_by(JobRun.created_at.desc()))
    return next((r for r in runs if list(r.args or [])[:1] == [version.id]), None)


def retry(session: Session, queue: JobQueue, request: RightsRequest, actor: str) -> bool:
    """Queue the finalisation again after a failed run (the case page's button); False if none is needed."""
    version = versions.latest(session, request.id)
    if version is None or version.status != "approving":
        return False
    job = latest_job(session, version)
    if job is not None and job.status not in ("failed", "finished"):
        return False
    audit.record(session, actor, "bundle.finalise_retried", request_id=request.id, target=request.reference,
                 detail={"version": version.number})
    defer_finalise(session, queue, version)
    return True


# --------------------------------------------------------------------------------------------------
# The job


def finalise(db: Database, settings: Settings, store: EncryptedStore, cipher: Cipher,
             version_id: int) -> dict[str, Any]:
    """Render, hash, leak-check and store the final PDFs of an ``approving`` version (the job's body)."""
    with db.transaction() as session:
        version = session.get(BundleVersion, version_id)
        if version is None:
            return {"version_id": version_id, "skipped": "no such version"}
        if version.status != "approving":
            return {"version_id": version_id, "skipped": version.status}
        request = session.get(RightsRequest, version.request_id)
        assert request is not None
        plan = versions.plan(session, settings, request, versions.decided_set(session, cipher, request.id),
                             draft=False)
        if plan.fingerprint != version.fingerprint:  # decisions are frozen after submission; never render stale
            audit.record(session, "worker", "bundle.finalise_stale", request_id=request.id,
                         target=request.reference, detail={"version": version.number})
            return {"version_id": version_id, "stale": True}
    rendered = versions.render_plan(plan, progress=_progress_writer(db, version_id))
    pdfs = {"letter": rendered.letter, **({"bundle": rendered.bundle} if rendered.bundle is not None else {})}
    found = leak_findings(plan.ds, pdfs)  # minutes for a large bundle: outside any transaction
    with db.transaction() as session:
        findings = describe(session, cipher, plan.ds, found)
        version = session.get(BundleVersion, version_id, with_for_update=True)
        if version is None or version.status != "approving" or version.fingerprint != plan.fingerprint:
            return {"version_id": version_id, "skipped": version.status if version else "gone"}
        version.final_letter_key = store.put(rendered.letter)
        version.final_bundle_key = store.put(rendered.bundle) if rendered.bundle is not None else None
        keys = (version.final_letter_key, version.final_bundle_key)
        on_rollback(session, lambda: [store.delete(key) for key in keys if key])  # no orphan files on a rollback
        version.final_sha256 = hashlib.sha256(rendered.bundle).hexdigest() if rendered.bundle is not None else None
        version.leak_findings = findings
        version.status = "approved"
        audit.record(session, "worker", "bundle.finalised", request_id=version.request_id, target=plan.reference,
                     detail={"version": version.number, "sha256": version.final_sha256,
                             "leak_findings": len(findings), "pages": rendered.pages})
        return {"version_id": version_id, "pages": rendered.pages, "leak_findings": len(findings)}


def _progress_writer(db: Database, version_id: int) -> Any:
    """A ``progress(done, total)`` callback storing how far the render has come, at most every few seconds."""
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY and done < total:
            return
        last[0] = now
        with db.transaction() as session:  # its own short transaction, so the case page sees it now
            session.execute(update(BundleVersion).where(BundleVersion.id == version_id,
                                                        BundleVersion.status == "approving")
                            .values(render_progress={"done": done, "total": total, "at": utcnow().isoformat()}))

    return write


# --------------------------------------------------------------------------------------------------
# The leak gate


def _owners(session: Session, cipher: Cipher, ds: DisclosureSet) -> dict[str, str]:
    """Which record each removed string came from (for the officer's "found on page N" message)."""
    owners: dict[str, str] = {}
    for record in session.scalars(select(GatheredRecord).where(
            GatheredRecord.id.in_([r.record_id for r in ds.included] + [w.record_id for w in ds.withheld]))):
        text = record_text(record, cipher) or ""
        for needle in ds.redacted_strings:
            if needle not in owners and needle in text:
                owners[needle] = f"{record.title} ({record.record_date or 'undated'})"
    return owners


def leak_findings(ds: DisclosureSet, pdfs: dict[str, bytes]) -> list[tuple[str, leakcheck.Finding]]:
    """Run :func:`leakcheck.check` over each PDF (by name) with every removed string."""
    named: list[tuple[str, leakcheck.Finding]] = []
    with tempfile.TemporaryDirectory(prefix="leak-") as tmp:
        for name, data in pdfs.items():
            path = Path(tmp) / f"{name}.pdf"
            path.write_bytes(data)
            named.extend((name, finding) for finding in leakcheck.check(path, ds.redacted_strings))
    return named


def describe(session: Session, cipher: Cipher, ds: DisclosureSet,
             named: list[tuple[str, leakcheck.Finding]]) -> list[dict[str, Any]]:
    """Findings as stored and shown: which file, where, and which record's removed text; never the text."""
    if not named:
        return []
    owners = _owners(session, cipher, ds)
    return [{"file": name, "where": f.where, "record": owners.get(f.needle, "a withheld or redacted record")}
            for name, f in named]


def leak_gate(session: Session, cipher: Cipher, ds: DisclosureSet, pdfs: dict[str, bytes]) -> list[dict[str, Any]]:
    """The leak gate in one call: :func:`leak_findings`, then :func:`describe`."""
    return describe(session, cipher, ds, leak_findings(ds, pdfs))
