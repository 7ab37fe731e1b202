"""One case as plain data: stage, clock, identity and authority, searches, and each action with what
blocks it. ``rights case show REF --json`` prints it; scripts and checks read it instead of the page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import clock, workflow
from rights.cases.actions import facts_for
from rights.cases.decisions import checklist, decisions_made
from rights.models import RightsRequest, SearchTask
from rights.permissions import Actor
from rights.search.outcomes import REVIEW, STATUS_LABELS


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _clock(request: RightsRequest, today: date) -> dict[str, Any]:
    try:
        result = workflow.compute_clock(request, today)
    except clock.ClockError as exc:
        return {"error": str(exc)}
    running = workflow.is_open(request.kind, request.status) and request.status != "released"
    return {
        "received": _iso(request.received_on),
        "due": _iso(result.due),
        "original_due": _iso(result.original_due),
        "extended": result.extended,
        "paused_days": result.paused_days,
        "provisional": result.provisional,
        "working_days_left": clock.working_days_left(result.due, today) if running else None,
    }


def _action(t: workflow.Transition, facts: workflow.Facts) -> dict[str, Any]:
    """Whether the action may be taken now (its guards and checks; the officer's input is not judged)."""
    guard = next((problem for g in t.guards if (problem := g(facts))), None)
    blocked = [{"check": s.check.name, "label": s.check.label, "reason": s.reason}
               for s in workflow.blocking(t.event, facts)]
    return {"event": t.event, "label": t.label, "allowed": guard is None and not blocked,
            "refused_because": guard, "blocked_by": blocked}


def case_summary(session: Session, request: RightsRequest, actor: Actor, today: date) -> dict[str, Any]:
    """Everything an officer needs to know to take the next step, as JSON-ready values."""
    facts = facts_for(session, request, actor, today)
    wf = workflow.workflow_for(request.kind)
    actions = [_action(t, facts) for t in wf.transitions
               if request.status in t.sources and actor.role in t.roles]
    tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request.id)
                            .order_by(SearchTask.id)).all()
    return {
        "reference": request.reference,
        "kind": request.kind,
        "stage": request.status,
        "stage_label": workflow.label(request.status),
        "clock": _clock(request, today),
        "identity": {"verified": bool(request.id_verified),
                     "decision": next((d for d in decisions_made(session, request)
                                       if d["what"] == "Identity verified"), None)},
        "authority": {"requester_role": request.requester_role, "basis": request.authority_basis,
                      "verified": bool(request.authority_verified), "subject_age": facts.subject_age},
        "decisions": decisions_made(session, request),
        "checks": checklist(session, request, facts),
        "searches": [{
            "source": t.source, "service": t.service, "status": STATUS_LABELS.get(t.status, (t.status,))[0],
            "records": t.record_count,
            "matches_waiting": sum(1 for c in t.candidates if c.decision is None and c.outcome == REVIEW),
            "confirmed": t.confirmed_at is not None and not t.closed_reason,
            "closed_by_officer": t.closed_reason,
            "none_held": t.none_held,
        } for t in tasks],
        "actions": actions,
    }
