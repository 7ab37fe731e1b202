"""What a request's decided records disclose: the input of the bundle and the release letter.

:func:`disclosure_set` is the one place decisions become output. Included records come as
:class:`~rights.redaction.Segment` lists (plain text and code boxes, never the removed characters), or, for
a scan, its file and the page regions to paint out (:class:`Scan`);
withheld records come with their code only; ``redacted_strings`` is every original piece of text removed
(accepted redactions and withheld records' text) so a leak gate can prove none reached the output; and
``fingerprint`` changes whenever any decision does, so a bundle can tell it is out of date.

Undecided records are counted, never returned: nothing proposed is released unreviewed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import privacy_notice
from rights.models import RecordDecision, Redaction, SearchTask
from rights.redaction.apply import Redaction as Cut
from rights.redaction.apply import Segment, segments
from rights.redaction.decisions import decided_record_ids
from rights.redaction.regions import as_regions, regions_of
from rights.redaction.scans import Region
from rights.redaction.service import ACCEPTED, INCLUDE, WITHHOLD, request_records
from rights.search.records import record_text
from rights.security import Cipher


@dataclass(frozen=True)
class DisclosedRecord:
    record_id: int  # the gathered record's database id
    source: str
    service: str  # the service's label, as the council names it
    date: date | None
    title: str
    segments: list[Segment]
    #: A scan (no text layer, so no segments): its file, drawn page by page with these regions painted out.
    scan: Scan | None = None


@dataclass(frozen=True)
class Scan:
    file_key: str
    content_type: str
    regions: tuple[Region, ...]


@dataclass(frozen=True)
class WithheldRecord:
    record_id: int
    source: str
    service: str
    date: date | None
    title: str
    code: str


@dataclass(frozen=True)
class DisclosureSet:
    included: list[DisclosedRecord] = field(default_factory=list)
    withheld: list[WithheldRecord] = field(default_factory=list)
    undecided: int = 0
    redacted_strings: list[str] = field(default_factory=list)
    fingerprint: str = ""


def accepted_cuts(session: Session, record_id: int) -> list[Cut]:
    """The record's accepted redactions (detector and officer) as the core's :class:`Redaction`."""
    rows = session.execute(select(Redaction.start, Redaction.end, Redaction.code).where(
        Redaction.record_id == record_id, Redaction.status == ACCEPTED).order_by(Redaction.start, Redaction.end))
    return [Cut(start, end, code) for start, end, code in rows]


def disclosure_set(session: Session, cipher: Cipher, request_id: int) -> DisclosureSet:
    """The decided records of a request in a stable order (service, date, id), ready to render."""
    records = request_records(session, request_id)
    decided = decided_record_ids(session, request_id)
    decisions = {d.record_id: d for d in session.scalars(
        select(RecordDecision).where(RecordDecision.request_id == request_id))}
    services = dict(session.execute(select(SearchTask.id, SearchTask.service)
                                    .where(SearchTask.request_id == request_id)).all())
    notice = privacy_notice.load()

    def service_of(task_id: int) -> str:
        key = services.get(task_id)
        return notice.service_label(key) if key else ""

    ordered = sorted((r for r in records if r.id in decided),
                     key=lambda r: (service_of(r.task_id), r.record_date or date.min, r.id))
    included: list[DisclosedRecord] = []
    withheld: list[WithheldRecord] = []
    removed: list[str] = []
    digest: list[list[object]] = []
    for record in ordered:
        decision = decisions[record.id]
        text = record_text(record, cipher) or ""
        if decision.decision == WITHHOLD:
            withheld.append(WithheldRecord(record.id, record.source, service_of(record.task_id), record.record_date,
                                           record.title, decision.code or ""))
            if text.strip():
                removed.append(text)
            digest.append([record.id, WITHHOLD, decision.code])
        elif decision.decision == INCLUDE and decision.needs_officer:
            regions = as_regions(regions_of(session, record.id))
            included.append(DisclosedRecord(record.id, record.source, service_of(record.task_id), record.record_date,
                                            record.title, [], Scan(record.file_key or "", record.content_type or "",
                                                                   regions)))
            digest.append([record.id, INCLUDE, "scan", [[r.page, r.left, r.top, r.width, r.height, r.code]
                                                        for r in regions]])
        elif decision.decision == INCLUDE:
            cuts = accepted_cuts(session, record.id)
            removed.extend(text[c.start:c.end] for c in cuts if text[c.start:c.end].strip())
            included.append(DisclosedRecord(record.id, record.source, service_of(record.task_id), record.record_date,
                                            record.title, segments(text, cuts)))
            digest.append([record.id, INCLUDE, [[c.start, c.end, c.code] for c in cuts]])
    fingerprint = hashlib.sha256(json.dumps(digest, separators=(",", ":")).encode()).hexdigest()
    return DisclosureSet(included=included, withheld=withheld, undecided=len(records) - len(decided),
                         redacted_strings=sorted(set(removed), key=lambda s: (-len(s), s)),
                         fingerprint=fingerprint)
