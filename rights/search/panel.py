"""The case page's searches panel: plain values read in the view, so the template never queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import privacy_notice, workflow
from rights.models import (
    GatheredRecord,
    RightsRequest,
    SearchTask,
)
from rights.permissions import Actor, is_caseworker
from rights.search.outcomes import OUTCOME_LABELS, REVIEW, STATUS_LABELS, effective_outcome
from rights.search.tasks import visible_tasks
from rights.staff import staff_names

# --------------------------------------------------------------------------------------------------
# The case page's panel (plain values: rendered after the data is read)


@dataclass(frozen=True)
class CandidateView:
    id: int
    person_id: str
    name: str
    date_of_birth: date | None
    score: float
    outcome: str  # the matcher's
    decision: str | None  # the officer's, if any
    effective: str
    explanation: tuple[str, ...]
    decided_by: str | None
    decided_at: datetime | None
    awaiting_officer: bool
    decision_reason: str | None = None  # why it was rejected or reopened

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


@dataclass(frozen=True)
class TaskView:
    id: int
    source: str
    service: str
    service_label: str
    type: str
    status: str
    status_label: str
    status_class: str
    error: str | None
    result_note: str | None
    run_by: str
    queued_at: datetime | None
    finished_at: datetime | None
    candidates: tuple[CandidateView, ...]
    record_count: int
    confirmed_by: str | None
    confirmed_at: datetime | None
    none_held: bool
    note: str | None
    closed_reason: str | None = None  # closed by an officer without the record holder's confirmation

    @property
    def waiting(self) -> int:
        return sum(1 for c in self.candidates if c.awaiting_officer)


@dataclass(frozen=True)
class RecordView:
    id: int
    task_id: int
    title: str
    record_date: date | None
    source: str
    service_label: str
    origin: str
    has_text: bool
    has_file: bool


def _task_view(task: SearchTask, names: dict[str, str], labels: Any) -> TaskView:
    words, colour = STATUS_LABELS.get(task.status, (task.status, "govuk-tag--grey"))
    candidates = tuple(CandidateView(
        id=c.id, person_id=c.person_id,
        name=" ".join(filter(None, [(c.identity or {}).get("given_names"), (c.identity or {}).get("family_name")])),
        date_of_birth=date.fromisoformat(dob) if (dob := (c.identity or {}).get("date_of_birth")) else None,
        score=float(c.score), outcome=c.outcome, decision=c.decision, effective=effective_outcome(c),
        explanation=tuple(str(line) for line in c.explanation or ()),
        decided_by=names.get(c.decided_by or "", c.decided_by), decided_at=c.decided_at,
        awaiting_officer=c.decision is None and c.outcome == REVIEW, decision_reason=c.decision_reason,
    ) for c in sorted(task.candidates, key=lambda c: (-c.score, c.id)))
    return TaskView(
        id=task.id, source=task.source, service=task.service, service_label=labels(task.service),
        type=task.source_type, status=task.status, status_label=words, status_class=colour, error=task.error,
        result_note=task.result_note, run_by=names.get(task.run_by, task.run_by), queued_at=task.queued_at,
        finished_at=task.finished_at, candidates=candidates, record_count=task.record_count,
        confirmed_by=names.get(f"user:{task.confirmed_by_id}") if task.confirmed_by_id else None,
        confirmed_at=task.confirmed_at, none_held=task.none_held, note=task.note, closed_reason=task.closed_reason,
    )


def task_views(session: Session, tasks: list[SearchTask]) -> list[TaskView]:
    names = staff_names(session)
    labels = privacy_notice.load().service_label
    return [_task_view(t, names, labels) for t in tasks]


def record_views(session: Session, tasks: list[SearchTask]) -> list[RecordView]:
    """The gathered records of these tasks: titles, dates and sources only (nothing decrypted)."""
    if not tasks:
        return []
    labels = privacy_notice.load().service_label
    services = {t.id: t.service for t in tasks}
    rows = session.scalars(select(GatheredRecord).where(GatheredRecord.task_id.in_(list(services)))
                           .order_by(GatheredRecord.source, GatheredRecord.record_date, GatheredRecord.id)).all()
    return [RecordView(id=r.id, task_id=r.task_id, title=r.title, record_date=r.record_date, source=r.source,
                       service_label=labels(services[r.task_id]), origin=r.origin, has_text=r.text_enc is not None,
                       has_file=r.file_key is not None) for r in rows]


@dataclass(frozen=True)
class Panel:
    tasks: list[TaskView]
    records: list[RecordView]
    can_decide: bool
    started: bool

    @property
    def waiting(self) -> int:
        return sum(t.waiting for t in self.tasks)


def panel(session: Session, request: RightsRequest, actor: Actor) -> Panel:
    """What the case page's "Searches" panel shows this member of staff (a record holder: their services)."""
    tasks = visible_tasks(session, request.id, actor)
    return Panel(tasks=task_views(session, tasks), records=record_views(session, tasks),
                 can_decide=is_caseworker(actor.role) and workflow.is_open(request.kind, request.status),
                 started=bool(tasks))


