"""Prepared responses: the access-response letter and the disclosure bundle, rendered from the current
decisions into numbered versions, approved by version (:mod:`.finalise`), and checked for leaks before release.

Why versions: a manager approves what they saw, not "whatever the decisions are now". A version records
the fingerprint of what it was built from: the decisions (:func:`rights.redaction.disclosure.disclosure_set`)
and what was searched (the letter lists it); any change afterwards changes the fingerprint, so the version is
stale and cannot be released. Preparing is idempotent: the same fingerprint returns the same version without
rendering again.

When nothing is to be disclosed (no record was found, or every record is withheld in full) the response is
the letter alone: a *letter-only* version, with no bundle. A requester expects a letter saying what was
searched and that nothing is held (or what was withheld and why), not a bundle of an index and no records.
Such a letter may only be prepared once every search is settled (confirmed by the record holder or closed
by an officer, or that check overridden by a manager): until then "nothing was found" may not be true.

Rendering a large bundle takes minutes, so it never happens inside a database transaction: :func:`plan`
reads everything the render needs in one, :func:`render_plan` renders with no session open, and
:func:`store_prepared` stores the result in another (a version prepared meanwhile from the same fingerprint
wins, and this render is not stored). Drafts are marked DRAFT on every page. Every PDF is kept in the
encrypted file store; rows hold keys, hashes and counts, never content.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, clock, jobs, privacy_notice
from rights.bundles import render
from rights.bundles.bundle import BundleMeta, BundleRecord, Redaction, Text, WithheldRecord, render_bundle
from rights.bundles.letters import Letter, Searched, Withheld, render_letter
from rights.config import Settings
from rights.db import on_rollback
from rights.jobs import JobQueue
from rights.models import AuditEvent, BundleVersion, GatheredRecord, RightsRequest, SearchTask
from rights.redaction import scans
from rights.redaction.disclosure import DisclosureSet, disclosure_set
from rights.security import Cipher, EncryptedStore, store_for
from rights.vocabulary import KIND_WORDS, RequestKind

PREPARE_JOB = "bundle_prepare"
FINAL = ("approved", "released")


class VersionError(ValueError):
    """Preparing, approving or releasing a version was refused; the message says why in one line."""


@dataclass(frozen=True)
class VersionState:
    """What the workflow needs to know about a request's prepared response (see ``rights.workflow`` Facts)."""

    version: BundleVersion | None = None
    ready: bool = False  # a version exists and matches the current decisions
    approved: bool = False  # that version is approved and its final PDFs are stored
    finalising: bool = False  # approved by a manager; the job rendering its final PDFs has not finished
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


def searched(session: Session, request_id: int) -> tuple[Searched, ...]:
    """Each service searched and what was found there (a count, never content): the letter's table."""
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


def fingerprint(ds: DisclosureSet, places: tuple[Searched, ...]) -> str:
    """What a version is built from: the decisions' fingerprint and what the letter says was searched."""
    searched_json = json.dumps([[s.place, s.found] for s in places], separators=(",", ":"))
    return hashlib.sha256(f"{ds.fingerprint}|{searched_json}".encode()).hexdigest()


def response_letter(request: RightsRequest, ds: DisclosureSet, places: tuple[Searched, ...], *, today: date,
                    draft: bool) -> Letter:
    """The access-response letter for these decisions (codes used, never what they hide). With no record to
    disclose it lists the withheld records itself, as there is no bundle index to do it."""
    codes = sorted({c.strip() for r in ds.included for s in r.segments if s.code for c in s.code.split(",")}
                   | {g.code for r in ds.included if r.scan for g in r.scan.regions}
                   | {w.code for w in ds.withheld if w.code})
    listed = () if ds.included else tuple(Withheld(service=w.service or "Other records", date=w.date,
                                                   title=w.title or "Record", code=w.code) for w in ds.withheld)
    return Letter(kind="access_response", reference=request.reference, letter_date=today,
                  recipient_name=request.requester.full_name, recipient_address=_address(request),
                  request_label=KIND_WORDS[RequestKind(request.kind)].in_letters.removeprefix("request for "),
                  received=request.received_on, due=request.due_on, searched=places,
                  records_disclosed=len(ds.included), records_withheld=len(ds.withheld), withheld=listed,
                  bundle_pages=None, codes_used=tuple(codes), draft=draft,
                  large_print=bool((request.details or {}).get("large_print")))


def bundle_records(ds: DisclosureSet, files: EncryptedStore | None = None) -> Iterator[BundleRecord]:
    """The disclosed records as the renderer's records, one at a time (the renderer spills each as it comes):
    text and code boxes, never the removed characters; a scan's pages drawn afresh with its regions painted
    into the pixels (``files`` holds the scans)."""
    for r in ds.included:
        pages: tuple[bytes, ...] = ()
        if r.scan is not None:
            if files is None:
                raise VersionError("A scan is disclosed but no file store was given to draw its pages.")
            try:
                pages = tuple(scans.burned_pages(files.get(r.scan.file_key), r.scan.content_type, r.scan.regions))
            except (scans.ScanError, ValueError) as exc:
                raise VersionError(f"The scan {r.title or 'Record'} could not be drawn: {exc}") from exc
        yield BundleRecord(key=f"r{r.record_id}", service=r.service or "Other records", date=r.date or date.min,
                           title=r.title or "Record",
                           segments=tuple(Text(s.text or "") if s.code is None else Redaction(s.code)
                                          for s in r.segments),
                           pages=pages, page_codes=tuple(sorted({g.code for g in r.scan.regions})) if r.scan else ())


def withheld_records(ds: DisclosureSet) -> list[WithheldRecord]:
    return [WithheldRecord(key=f"r{w.record_id}", service=w.service or "Other records", date=w.date or date.min,
                           title=w.title or "Record", code=w.code) for w in ds.withheld]


@dataclass(frozen=True)
class Plan:
    """Everything one rendering needs, read in a transaction and used after it: no session inside."""

    request_id: int
    reference: str
    ds: DisclosureSet
    fingerprint: str
    letter: Letter
    meta: BundleMeta
    council_name: str
    limits: render.RenderLimits
    files: EncryptedStore | None = None  # where disclosed scans are read from

    @property
    def letter_only(self) -> bool:
        return not self.ds.included


@dataclass(frozen=True)
class Rendered:
    letter: bytes
    bundle: bytes | None  # None: a letter-only response
    pages: int


def plan(session: Session, settings: Settings, request: RightsRequest, ds: DisclosureSet, *, draft: bool,
         today: date | None = None) -> Plan:
    today = today or datetime.now(clock.LONDON).date()
    places = searched(session, request.id)
    meta = BundleMeta(reference=request.reference, council_name=settings.council_name, prepared_on=today,
                      large_print=bool((request.details or {}).get("large_print")), draft=draft,
                      pdf_a=settings.pdf_a)
    return Plan(request_id=request.id, reference=request.reference, ds=ds, fingerprint=fingerprint(ds, places),
                letter=response_letter(request, ds, places, today=today, draft=draft), meta=meta,
                council_name=settings.council_name, limits=render.limits_from(settings),
                files=store_for(settings.upload_dir, settings.encryption_keys))


def render_plan(p: Plan, progress: Callable[[int, int], None] | None = None) -> Rendered:
    """Render the bundle (unless letter-only), then the letter that names its page count."""
    bundle: bytes | None = None
    pages = 0
    if not p.letter_only:
        with tempfile.TemporaryDirectory(prefix="response-") as tmp:
            target = Path(tmp) / "bundle.pdf"
            result = render_bundle(p.meta, bundle_records(p.ds, p.files), withheld_records(p.ds), target, p.limits,
                                   workdir=tmp, progress=progress)
            bundle, pages = target.read_bytes(), result.pages
    letter = render_letter(replace(p.letter, bundle_pages=pages or None), privacy_notice.load(), p.council_name,
                           p.limits, pdf_a=p.meta.pdf_a)
    return Rendered(letter=letter, bundle=bundle, pages=pages)


def render_response(session: Session, settings: Settings, request: RightsRequest, ds: DisclosureSet, *,
                    draft: bool, today: date | None = None) -> Rendered:
    """Plan and render in one go (``rights bundle``; small responses)."""
    return render_plan(plan(session, settings, request, ds, draft=draft, today=today))


# --------------------------------------------------------------------------------------------------
# Versions


def latest(session: Session, request_id: int) -> BundleVersion | None:
    return session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id)
                           .order_by(BundleVersion.number.desc()).limit(1)).first()


def versions(session: Session, request_id: int) -> list[BundleVersion]:
    return list(session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id)
                                .order_by(BundleVersion.number.desc())))


def decided_set(session: Session, cipher: Cipher, request_id: int) -> DisclosureSet:
    """The decisions a response can be prepared from, or :class:`VersionError` saying what to settle first."""
    ds = disclosure_set(session, cipher, request_id)
    if ds.undecided:
        noun = "record is" if ds.undecided == 1 else "records are"
        raise VersionError(f"{ds.undecided} gathered {noun} not decided yet: review the redactions first.")
    if not ds.included:  # a letter-only response says what was searched: the searches must be over
        settled = session.execute(select(func.count(SearchTask.id), func.count(SearchTask.confirmed_at))
                                  .where(SearchTask.request_id == request_id)).one()
        request = session.get(RightsRequest, request_id)
        overridden = "searches_settled" in ((request.details or {}).get("overrides") or {}) if request else False
        if not settled[0]:
            raise VersionError("No system has been searched: there is nothing to tell the requester yet.")
        if settled[0] > settled[1] and not overridden:
            n = settled[0] - settled[1]
            raise VersionError(f"{n} search{'' if n == 1 else 'es'} not yet confirmed by the record holder or "
                               f"closed by an officer: the letter would say what was found before it is known.")
    return ds


def _existing(session: Session, request_id: int, print_: str) -> BundleVersion | None:
    return session.scalars(select(BundleVersion).where(BundleVersion.request_id == request_id,
                                                       BundleVersion.fingerprint == print_)).first()


def plan_prepare(session: Session, settings: Settings, cipher: Cipher, request_id: int) -> Plan | BundleVersion:
    """The draft to render, or the version already built from exactly these decisions and searches."""
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise VersionError("No such request.")
    p = plan(session, settings, request, decided_set(session, cipher, request_id), draft=True)
    return _existing(session, request_id, p.fingerprint) or p


def store_prepared(session: Session, store: EncryptedStore, p: Plan, rendered: Rendered,
                   actor: str) -> BundleVersion:
    """Store a rendered draft as the next numbered version (or return one stored meanwhile, dropping ours)."""
    existing = _existing(session, p.request_id, p.fingerprint)
    if existing is not None:
        return existing
    number = (session.scalar(select(func.max(BundleVersion.number))
                             .where(BundleVersion.request_id == p.request_id)) or 0) + 1
    keys = (store.put(rendered.letter), store.put(rendered.bundle) if rendered.bundle is not None else None)
    on_rollback(session, lambda: [store.delete(key) for key in keys if key])  # a version not stored keeps no files
    version = BundleVersion(request_id=p.request_id, number=number, fingerprint=p.fingerprint, status="draft",
                            pages=rendered.pages, records=len(p.ds.included), withheld=len(p.ds.withheld),
                            letter_key=keys[0], bundle_key=keys[1],
                            bundle_sha256=hashlib.sha256(rendered.bundle).hexdigest() if rendered.bundle else None,
                            prepared_by=actor)
    session.add(version)
    session.flush()
    audit.record(session, actor, "bundle.prepared", request_id=p.request_id, target=p.reference,
                 detail={"version": number, "pages": rendered.pages, "sha256": version.bundle_sha256,
                         "letter_only": rendered.bundle is None})
    return version


def prepare(session: Session, settings: Settings, store: EncryptedStore, cipher: Cipher, request_id: int,
            actor: str) -> BundleVersion:
    """Render a draft version from the current decisions, or return the version already built from them.

    In one session (tests, small responses); the prepare job renders between two transactions instead."""
    planned = plan_prepare(session, settings, cipher, request_id)
    if isinstance(planned, BundleVersion):
        return planned
    return store_prepared(session, store, planned, render_plan(planned), actor)


def defer_prepare(session: Session, queue: JobQueue, request_id: int, actor: str) -> None:
    """Prepare in a job after commit ("Prepare the response" on the case page); safe to run twice."""
    jobs.defer(session, queue, PREPARE_JOB, request_id, actor, request_id=request_id)


def current_fingerprint(session: Session, cipher: Cipher, request_id: int) -> str:
    return fingerprint(disclosure_set(session, cipher, request_id), searched(session, request_id))


def state(session: Session, cipher: Cipher, request: RightsRequest) -> VersionState:
    """The latest version measured against the current decisions (one disclosure set, only if a version exists)."""
    version = latest(session, request.id)
    if version is None:
        return VersionState()
    stale = current_fingerprint(session, cipher, request.id) != version.fingerprint
    findings = list(version.leak_findings or [])
    return VersionState(version=version, ready=not stale, approved=version.status in FINAL,
                        finalising=version.status == "approving", stale=stale, leak_findings=len(findings),
                        findings=findings)


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
    """Has ``actor`` opened this version's bundle (its letter, when the letter is the whole response)?
    A manager approves what they saw, not a hash."""
    rows = session.scalars(select(AuditEvent.detail).where(AuditEvent.request_id == request_id,
                                                           AuditEvent.actor == actor,
                                                           AuditEvent.action == VIEWED_ACTION))
    wanted = "letter" if version.bundle_key is None else "bundle"
    return any(d.get("version") == version.number and str(d.get("file", "")).startswith(wanted) for d in rows)


def files(store: EncryptedStore, version: BundleVersion, *, final: bool) -> dict[str, bytes]:
    """The version's letter and (unless letter-only) bundle, decrypted (final: the approved, unmarked ones)."""
    if final:
        if version.status not in FINAL or not version.final_letter_key:
            raise VersionError(f"Version {version.number} is not approved.")
        keys = {"letter": version.final_letter_key, "bundle": version.final_bundle_key}
    else:
        keys = {"letter": version.letter_key, "bundle": version.bundle_key}
    return {name: store.get(key) for name, key in keys.items() if key}
