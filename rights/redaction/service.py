"""Proposing redactions for a request's gathered records and storing them for officers to decide.

The detectors (:func:`rights.redaction.propose`) are pure; this module feeds them what the database
holds (the subject's identity from the request, each record's decrypted text and involvement list,
every involvement of the request) and stores what comes back: one :class:`~rights.models.Redaction` row
per proposed removal (status ``proposed``) and one :class:`~rights.models.RecordDecision` row per record
(undecided, ``proposed_at`` set, ``needs_officer`` when it has no text layer).

Why a job: proposing decrypts and scans every record, which may take seconds for a large file set, so
the search job defers it after it stores records, and entering review defers it again (both idempotent:
a record whose decision row exists is not proposed again, and the rows are unique by span). The review
page and ``rights redact`` call :func:`propose_for_request` directly too, so an officer never waits on a
worker to see what is proposed.

Why a keyed hash for the person key: the detector's key names the person ("person:<source id>",
"name:<folded name>", "nhs:<number>"); the table needs only "the same person across this request", so it
keeps an HMAC of the key under the app's secret, salted with the request id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import jobs
from rights.models import GatheredRecord, RecordDecision, Redaction, RightsRequest, utcnow
from rights.redaction import RedactionContext, involvements_from_json, needs_officer, propose
from rights.search.records import record_involved, record_text
from rights.search.terms import subject_identity
from rights.security import Cipher
from rights.sources.base import Involvement

PROPOSE_JOB = "redaction_propose"
DETECTOR, OFFICER = "detector", "officer"
PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
INCLUDE, WITHHOLD = "include", "withhold"
STATUSES = (PROPOSED, ACCEPTED, REJECTED)


def person_key(secret: str, request_id: int, key: str) -> str:
    """The stored form of a detector's key: the same for one person across a request, and not their name."""
    return hmac.new(secret.encode(), f"{request_id}\x00{key}".encode(), hashlib.sha256).hexdigest()


def request_records(session: Session, request_id: int) -> list[GatheredRecord]:
    """A request's gathered records in a stable order (date, source, id)."""
    return list(session.scalars(select(GatheredRecord).where(GatheredRecord.request_id == request_id)
                                .order_by(GatheredRecord.record_date.asc().nulls_first(), GatheredRecord.source,
                                          GatheredRecord.id)))


def _dedupe(people: Iterable[Involvement]) -> tuple[Involvement, ...]:
    seen: dict[tuple[Any, ...], Involvement] = {}
    for person in people:
        seen.setdefault((person.name, person.role, person.person_id, person.address), person)
    return tuple(seen.values())


def contexts(session: Session, cipher: Cipher, request: RightsRequest,
             records: Sequence[GatheredRecord]) -> dict[int, RedactionContext]:
    """The :class:`RedactionContext` of every record: one object, shared by all records of the request.

    Why one: the detectors index the listed people of the request's records together (a person listed
    on one record is recognised in all of them), so every record's index is the request's; the index is
    cached by context object, and one object means it is built once per request rather than looked up
    by value (hashing every involvement) per record. A record's own involvements are all in the
    request's list (deduplicated by name, role, id and address; an entry differing only in job title
    has the same person key, and the index keeps one person per key), so nothing a record lists is lost.
    """
    identity = subject_identity(request.subject)
    contacts = tuple(c for c in (request.subject.email, request.subject.phone) if c)
    everyone = _dedupe(p for r in records for p in involvements_from_json(record_involved(r, cipher)))
    known = frozenset(p.name for p in everyone)
    shared = RedactionContext(subject=identity, involved=everyone, request_involved=everyone,
                              known_people=known, subject_contacts=contacts)
    return dict.fromkeys((r.id for r in records), shared)


def propose_for_request(session: Session, cipher: Cipher, secret: str, request_id: int) -> int:
    """Propose redactions for every gathered record of the request that has none yet; how many records.

    Safe to run twice, or twice at once: the request row is locked while proposing, a record with a
    decision row is skipped, and redactions are unique by (record, start, end, origin).
    """
    if not _missing(session, request_id):
        return 0  # the usual case on a page view: nothing to do, and no lock taken
    request = session.get(RightsRequest, request_id, with_for_update=True)
    if request is None:
        return 0
    done = set(session.scalars(select(RecordDecision.record_id).where(RecordDecision.request_id == request_id,
                                                                       RecordDecision.proposed_at.is_not(None))))
    records = request_records(session, request_id)
    todo = [r for r in records if r.id not in done]
    if not todo:
        return 0
    by_record = contexts(session, cipher, request, records)  # every record's people, for the request's list
    for record in todo:
        text = record_text(record, cipher)
        flag = needs_officer(text)
        existing = {(s, e) for s, e in session.execute(
            select(Redaction.start, Redaction.end).where(Redaction.record_id == record.id,
                                                         Redaction.origin == DETECTOR))}
        for proposal in ([] if flag else propose(text, by_record[record.id])):
            if not proposal.redact or (proposal.start, proposal.end) in existing:
                continue
            existing.add((proposal.start, proposal.end))
            session.add(Redaction(
                request_id=request_id, record_id=record.id, start=proposal.start, end=proposal.end,
                code=proposal.code or "TP", kind=str(proposal.kind), reason=proposal.reason,
                person_key=person_key(secret, request_id, proposal.key), origin=DETECTOR, status=PROPOSED))
        decision = session.scalars(select(RecordDecision).where(RecordDecision.record_id == record.id)).first()
        if decision is None:
            decision = RecordDecision(request_id=request_id, record_id=record.id)
            session.add(decision)
        decision.needs_officer = flag is not None
        decision.proposed_at = utcnow()
    session.flush()
    return len(todo)


def _missing(session: Session, request_id: int) -> bool:
    proposed = select(RecordDecision.record_id).where(RecordDecision.request_id == request_id,
                                                      RecordDecision.proposed_at.is_not(None))
    return session.scalar(select(GatheredRecord.id).where(GatheredRecord.request_id == request_id,
                                                          GatheredRecord.id.not_in(proposed)).limit(1)) is not None


def defer_proposals(session: Session, queue: jobs.JobQueue, request_id: int) -> None:
    """Queue proposing for a request's records after this transaction commits (the job is idempotent)."""
    jobs.defer(session, queue, PROPOSE_JOB, request_id, request_id=request_id)
