"""Prepared responses: the access-response letter and the disclosure bundle, rendered from the current
decisions into numbered versions, approved by version, and checked for leaks before release.

Why versions: a manager approves what they saw, not "whatever the decisions are now". A version records
the fingerprint of the decisions it was built from (:func:`rights.redaction.disclosure.disclosure_set`); any
decision made afterwards changes the fingerprint, so the version is stale and cannot be released.
Preparing is idempotent: the same fingerprint returns the same version without rendering again.

Drafts are marked DRAFT on every page. Approval renders the final letter and bundle from the same decisions
without the mark (the simplest honest stamp: same input, same renderer, no DRAFT), records the final
bundle's own SHA-256 and runs the leak gate over both final PDFs. The approved files are what is released.
Every PDF is kept in the encrypted file store; rows hold keys, hashes and counts, never content.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, clock, jobs, privacy_notice
from rights.bundles import leakcheck, render
from rights.bundles.bundle import BundleMeta, BundleRecord, Redaction, Text, WithheldRecord, render_bundle
from rights.bundles.letters import Letter, Searched, render_letter
from rights.config import Settings
from rights.db import on_rollback
from rights.jobs import JobQueue
from rights.models import AuditEvent, BundleVersion, GatheredRecord, RightsRequest, SearchTask, utcnow
from rights.redaction.disclosure import DisclosureSet, disclosure_set
from rights.search.records import record_text
from rights.security import Cipher, EncryptedStore
from rights.vocabulary import KIND_WORDS, RequestKind

PREPARE_JOB = "bundle_prepare"


class VersionError(ValueError):
    """Preparing, approving or releasing a version was refused; the message says why in one line."""


@dataclass(frozen=True)
class VersionState:
    """What the workflow needs to know about a request's prepared response (see ``rights.workflow`` Facts)."""

    version: BundleVersion | None = None
    ready: bool = False  # a version exists and matches the current decisions
    approved: bool = False  # that version is approved (final PDFs rendered)
    stale: bool = False  # the latest version was built from decisions that have since changed
    leak_findings: int = 0  # findings of the leak gate on the approved version
    findings: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# What is rendered


def _address(request: RightsRequest) -> tuple[str, ...]:
    person = request.requester
    current = [a for a in (person.addresses or []) if isinstance(a, dict)] if person else []
    chosen = next((a for a in current if a.get("current")), current[0] if current else None)
    if not chosen:
        return ()
    return tuple(str(line) for line in [*(chosen.get("lines") or []), chosen.get("postcode") or ""] if line)


def _searched(session: Session, request_id: int) -> tuple[Searched, ...]:
    notice = privacy_notice.load()
    rows = session.execute(
        select(SearchTask.service, func.count(GatheredRecord.id))
        .outerjoin(GatheredRecord, GatheredRecord.task_id == SearchTask.id)
        .where(SearchTask.request_id == request_id).group_by(SearchTask.service).order_by(SearchTask.service))
    out = []
    for service, found in rows:
        label = notice.service_label(service) if service else "Other records"
        out.append(Searched(place=label, found=f"{found} record{'s' if found != 1 else ''}" if found else "nothing"))
    return tuple(out)


def response_letter(session: Session, request: RightsRequest, ds: DisclosureSet, *, today: date,
                    bundle_pages: int | None, draft: bool) -> Letter:
    """The access-response letter for this request and these decisions (codes used, never what they hide)."""
    codes = sorted({c.strip() for r in ds.included for s in r.segments if s.code for c in s.code.split(",")}
                   | {w.code for w in ds.withheld if w.code})
    return Letter(kind="access_response", reference=request.reference, letter_date=today,
                  recipient_name=request.requester.full_name, recipient_address=_address(request),
                  request_label=KIND_WORDS[RequestKind(request.kind)].in_letters.removeprefix("request for "),
                  received=request.received_on, due=request.due_on, searched=_searched(session, request.id),
                  records_disclosed=len(ds.included), records_withheld=len(ds.withheld),
                  bundle_pages=bundle_pages, codes_used=tuple(codes), draft=draft,
                  large_print=bool((request.details or {}).get("large_print")))


def bundle_input(ds: DisclosureSet) -> tuple[list[BundleRecord], list[WithheldRecord]]:
    """The disclosure set as the renderer's records: text and code boxes, never the removed characters."""
    records = [BundleRecord(key=f"r{r.record_id}", service=r.service or "Other records",
                            date=r.date or date.min, title=r.title or "Record",
                            segments=tuple(Text(s.text or "") if s.code is None else Redaction(s.code)
                                           for s in r.segments))
               for r in ds.included]
    withheld = [WithheldRecord(key=f"r{w.record_id}", service=w.service or "Other records", date=w.date or date.min,
                               title=w.title or "Record", code=w.code) for w in ds.withheld]
    return records, withheld


@dataclass(frozen=True)
class Rendered:
    letter: bytes
    bundle: bytes
    pages: int


def render_response(session: Session, settings: Settings, request: RightsRequest, ds: DisclosureSet, *,
                    draft: bool, today: date | None = None) -> Rendered:
    """Render the bundle, then the letter that names its page count; both in limited worker processes."""
    today = today or datetime.now(clock.LONDON).date()
    limits = render.limits_from(settings)
    records, withheld = bundle_input(ds)
    large = bool((request.details or {}).get("large_print"))
    with tempfile.TemporaryDirectory(prefix="response-") as tmp:
        target = Path(tmp) / "bundle.pdf"
        meta = BundleMeta(reference=request.reference, council_name=settings.council_name, prepared_on=today,
                          large_print=large, draft=draft)
        result = render_bundle(meta, records, withheld, target, limits, workdir=tmp)
        bundle = target.read_bytes()
    letter = render_letter(response_letter(session, request, ds, today=today, bundle_pages=result.pages, draft=draft),
                           privacy_notice.load(), settings.council_name, limits)
    return Rendered(letter=letter, bundle=bundle, pages=result.pages)


# --------------------------------------------------------------------------------------------------
# Versions


def latest(session: Session, request_id: int) -> BundleVersion | None:
    return session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id)
                           .order_by(BundleVersion.number.desc()).limit(1)).first()


def versions(session: Session, request_id: int) -> list[BundleVersion]:
    return list(session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id)
                                .order_by(BundleVersion.number.desc())))


def decided_set(session: Session, cipher: Cipher, request_id: int) -> DisclosureSet:
    ds = disclosure_set(session, cipher, request_id)
    if ds.undecided:
        noun = "record is" if ds.undecided == 1 else "records are"
        raise VersionError(f"{ds.undecided} gathered {noun} not decided yet: review the redactions first.")
    if not ds.included and not ds.withheld:
        raise VersionError("No record has been decided: there is nothing to prepare.")
    return ds


def prepare(session: Session, settings: Settings, store: EncryptedStore, cipher: Cipher, request_id: int,
            actor: str) -> BundleVersion:
    """Render a draft version from the current decisions, or return the version already built from them."""
    # No lock on the request while rendering (seconds, minutes for a large bundle): the case page and its
    # actions must not wait on it. Two preparers racing on the same decisions collide on the unique
    # (request, fingerprint) index and one transaction fails; its retry finds the stored version.
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise VersionError("No such request.")
    ds = decided_set(session, cipher, request_id)
    existing = session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id,
                                                           BundleVersion.fingerprint == ds.fingerprint)).first()
    if existing is not None:
        return existing
    rendered = render_response(session, settings, request, ds, draft=True)
    number = (session.scalar(select(func.max(BundleVersion.number))
                             .where(BundleVersion.request_id == request_id)) or 0) + 1
    keys = (store.put(rendered.letter), store.put(rendered.bundle))
    on_rollback(session, lambda: [store.delete(key) for key in keys])  # a version not stored keeps no files
    version = BundleVersion(request_id=request_id, number=number, fingerprint=ds.fingerprint, status="draft",
                            pages=rendered.pages, records=len(ds.included), withheld=len(ds.withheld),
                            letter_key=keys[0], bundle_key=keys[1],
                            bundle_sha256=hashlib.sha256(rendered.bundle).hexdigest(), prepared_by=actor)
    session.add(version)
    session.flush()
    audit.record(session, actor, "bundle.prepared", request_id=request_id, target=request.reference,
                 detail={"version": number, "pages": rendered.pages, "sha256": version.bundle_sha256})
    return version


def defer_prepare(session: Session, queue: JobQueue, request_id: int, actor: str) -> None:
    """Prepare in a job after commit ("Prepare the response" on the case page); safe to run twice."""
    jobs.defer(session, queue, PREPARE_JOB, request_id, actor, request_id=request_id)


def state(session: Session, cipher: Cipher, request: RightsRequest) -> VersionState:
    """The latest version measured against the current decisions (one disclosure set, only if a version exists)."""
    version = latest(session, request.id)
    if version is None:
        return VersionState()
    current = disclosure_set(session, cipher, request.id).fingerprint
    stale = current != version.fingerprint
    findings = list(version.leak_findings or [])
    return VersionState(version=version, ready=not stale, approved=version.status in ("approved", "released"),
                        stale=stale, leak_findings=len(findings), findings=findings)


def submit(session: Session, request: RightsRequest, version: BundleVersion, actor: str) -> None:
    """Name the version sent for approval (the workflow's guards have checked it is current)."""
    version.status = "submitted"
    audit.record(session, actor, "bundle.submitted", request_id=request.id, target=request.reference,
                 detail={"version": version.number})


VIEWED_ACTION = "bundle.viewed"


def record_view(session: Session, actor: str, request: RightsRequest, version: BundleVersion, file: str, *,
                ip: str | None = None) -> None:
    """Audit that a member of staff opened a version's letter or bundle (approval needs the approver's)."""
    audit.record(session, actor, VIEWED_ACTION, request_id=request.id, target=request.reference,
                 detail={"version": version.number, "file": file}, ip=ip)


def has_seen(session: Session, actor: str, request_id: int, version: BundleVersion) -> bool:
    """Has ``actor`` opened this version's bundle? A manager approves what they saw, not a hash."""
    rows = session.scalars(select(AuditEvent.detail).where(AuditEvent.request_id == request_id,
                                                           AuditEvent.actor == actor,
                                                           AuditEvent.action == VIEWED_ACTION))
    return any(d.get("version") == version.number and str(d.get("file", "")).startswith("bundle") for d in rows)


def _where(finding: leakcheck.Finding, owners: dict[str, str]) -> dict[str, Any]:
    """A finding as shown to the officer: where, and which record's removed text, never the text itself."""
    return {"where": finding.where, "record": owners.get(finding.needle, "a withheld or redacted record")}


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


def leak_gate(session: Session, cipher: Cipher, ds: DisclosureSet, pdfs: dict[str, bytes]) -> list[dict[str, Any]]:
    """Run :func:`leakcheck.check` over each PDF with every removed string; findings name where, not what."""
    findings: list[leakcheck.Finding] = []
    named: list[tuple[str, leakcheck.Finding]] = []
    with tempfile.TemporaryDirectory(prefix="leak-") as tmp:
        for name, data in pdfs.items():
            path = Path(tmp) / f"{name}.pdf"
            path.write_bytes(data)
            for finding in leakcheck.check(path, ds.redacted_strings):
                findings.append(finding)
                named.append((name, finding))
    if not named:
        return []
    owners = _owners(session, cipher, ds)
    return [{"file": name, **_where(f, owners)} for name, f in named]


def approve(session: Session, settings: Settings, store: EncryptedStore, cipher: Cipher, request: RightsRequest,
            actor: str) -> BundleVersion:
    """Render the submitted version's final PDFs (no DRAFT), hash them and run the leak gate."""
    version = latest(session, request.id)
    if version is None or version.status != "submitted":
        raise VersionError("No version has been sent for approval: prepare the response and send it again.")
    if not has_seen(session, actor, request.id, version):
        raise VersionError(f"Open version {version.number}'s bundle (and letter) before approving it.")
    ds = decided_set(session, cipher, request.id)
    if ds.fingerprint != version.fingerprint:
        raise VersionError(f"Version {version.number} is out of date: the decisions changed after it was prepared. "
                           f"Return it for changes and prepare a new version.")
    rendered = render_response(session, settings, request, ds, draft=False)
    version.final_letter_key = store.put(rendered.letter)
    version.final_bundle_key = store.put(rendered.bundle)
    keys = (version.final_letter_key, version.final_bundle_key)
    on_rollback(session, lambda: [store.delete(key) for key in keys])
    version.final_sha256 = hashlib.sha256(rendered.bundle).hexdigest()
    version.leak_findings = leak_gate(session, cipher, ds, {"letter": rendered.letter, "bundle": rendered.bundle})
    version.status = "approved"
    version.approved_by = actor
    version.approved_at = utcnow()
    audit.record(session, actor, "bundle.approved", request_id=request.id, target=request.reference,
                 detail={"version": version.number, "sha256": version.final_sha256,
                         "leak_findings": len(version.leak_findings)})
    return version


def files(store: EncryptedStore, version: BundleVersion, *, final: bool) -> dict[str, bytes]:
    """The version's letter and bundle, decrypted (final: the approved, unmarked ones)."""
    if final:
        if not (version.final_letter_key and version.final_bundle_key):
            raise VersionError(f"Version {version.number} is not approved.")
        return {"letter": store.get(version.final_letter_key), "bundle": store.get(version.final_bundle_key)}
    return {"letter": store.get(version.letter_key), "bundle": store.get(version.bundle_key)}


def print_pack(store: EncryptedStore, version: BundleVersion) -> bytes:
    """The approved letter followed by the bundle in one PDF, for a requester who asked for post."""
    import io

    import pikepdf

    parts = files(store, version, final=True)
    out = pikepdf.new()
    for name in ("letter", "bundle"):
        with pikepdf.open(io.BytesIO(parts[name])) as src:
            out.pages.extend(src.pages)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
