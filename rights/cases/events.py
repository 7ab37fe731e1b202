"""One function per workflow event: thin, named calls of :func:`~rights.cases.actions.perform` for views, jobs
and tests (each says which inputs its event needs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from rights import workflow
from rights.cases.actions import ActionResult, perform
from rights.errors import CaseError
from rights.jobs import JobQueue
from rights.models import (
    RightsRequest,
)
from rights.permissions import (
    Actor,
)
from rights.workflow import Firing

# --------------------------------------------------------------------------------------------------
# One function per action (thin names over perform, for views, jobs and tests)


def search_systems(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, today: date,
                   services: Sequence[str] = (), ip: str | None = None) -> ActionResult:
    """Search the source systems now: the dashboard's "Start the search" on a received request, or
    "Search the systems again" while searching or in review. ``rights process`` calls this too, so a
    withdrawn, refused or closed request is refused the same way everywhere."""
    wf = workflow.workflow_for(request.kind)
    event = next((t.event for t in wf.transitions
                  if t.event in ("start_search", "search_again") and request.status in t.sources), None)
    if event is None:
        raise CaseError(f"{request.reference} is at '{workflow.label(request.status)}': its source systems cannot "
                        "be searched now.", code="state")
    firing = Firing(options={"services": list(services)} if services else {})
    return perform(session, queue, request, actor, event, firing, today=today, ip=ip)


def ask_for_identity(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date,
               today: date, authority: bool = False, reason: str | None = None, ip: str | None = None,
               ) -> ActionResult:
    """Ask for proof of identity (or of a representative's authority): the month restarts on arrival."""
    event = "request_authority" if authority else "request_id"
    return perform(session, queue, request, actor, event, Firing(on=on, reason=reason), today=today, ip=ip)


def record_id_received(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date,
                       today: date, authority: bool = False, ip: str | None = None) -> ActionResult:
    """Record the true date the evidence arrived (it may be in the past); the clock replays from it."""
    event = "authority_received" if authority else "id_received"
    return perform(session, queue, request, actor, event, Firing(on=on), today=today, ip=ip)


def pause(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date, reason: str,
          today: date, ip: str | None = None) -> ActionResult:
    """Stop the clock while asking for clarification (Art 12A(5), access requests from 5 Feb 2026)."""
    return perform(session, queue, request, actor, "pause", Firing(on=on, reason=reason), today=today, ip=ip)


def resume(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date, today: date,
           ip: str | None = None) -> ActionResult:
    """The clarification arrived on ``on``: that day is the last paused one (both days inclusive)."""
    return perform(session, queue, request, actor, "resume", Firing(on=on), today=today, ip=ip)


def extend(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, reason: str, today: date,
           ip: str | None = None) -> ActionResult:
    """Extend by two months (manager only, before the notice deadline, with reasons told to the requester)."""
    return perform(session, queue, request, actor, "extend", Firing(reason=reason), today=today, ip=ip)


def assign(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, assignee_id: int,
           today: date, ip: str | None = None) -> ActionResult:
    return perform(session, queue, request, actor, "assign", Firing(options={"assignee_id": assignee_id}),
                   today=today, ip=ip)


def refuse(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, ground: str, reason: str,
           today: date, ip: str | None = None) -> ActionResult:
    """Refuse as manifestly unfounded or excessive (Art 12(5)); the letter names the right to complain."""
    return perform(session, queue, request, actor, "refuse", Firing(reason=reason, options={"ground": ground}),
                   today=today, ip=ip)


def withdraw(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, reason: str,
             today: date, ip: str | None = None) -> ActionResult:
    return perform(session, queue, request, actor, "withdraw", Firing(reason=reason), today=today, ip=ip)


