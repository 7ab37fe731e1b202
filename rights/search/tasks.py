"""Reaching a search task as the person acting may see it, and the checks an officer's decision needs.

Who may see which task is :func:`rights.permissions.can_see_task`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rights import audit, workflow
from rights.errors import CaseAccessDenied, CaseError, CaseNotFound
from rights.models import (
    RightsRequest,
    SearchCandidate,
    SearchStatus,
    SearchTask,
)
from rights.permissions import Actor, can_see_task

# --------------------------------------------------------------------------------------------------
# Who may reach which task


def find_task(session: Session, task_id: int, actor: Actor) -> SearchTask:
    """The task if this member of staff may reach it (raises CaseNotFound / CaseAccessDenied)."""
    task = session.get(SearchTask, task_id)
    if task is None:
        raise CaseNotFound(str(task_id))
    if not can_see_task(actor, task):
        raise CaseAccessDenied(f"search_task:{task_id}")
    return task


def view_task(session: Session, task_id: int, actor: Actor, *, ip: str | None = None) -> SearchTask:
    """Open a task page: audited, since the page shows the subject's identifiers."""
    task = find_task(session, task_id, actor)
    audit.record(session, actor.ref, "search_task.viewed", request_id=task.request_id,
                 target=f"search_task:{task.id}", detail={"source": task.source, "service": task.service}, ip=ip)
    return task


def visible_tasks(session: Session, request_id: int, actor: Actor) -> list[SearchTask]:
    tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)
                            .options(selectinload(SearchTask.candidates))
                            .order_by(SearchTask.service, SearchTask.source)).all()
    return [t for t in tasks if can_see_task(actor, t)]



def ensure_open(session: Session, task: SearchTask) -> RightsRequest:
    """Confirmations and uploads belong to a live search: not on a closed, withdrawn or refused case."""
    request = session.get(RightsRequest, task.request_id)
    assert request is not None
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed: its search can no longer be changed.", code="state")
    return request


def ensure_searched(task: SearchTask) -> None:
    """A holder confirms what the automatic search found, so not before it has run."""
    if task.status in (SearchStatus.QUEUED.value, SearchStatus.RUNNING.value):
        raise CaseError("The automatic search of this system has not finished yet: confirm it when it has.",
                        code="state")


def decidable_candidate(session: Session, request: RightsRequest, candidate_id: int) -> SearchCandidate:
    """A candidate of this case an officer may settle now (the case is open and searching or in review)."""
    candidate = session.get(SearchCandidate, candidate_id)
    if candidate is None or candidate.request_id != request.id:
        raise CaseNotFound(str(candidate_id))
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed: its matches can no longer be changed.", code="state")
    return candidate

