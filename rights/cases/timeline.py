"""A case's history for the case page: workflow and clock events and notes in one list, and its audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from rights import clock, workflow
from rights.models import (
    AuditEvent,
    Note,
    OutboxMessage,
    RightsRequest,
    WorkflowEvent,
)
from rights.staff import staff_names


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # workflow | clock | note | email
    title: str
    text: str | None = None
    who: str | None = None


_CLOCK_TITLES = {
    "id_requested": "Identity evidence asked for",
    "id_received": "Identity evidence received",
    "authority_requested": "Evidence of authority asked for",
    "authority_received": "Evidence of authority received",
    "fee_requested": "Fee asked for",
    "fee_received": "Fee received",
    "paused": "Clock paused: clarification asked for",
    "resumed": "Clock restarted: clarification received",
    "extended": "Extended by two months",
}


_OTHER_TITLES = {"correct_subject": "Subject's details corrected"}  # recorded outside the workflow table


# Built once: the case page reads the timeline on every view.
_WORKFLOW_EVENTS = select(WorkflowEvent).where(WorkflowEvent.request_id == bindparam("request_id"))
_NOTES = select(Note).where(Note.request_id == bindparam("request_id"))
_EMAILS = select(OutboxMessage).where(OutboxMessage.request_id == bindparam("request_id"))


def timeline(session: Session, request: RightsRequest) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first: workflow, clock, notes and emails."""
    names = staff_names(session)
    entries: list[TimelineEntry] = []
    for ev in session.scalars(_WORKFLOW_EVENTS, {"request_id": request.id}):
        title = _OTHER_TITLES.get(ev.event) or ev.event.replace("_", " ").capitalize()
        transition = workflow.workflow_for(request.kind).transition(ev.event)
        if transition is not None:
            title = transition.label
        if ev.from_status != ev.to_status:
            before = workflow.label(ev.from_status) if ev.from_status else "new"
            title += f" ({before} → {workflow.label(ev.to_status)})"
        entries.append(TimelineEntry(ev.at, "workflow", title, ev.reason, names.get(ev.actor, ev.actor)))
    for ce in request.clock_events:
        who = names.get(f"user:{ce.recorded_by_id}") if ce.recorded_by_id else None
        entries.append(TimelineEntry(ce.recorded_at, "clock",
                                     f"{_CLOCK_TITLES.get(ce.kind, ce.kind)} on {clock.short_date(ce.on)}",
                                     ce.reason, who))
    for note in session.scalars(_NOTES, {"request_id": request.id}):
        entries.append(TimelineEntry(note.created_at, "note", "Internal note", note.body,
                                     names.get(f"user:{note.author_id}")))
    for msg in session.scalars(_EMAILS, {"request_id": request.id}):
        entries.append(TimelineEntry(msg.created_at, "email", f"Email to {msg.to}: {msg.subject}",
                                     f"Status: {msg.status}", None))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def case_audit(session: Session, request: RightsRequest, limit: int = 500) -> list[AuditEvent]:
    """Who saw and did what on this case, oldest first (for managers and administrators)."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == request.id)
                                .order_by(AuditEvent.id).limit(limit)).all())

