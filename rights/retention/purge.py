"""The retention purge: delete what :mod:`rights.retention.policy` says is due, and report what went.

One run (``rights retention purge``, and the schedule's daily ``retention_purge`` job) does three things,
each case in its own transaction so a failure loses nothing and a retry carries on:

1. **Closed cases past their period** go entirely: every row of every table that refers to the request
   (found from the models' foreign keys, so a table added later is covered without touching this module),
   the people on it, and every file in the encrypted store (uploads, gathered records' files, letters,
   response versions). A tombstone (:class:`rights.models.PurgedRequest`: reference, type, dates, outcome,
   counts) and an audit entry ``case.purged`` stay; the audit trail's older entries keep the request id.
2. **Proofs of identity** past their grace are deleted (row and file), with a ``document.expired`` entry.
3. **Copies whose source deletes sooner** (CCTV clips) lose their file and text, with ``record.expired``.

Idempotent and safe to retry: each case is re-read under its row lock and the rules checked again before
anything goes (a hold placed a second earlier wins); what is gone is simply not found again. Files are
deleted before the transaction commits, so a crash can leave a case's rows without their files (purged on
the next run), never files without their rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from rights import audit
from rights.config import Settings
from rights.db import Database
from rights.models import (
    Base,
    BundleVersion,
    Document,
    GatheredRecord,
    Person,
    PersonSearchKey,
    PurgedRequest,
    RightsRequest,
    WorkflowEvent,
    utcnow,
)
from rights.retention.policy import CaseFacts, Rules, case_cutoff, case_due, copy_due, id_document_due
from rights.security import EncryptedStore, store_for
from rights.workflow import CLOSED_STAGES

RR = RightsRequest
ACTOR = "system:retention"
ID_PURPOSE = "proof_of_id"
#: Where a case's files are named: (model, storage-key columns).
FILE_COLUMNS: tuple[tuple[type[Base], tuple[str, ...]], ...] = (
    (Document, ("storage_key",)),
    (GatheredRecord, ("file_key",)),
    (BundleVersion, ("letter_key", "bundle_key", "final_letter_key", "final_bundle_key")),
)


@dataclass
class Report:
    dry_run: bool
    now: datetime
    rules: Rules
    cases: list[dict[str, Any]] = field(default_factory=list)
    id_documents: list[dict[str, Any]] = field(default_factory=list)
    copies: list[dict[str, Any]] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    purged_ids: set[int] = field(default_factory=set)  # (a dry run's cases stay: skip them below)

    def totals(self) -> dict[str, int]:
        return {"cases": len(self.cases), "id_documents": len(self.id_documents), "copies": len(self.copies),
                "files": sum(c["files"] for c in self.cases) + sum(d["files"] for d in self.id_documents)
                + sum(c["files"] for c in self.copies), "held": len(self.held)}

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "now": self.now.isoformat(timespec="seconds"), "rules": self.rules.describe(),
                "totals": self.totals(), "cases": self.cases, "id_documents": self.id_documents,
                "copies": self.copies, "held": self.held}


def closed_when() -> tuple[Any, ColumnElement[Any]]:
    """When each case reached its closed stage: ``closed_at`` (close, refuse, withdraw) or, for a released
    response, the workflow event that released it. Returns the subquery to join and the expression."""
    moved = (select(WorkflowEvent.request_id.label("request_id"), func.max(WorkflowEvent.at).label("at"))
             .where(WorkflowEvent.to_status.in_(CLOSED_STAGES)).group_by(WorkflowEvent.request_id).subquery())
    return moved, func.coalesce(RR.closed_at, moved.c.at)


def _facts(session: Session, request: RightsRequest) -> CaseFacts:
    moved, when = closed_when()
    closed_at = session.scalar(select(when).select_from(RR).outerjoin(moved, moved.c.request_id == RR.id)
                               .where(RR.id == request.id)) if request.status in CLOSED_STAGES else None
    verified = session.scalar(select(func.max(WorkflowEvent.at)).where(
        WorkflowEvent.request_id == request.id, WorkflowEvent.event == "verify_id")) if request.id_verified else None
    return CaseFacts(status=request.status, closed_at=closed_at, held=request.legal_hold_since is not None,
                     id_verified_at=verified)


def dependants() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) that refers to a request, the tables that depend on others first."""
    out = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == RR.__tablename__:
            continue
        out += [(table, fk.parent) for fk in table.foreign_keys if fk.column.table.name == RR.__tablename__]
    return out


def _file_keys(session: Session, request_id: int) -> list[str]:
    keys: list[str] = []
    for model, columns in FILE_COLUMNS:
        table = model.__table__
        for row in session.execute(select(*(table.c[c] for c in columns)).where(table.c.request_id == request_id)):
            keys += [k for k in row if k]
    return keys


def _purge_rows(session: Session, request: RightsRequest, dry_run: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, column in dependants():
        n = session.scalar(select(func.count()).select_from(table).where(column == request.id)) or 0
        if n:
            counts[table.name] = counts.get(table.name, 0) + n
            if not dry_run:
                session.execute(delete(table).where(column == request.id))
    people = {request.subject_id, request.requester_id}
    shared = set(session.scalars(select(RR.subject_id).where(RR.id != request.id, RR.subject_id.in_(people)))) | set(
        session.scalars(select(RR.requester_id).where(RR.id != request.id, RR.requester_id.in_(people))))
    people -= shared
    counts["requests"], counts["people"] = 1, len(people)
    if not dry_run:
        session.execute(update(RR.__table__).where(RR.possible_duplicate_of_id == request.id)
                        .values(possible_duplicate_of_id=None))
        session.execute(delete(RR.__table__).where(RR.id == request.id))
        session.execute(delete(PersonSearchKey.__table__).where(PersonSearchKey.person_id.in_(people)))
        session.execute(delete(Person.__table__).where(Person.id.in_(people)))
    return counts


def purge_case(session: Session, store: EncryptedStore, request_id: int, rules: Rules, now: datetime, *,
               dry_run: bool = False, actor: str = ACTOR) -> dict[str, Any] | None:
    """Delete one case if (under its lock, now) it is due; what went, or None if it is not due."""
    request = session.get(RR, request_id, with_for_update=not dry_run or None, populate_existing=True)
    if request is None:
        return None
    facts = _facts(session, request)
    if not case_due(facts, rules, now):
        return None
    files = _file_keys(session, request.id)
    tomb = PurgedRequest(request_id=request.id, reference=request.reference, kind=request.kind, status=request.status,
                         outcome=request.outcome, received_on=request.received_on, closed_at=facts.closed_at,
                         purged_at=now, purged_by=actor, rule=f"closed more than {rules.closed_days} days")
    rows = _purge_rows(session, request, dry_run)
    closed_on = facts.closed_at.date().isoformat() if facts.closed_at else None
    done = {"reference": request.reference, "closed_on": closed_on, "rows": rows, "files": len(files)}
    if dry_run:
        return done
    session.expunge(request)
    for key in files:
        store.delete(key)
    tomb.deleted = {"rows": rows, "files": len(files)}
    session.add(tomb)
    audit.record(session, actor, "case.purged", request_id=request_id, target=tomb.reference,
                 detail={"rule": tomb.rule, "rows": rows, "files": len(files)})
    return done


def _purge_cases(db: Database, store: EncryptedStore, report: Report, actor: str) -> None:
    moved, when = closed_when()
    base = (select(RR.id, RR.reference, RR.legal_hold_since).outerjoin(moved, moved.c.request_id == RR.id)
            .where(RR.status.in_(CLOSED_STAGES), when <= case_cutoff(report.rules, report.now)).order_by(RR.id))
    with db.transaction() as session:
        due = session.execute(base).all()
    for request_id, reference, held in due:
        if held is not None:
            report.held.append(reference)
            continue
        with db.transaction() as session:
            done = purge_case(session, store, request_id, report.rules, report.now, dry_run=report.dry_run, actor=actor)
            if report.dry_run:
                session.rollback()
        if done is not None:
            report.cases.append(done)
            report.purged_ids.add(request_id)


def _expire_id_documents(db: Database, store: EncryptedStore, report: Report, actor: str) -> None:
    with db.transaction() as session:
        ids = session.execute(select(Document.id, Document.request_id).join(RR, RR.id == Document.request_id).where(
            Document.purpose == ID_PURPOSE, RR.legal_hold_since.is_(None),
            or_(RR.id_verified.is_(True), RR.status.in_(CLOSED_STAGES))).order_by(Document.id)).all()
    for document_id, request_id in ids:
        if request_id in report.purged_ids:
            continue
        with db.transaction() as session:
            request = session.get(RR, request_id, with_for_update=not report.dry_run or None, populate_existing=True)
            document = session.get(Document, document_id)
            if request is None or document is None or not id_document_due(_facts(session, request), report.rules,
                                                                           report.now):
                continue
            report.id_documents.append({"reference": request.reference, "document": document.id, "files": 1})
            if report.dry_run:
                continue
            store.delete(document.storage_key)
            session.delete(document)
            audit.record(session, actor, "document.expired", request_id=request.id, target=f"document:{document.id}",
                         detail={"purpose": ID_PURPOSE, "sha256": document.sha256,
                                 "rule": f"identity verified or case closed {report.rules.id_days} days ago"})


def _expire_copies(db: Database, store: EncryptedStore, report: Report, actor: str) -> None:
    with db.transaction() as session:
        found = session.execute(select(GatheredRecord.id, GatheredRecord.request_id).join(
            RR, RR.id == GatheredRecord.request_id).where(
            GatheredRecord.keep_days.is_not(None), RR.status.in_(CLOSED_STAGES), RR.legal_hold_since.is_(None),
            or_(GatheredRecord.file_key.is_not(None), GatheredRecord.text_enc.is_not(None))).order_by(
            GatheredRecord.id)).all()
    for record_id, request_id in found:
        if request_id in report.purged_ids:
            continue
        with db.transaction() as session:
            request = session.get(RR, request_id, with_for_update=not report.dry_run or None, populate_existing=True)
            record = session.get(GatheredRecord, record_id)
            if request is None or record is None or not copy_due(_facts(session, request), record.keep_days,
                                                                 report.now):
                continue
            report.copies.append({"reference": request.reference, "record": record.id,
                                  "files": 1 if record.file_key else 0})
            if report.dry_run:
                continue
            if record.file_key:
                store.delete(record.file_key)
            record.file_key, record.text_enc = None, None
            deleted_on = report.now.date().isoformat()
            record.record_metadata = {**(record.record_metadata or {}), "copy_deleted_on": deleted_on}
            audit.record(session, actor, "record.expired", request_id=request.id,
                         target=f"gathered_record:{record.id}",
                         detail={"source": record.source, "rule": f"the source keeps it {record.keep_days} days"})


def run(db: Database, settings: Settings, *, now: datetime | None = None, dry_run: bool = False,
        actor: str = ACTOR, store: EncryptedStore | None = None) -> Report:
    """One retention run: cases, then proofs of identity and short-lived copies of the cases that remain."""
    report = Report(dry_run=dry_run, now=now or utcnow(), rules=Rules.from_settings(settings))
    store = store or store_for(settings.upload_dir, settings.encryption_keys)
    _purge_cases(db, store, report, actor)
    _expire_id_documents(db, store, report, actor)
    _expire_copies(db, store, report, actor)
    return report


__all__ = ["ACTOR", "FILE_COLUMNS", "Report", "closed_when", "dependants", "purge_case", "run"]
