"""What the review page and ``rights redact`` show: records with their progress, one record's text cut
into highlighted pieces with each redaction explained, the preview as disclosed, and the CLI's report.

Pure reads (decrypting text for the person reviewing); the decisions are :mod:`.decisions`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import privacy_notice
from rights.models import GatheredRecord, RecordDecision, Redaction, SearchTask
from rights.redaction.apply import Redaction as Cut
from rights.redaction.apply import Segment, redact_text, segments
from rights.redaction.decisions import decided_record_ids
from rights.redaction.regions import regions_of
from rights.redaction.service import ACCEPTED, PROPOSED, REJECTED, request_records
from rights.search.records import record_text
from rights.security import Cipher


@dataclass(frozen=True)
class RecordRow:
    """One line of the review list."""

    id: int
    title: str
    source: str
    service: str
    date: date | None
    decision: str | None
    code: str | None
    needs_officer: bool
    proposed: int  # redactions still waiting for a decision
    accepted: int
    decided: bool


@dataclass(frozen=True)
class Piece:
    """A stretch of a record's text: plain, or inside redactions (``numbers`` of the list below it)."""

    text: str
    numbers: tuple[int, ...] = ()
    status: str | None = None  # the first covering redaction's status, for the highlight's style


@dataclass(frozen=True)
class Item:
    """One redaction as the page explains it: its number, words, status, and the person's other mentions."""

    number: int
    row: Redaction
    words: str
    mentions: int  # redactions of the same person or identifier across the request


def _services(session: Session, request_id: int) -> dict[int, str]:
    notice = privacy_notice.load()
    return {task_id: notice.service_label(service) for task_id, service in session.execute(
        select(SearchTask.id, SearchTask.service).where(SearchTask.request_id == request_id))}


def record_rows(session: Session, request_id: int) -> list[RecordRow]:
    records = request_records(session, request_id)
    decisions = {d.record_id: d for d in session.scalars(
        select(RecordDecision).where(RecordDecision.request_id == request_id))}
    counts = Counter((r, s) for r, s in session.execute(
        select(Redaction.record_id, Redaction.status).where(Redaction.request_id == request_id)))
    decided = decided_record_ids(session, request_id)
    services = _services(session, request_id)
    rows = []
    for record in records:
        d = decisions.get(record.id)
        rows.append(RecordRow(record.id, record.title, record.source, services.get(record.task_id, ""),
                              record.record_date, d.decision if d else None, d.code if d else None,
                              bool(d and d.needs_officer), counts[(record.id, PROPOSED)],
                              counts[(record.id, ACCEPTED)], record.id in decided))
    return rows


def redactions_of(session: Session, record_id: int) -> list[Redaction]:
    return list(session.scalars(select(Redaction).where(Redaction.record_id == record_id)
                                .order_by(Redaction.start, Redaction.end, Redaction.id)))


def items(session: Session, request_id: int, text: str, rows: list[Redaction]) -> list[Item]:
    keys = {r.person_key for r in rows}
    mentions = dict(session.execute(select(Redaction.person_key, func.count()).where(
        Redaction.request_id == request_id, Redaction.person_key.in_(keys)).group_by(Redaction.person_key)).all())
    return [Item(i, row, text[row.start:row.end], mentions.get(row.person_key, 0)) for i, row in
            enumerate(rows, start=1)]


def pieces(text: str, listed: list[Item]) -> list[Piece]:
    """The text cut at every redaction's edges; each piece names the redactions covering it."""
    edges = sorted({0, len(text), *(i.row.start for i in listed), *(i.row.end for i in listed)})
    out = []
    for start, end in pairwise(edges):
        covering = [i for i in listed if i.row.start <= start and end <= i.row.end]
        status = covering[0].row.status if covering else None
        out.append(Piece(text[start:end], tuple(i.number for i in covering), status))
    return out


def preview(text: str | None, rows: list[Redaction]) -> list[Segment]:
    """The record as it would be disclosed now: accepted redactions replaced by their code boxes."""
    return segments(text or "", [Cut(r.start, r.end, r.code) for r in rows if r.status == ACCEPTED])


def report(session: Session, cipher: Cipher, request_id: int) -> dict[str, Any]:
    """``rights redact --json``: every gathered record, its decision, disclosed text and redactions.

    ``page_regions`` are a scan's regions (fractions of the page from its top left), painted out of its
    pages when it is disclosed. ``disclosed_text`` applies every redaction not rejected (accepted, and still
    proposed ones, so an undecided record shows what accepting the proposals would disclose, never more); it
    is null for a withheld record, which discloses nothing.
    """
    rows = {r.id: r for r in record_rows(session, request_id)}
    out = []
    for record in request_records(session, request_id):
        row = rows[record.id]
        text = record_text(record, cipher)
        reds = redactions_of(session, record.id)
        decision = row.decision if row.decided else "undecided"
        disclosed = None if decision == "withhold" else redact_text(
            text or "", [Cut(r.start, r.end, r.code) for r in reds if r.status != REJECTED])
        out.append({
            "source": record.source, "record_id": record.record_id, "id": record.id, "title": record.title,
            "date": record.record_date.isoformat() if record.record_date else None, "service": row.service,
            "decision": decision, "code": row.code if decision == "withhold" else None,
            "needs_officer": row.needs_officer, "disclosed_text": disclosed,
            "redactions": [{"start": r.start, "end": r.end, "code": r.code, "kind": r.kind, "reason": r.reason,
                            "status": r.status, "origin": r.origin} for r in reds],
            "page_regions": [{"page": g.page, "left": g.left, "top": g.top, "width": g.width, "height": g.height,
                              "code": g.code} for g in regions_of(session, record.id)] if row.needs_officer else [],
        })
    decided = sum(1 for r in rows.values() if r.decided)
    return {"records": out, "decided": decided, "total": len(rows), "undecided": len(rows) - decided}


def record_of(session: Session, request_id: int, record_id: int) -> GatheredRecord | None:
    record = session.get(GatheredRecord, record_id)
    return record if record is not None and record.request_id == request_id else None
