"""Chasing record holders for search tasks they have not confirmed, escalating to their service's manager.

A task is *unconfirmed* while its request is open and not yet answered and no record holder has
confirmed the search (``confirmed_at`` is empty) after the automatic search finished. Counting working
days from the day the search finished (or was queued, if it never finished):

- the first chase goes on the 3rd working day, then every 2 working days (the 5th, 7th, ...);
- from the second chase on, the managers of the task's service are told as well (any active manager
  whose services include it; all active managers if none does), and so is every manager when the
  service has no active record holder at all.

One email a day per record holder (``record_holder_reminder``, the template the case list's manual
reminder uses) and per manager (``record_holder_escalation``), each line with the reference, the
statutory due date and a link, never the subject's name. Keys are per person per day, so a rule run
twice on one day sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import clock
from rights.jobs import JobQueue
from rights.models import RightsRequest, Role, SearchStatus, SearchTask, User
from rights.notify import queue_email
from rights.permissions import MANAGERS
from rights.schedule.context import RunContext
from rights.workflow import CLOSED_STAGES

FIRST_CHASE = 3  # working days after the search finished
CHASE_EVERY = 2
ESCALATE_FROM = 2  # the chase number from which managers are told
#: A task still queued or running is the system's to finish, not the holder's to confirm.
CONFIRMABLE = (SearchStatus.DONE.value, SearchStatus.NEEDS_REVIEW.value, SearchStatus.FAILED.value)


def chase_number(started: date, today: date) -> int | None:
    """Which chase today is for a task whose search finished on ``started`` (None: not a chase day)."""
    if today <= started:
        return None
    elapsed = clock.working_days_left(today, started)  # working days in (started, today]
    if not clock.is_working_day(today) or elapsed < FIRST_CHASE or (elapsed - FIRST_CHASE) % CHASE_EVERY:
        return None
    return (elapsed - FIRST_CHASE) // CHASE_EVERY + 1


@dataclass(frozen=True)
class Chase:
    task_id: int
    service: str
    reference: str
    due_on: date
    number: int


def due_chases(session: Session, today: date) -> list[Chase]:
    rows = session.execute(
        select(SearchTask, RightsRequest.reference, RightsRequest.due_on)
        .join(RightsRequest, SearchTask.request_id == RightsRequest.id)
        .where(SearchTask.confirmed_at.is_(None), SearchTask.status.in_(CONFIRMABLE),
               RightsRequest.status.not_in(CLOSED_STAGES), RightsRequest.responded_on.is_(None),
               RightsRequest.due_on.is_not(None))
        .order_by(RightsRequest.due_on, SearchTask.id)).all()
    out = []
    for task, reference, due_on in rows:
        started = clock.received_date(task.finished_at or task.queued_at)
        number = chase_number(started, today)
        if number is not None:
            out.append(Chase(task.id, task.service, reference, due_on, number))
    return out


def chase_record_holders(session: Session, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    chases = due_chases(session, ctx.today)
    active = select(User).where(User.active.is_(True)).order_by(User.id)
    holders = list(session.scalars(active.where(User.role == Role.RECORD_HOLDER.value)))
    managers = list(session.scalars(active.where(User.role.in_([m.value for m in MANAGERS]))))
    staff = [*holders, *managers]
    to_holder: dict[int, list[Chase]] = defaultdict(list)
    to_manager: dict[int, list[Chase]] = defaultdict(list)
    for chase in chases:
        held_by = [h for h in holders if chase.service in (h.services or [])]
        for holder in held_by:
            to_holder[holder.id].append(chase)
        if chase.number >= ESCALATE_FROM or not held_by:
            own = [m for m in managers if chase.service in (m.services or [])]
            for manager in own or managers:
                to_manager[manager.id].append(chase)
    by_id = {u.id: u for u in staff}
    day = ctx.today.isoformat()
    for holder_id, items in to_holder.items():
        holder = by_id[holder_id]
        refs = list(dict.fromkeys(c.reference for c in items))  # one line per case, however many tasks
        due = {c.reference: c.due_on for c in items}
        lines = [{"reference": r, "due": clock.long_date(due[r]), "url": ctx.case_url(r)} for r in refs]
        queue_email(session, queue, key=f"record-holder-chase:{holder.id}:{day}", to=holder.email,
                    template="record_holder_reminder", context={"name": holder.name, "cases": lines,
                                                                "count": len(lines)},
                    personalisation={"name": holder.name, "count": str(len(lines))})
    for manager_id, items in to_manager.items():
        manager = by_id[manager_id]
        tasks = [{"reference": c.reference, "service": c.service, "chase": c.number,
                  "due": clock.long_date(c.due_on), "url": ctx.case_url(c.reference)} for c in items]
        queue_email(session, queue, key=f"record-holder-escalation:{manager.id}:{day}", to=manager.email,
                    template="record_holder_escalation", context={"name": manager.name, "tasks": tasks,
                                                                  "count": len(tasks)},
                    personalisation={"name": manager.name, "count": str(len(tasks))})
    return {"tasks_chased": len(chases), "holder_emails": len(to_holder), "escalations": len(to_manager)}


__all__ = ["Chase", "chase_number", "chase_record_holders", "due_chases"]
