"""Bulk actions on the selected cases: assign them (each through the workflow's assign event) and remind
the record holders of their services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, cases, clock
from rights.caselist.query import RR
from rights.models import RightsRequest, Role, User
from rights.permissions import can_be_assigned
from rights.staff import StaffMember
from rights.workflow import CLOSED_STAGES  # stages needing no more work, from the workflow table

# --------------------------------------------------------------------------------------------------
# Bulk actions


class BulkActionError(ValueError):
    """A bulk action cannot be done as asked; the message is for the officer."""


@dataclass(frozen=True)
class AssignResult:
    assignee: StaffMember
    changed: list[str]  # references now assigned to the assignee
    unchanged: list[str]  # already assigned to that person
    refused: dict[str, str]  # reference -> why the workflow refused (a closed case, say)


def _load_for_update(session: Session, request_ids: Iterable[int]) -> list[RightsRequest]:
    ids = sorted({int(i) for i in request_ids})
    if not ids:
        raise BulkActionError("Select at least one case")
    found = list(session.scalars(select(RR).where(RR.id.in_(ids)).order_by(RR.id).with_for_update()).all())
    if len(found) != len(ids):
        raise BulkActionError("One or more of the selected cases no longer exist")
    return found


def assign(session: Session, queue: Any, request_ids: Iterable[int], assignee_id: int, *, actor: cases.Actor,
           today: date, ip: str | None = None) -> AssignResult:
    """Assign each case through the workflow's ``assign`` event (audited, on the timeline).

    Cases the workflow refuses (closed ones) are reported, not fatal: the rest are still assigned. The
    cases are locked in id order, so two officers bulk-assigning overlapping cases cannot deadlock.
    """
    user = session.get(User, assignee_id)
    if not can_be_assigned(user):
        raise BulkActionError("Choose an active officer or manager to assign the cases to")
    changed: list[str] = []
    unchanged: list[str] = []
    refused: dict[str, str] = {}
    for case in _load_for_update(session, request_ids):
        if case.assignee_id == user.id:
            unchanged.append(case.reference)
            continue
        try:
            cases.assign(session, queue, case, actor, assignee_id=user.id, today=today, ip=ip)
        except (cases.CaseError, cases.CaseAccessDenied) as exc:
            refused[case.reference] = str(exc)
            continue
        changed.append(case.reference)
    return AssignResult(StaffMember(user.id, user.name, user.role), changed, unchanged, refused)


@dataclass(frozen=True)
class ReminderResult:
    emails: int  # one per record holder, listing their cases
    cases_reminded: list[str]
    cases_without_holder: list[str]  # open cases whose services nobody holds
    skipped_closed: list[str]


def reminder_plan(cases: Sequence[tuple[str, Sequence[str]]],
                  holders: Sequence[tuple[int, Sequence[str]]]) -> tuple[dict[int, list[str]], list[str]]:
    """Which record holder is reminded about which cases (pure: references and services in, plan out).

    A holder is reminded about a case when they hold any of its services; a case with no holder is
    returned separately so the officer can chase it another way.
    """
    plan: dict[int, list[str]] = {}
    orphans: list[str] = []
    for reference, services in cases:
        wanted = set(services)
        matched = [holder_id for holder_id, held in holders if wanted & set(held)]
        if not matched:
            orphans.append(reference)
        for holder_id in matched:
            plan.setdefault(holder_id, []).append(reference)
    return plan, orphans


def remind_record_holders(session: Session, queue: Any, request_ids: Iterable[int], *, actor: cases.Actor,
                          today: date, case_url: str, ip: str | None = None) -> ReminderResult:
    """Queue one reminder email per record holder of the selected open cases' services.

    The email names references and due dates only (no subject's name: it goes to a mailbox, and the
    link leads to the audited case page). The outbox key includes the date, so a double submission on
    one day sends nothing twice. ``case_url`` is a format string with ``{reference}``.
    """
    from rights.notify import queue_email  # the portal area's outbox writer

    cases = _load_for_update(session, request_ids)
    open_cases = [c for c in cases if c.status not in CLOSED_STAGES]
    skipped = [c.reference for c in cases if c.status in CLOSED_STAGES]
    holders = session.scalars(
        select(User).where(User.active.is_(True), User.role == Role.RECORD_HOLDER.value).order_by(User.id)
    ).all()
    plan, orphans = reminder_plan([(c.reference, list(c.services or [])) for c in open_cases],
                                  [(h.id, list(h.services or [])) for h in holders])
    by_ref = {c.reference: c for c in open_cases}
    by_holder = {h.id: h for h in holders}
    reminded: dict[str, list[int]] = {}
    for holder_id, refs in plan.items():
        holder = by_holder[holder_id]
        items = [{"reference": r, "due_on": by_ref[r].due_on.isoformat() if by_ref[r].due_on else None,
                  "due": clock.long_date(by_ref[r].due_on) if by_ref[r].due_on else "not set",
                  "services": [s for s in by_ref[r].services if s in (holder.services or [])],
                  "url": case_url.format(reference=r)} for r in refs]
        queue_email(session, queue, key=f"record-holder-reminder:{holder.id}:{today.isoformat()}:{','.join(refs)}",
                    to=holder.email, template="record_holder_reminder",
                    context={"name": holder.name, "cases": items, "count": len(items)},
                    request_id=by_ref[refs[0]].id if len(refs) == 1 else None)
        for r in refs:
            reminded.setdefault(r, []).append(holder.id)
    for case in open_cases:
        audit.record(session, actor.ref, "case.reminder_sent", request_id=case.id, target=case.reference,
                     detail={"record_holders": sorted(reminded.get(case.reference, [])), "bulk": True}, ip=ip)
    return ReminderResult(emails=len(plan), cases_reminded=sorted(reminded), cases_without_holder=orphans,
                          skipped_closed=skipped)


