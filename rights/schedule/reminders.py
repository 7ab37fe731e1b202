"""Scheduled messages to requesters, officers and managers (the rules; the runner decides when).

Each rule takes the session, the job queue and a :class:`~rights.schedule.table.RunContext` (``today`` and
``now`` come from there, never from the system clock) and queues its messages through the outbox with a
key naming the message and its period, so a rule run twice for one day sends nothing twice.

Requesters (working days, 07:00):

- **evidence reminder**: identity, authority or clarification asked for and still outstanding
  ``RIGHTS_EVIDENCE_REMINDER_DAYS`` (14) days after the ask. The reminder is the notice: it names the day
  the case will close, ``RIGHTS_CLOSE_UNANSWERED_DAYS`` (28) days after the ask, and never less than a week
  after the reminder itself;
- **closing**: on that day, if the same ask is still outstanding, the case is withdrawn through the
  workflow's own ``withdraw`` action (by ``system:schedule``: status, timeline, audit and clock stay right)
  and the requester is told;
- **download link expiring**: three days before a response's download link expires. The download
  feature is built elsewhere; it registers its query with :func:`register_download_links` and this rule
  asks it (nothing is sent while no query is registered).

Officers get one digest a working day listing their own open cases overdue, due within 5 working days,
with an extension decision due (the one-month notice date within 3 working days) and waiting on them.
Managers get one digest listing cases due within 2 working days, overdue, and extension notice dates
within 3 working days, with a link to the reports page's on-time chart. Digests list references and
dates only, never names: they go to mailboxes, and the links lead to the audited case pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rights import audit, cases, clock, privacy_notice, workflow
from rights.bundles import release as bundle_release
from rights.jobs import JobQueue
from rights.models import ClockEvent, ClockEventKind, RequestKind, RightsRequest, Role, User
from rights.notify import queue_email
from rights.permissions import CASEWORKERS, MANAGERS
from rights.schedule.context import RunContext
from rights.workflow import CLOSED_STAGES

#: Days before a download link expires that the requester is reminded.
DOWNLOAD_REMINDER_DAYS = 3
#: Working days ahead the officer's digest looks for due dates, and the manager's.
OFFICER_DUE_WINDOW = 5
MANAGER_DUE_WINDOW = 2
#: Working days before the extension-notice date (end of the first month) that it is flagged.
EXTENSION_NOTICE_WINDOW = 3
#: The shortest notice a requester gets between the reminder and the closing of their case.
MIN_NOTICE = timedelta(days=7)
#: Statuses in which the next step is the assigned officer's (not the requester's, a record holder's or
#: a manager's): the digest's "waiting on you".
WAITING_ON_OFFICER = frozenset({"received", "review", "ready", "outcome", "notifying_recipients", "acknowledged",
                                "investigating"})
_ASK_EVENTS = {ClockEventKind.ID_REQUESTED.value: "identity", ClockEventKind.AUTHORITY_REQUESTED.value: "authority"}
_ASK_WORDS = {"identity": "proof of identity", "authority": "proof of your authority to act",
              "clarification": "the clarification we asked for"}


#: The schedule acting on a case: an officer's permissions, recorded as ``system:schedule``.
SCHEDULER = cases.Actor(id=0, role=Role.OFFICER.value, name="Scheduled work", reference="system:schedule")


# --------------------------------------------------------------------------------------------------
# Requesters: evidence and clarification


@dataclass(frozen=True)
class Outstanding:
    """What a request still waits for from the requester, and since when (the earliest open ask)."""

    what: tuple[str, ...]  # "identity", "authority", "clarification"
    asked_on: date

    @property
    def words(self) -> str:
        parts = [_ASK_WORDS[w] for w in self.what]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def outstanding(request: RightsRequest) -> Outstanding | None:
    """The requester's outstanding asks, replayed from the clock events (pure)."""
    state = workflow.clock_state(request)
    asked: dict[str, date] = {}
    for ev in request.clock_events:
        what = _ASK_EVENTS.get(ev.kind)
        if what in state.awaiting:
            asked[what] = max(asked.get(what, ev.on), ev.on)
    if state.pause_started is not None:
        asked["clarification"] = state.pause_started
    if not asked:
        return None
    order = ("identity", "authority", "clarification")
    return Outstanding(what=tuple(w for w in order if w in asked), asked_on=min(asked.values()))


def reminder_due(asked_on: date, today: date, reminder_days: int) -> bool:
    return today >= asked_on + timedelta(days=reminder_days)


def close_on(asked_on: date, reminded_on: date, close_days: int) -> date:
    """The day an unanswered case closes: the configured period after the ask, and a week's notice at least."""
    return max(asked_on + timedelta(days=close_days), reminded_on + MIN_NOTICE)


def _open_requests(session: Session, *, asked_only: bool = False) -> list[RightsRequest]:
    """Open, unanswered requests with their clock events; ``asked_only``: those that ever asked the requester."""
    query = select(RightsRequest).where(RightsRequest.status.not_in(CLOSED_STAGES),
                                        RightsRequest.responded_on.is_(None))
    if asked_only:
        query = query.where(RightsRequest.id.in_(select(ClockEvent.request_id).where(
            ClockEvent.kind.in_((*_ASK_EVENTS, ClockEventKind.PAUSED.value)))))
    return list(session.scalars(query.options(selectinload(RightsRequest.clock_events),
                                              selectinload(RightsRequest.requester)).order_by(RightsRequest.id)))


def _letter(request: RightsRequest, **extra: Any) -> dict[str, Any]:
    return {"reference": request.reference, "requester_name": request.requester.full_name, **extra}


def requester_reminders(session: Session, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    """Evidence and clarification reminders, closing after notice, and download-link reminders."""
    today, settings = ctx.today, ctx.settings
    counts = {"reminded": 0, "closed": 0, "by_post": 0, "download_reminders": 0}
    for request in _open_requests(session, asked_only=True):
        ask = outstanding(request)
        if ask is None:
            continue
        noted = (request.details or {}).get("evidence_reminder") or {}
        if noted.get("asked_on") == ask.asked_on.isoformat():
            closing = date.fromisoformat(noted["close_on"])
            if today >= closing:
                _close_unanswered(session, queue, request, ask, date.fromisoformat(noted["on"]), today, counts)
            continue
        if not reminder_due(ask.asked_on, today, settings.evidence_reminder_days):
            continue
        closing = close_on(ask.asked_on, today, settings.close_unanswered_days)
        request.details = {**(request.details or {}), "evidence_reminder": {
            "asked_on": ask.asked_on.isoformat(), "on": today.isoformat(), "close_on": closing.isoformat()}}
        context = _letter(request, asked_for=ask.words, asked_on=clock.long_date(ask.asked_on),
                          close_on=clock.long_date(closing))
        if not cases.queue_letter(session, queue, request, "requester_evidence_reminder", context,
                                  key=f"requester-evidence-reminder:{request.reference}:{ask.asked_on.isoformat()}"):
            counts["by_post"] += 1
        counts["reminded"] += 1
    counts["download_reminders"] = _download_reminders(session, queue, today)
    return counts


def _close_unanswered(session: Session, queue: JobQueue, request: RightsRequest, ask: Outstanding,
                      reminded_on: date, today: date, counts: dict[str, int]) -> None:
    reason = (f"Closed by the schedule: {ask.words} asked for on {clock.short_date(ask.asked_on)} was not "
              f"received after a reminder on {clock.short_date(reminded_on)}.")
    try:
        cases.withdraw(session, queue, request, SCHEDULER, reason=reason, today=today)
    except cases.CaseError as exc:  # the workflow refused (a state the table does not allow): leave it to staff
        audit.record(session, SCHEDULER.ref, "schedule.close_refused", request_id=request.id,
                     target=request.reference, detail={"why": str(exc)})
        return
    context = _letter(request, asked_for=ask.words, asked_on=clock.long_date(ask.asked_on),
                      reminded_on=clock.long_date(reminded_on), ico_url=privacy_notice.load().ico_url)
    if not cases.queue_letter(session, queue, request, "requester_case_closed", context,
                              key=f"requester-case-closed:{request.reference}"):
        counts["by_post"] += 1
    counts["closed"] += 1


# --------------------------------------------------------------------------------------------------
# Requesters: download links (the query belongs to the download feature)


@dataclass(frozen=True)
class ExpiringLink:
    """A response's download link, as the download feature describes it to this rule."""

    link_id: str  # stable: the reminder's outbox key
    request_id: int
    expires_on: date
    url: str


#: ``(session, first_day, last_day) -> links expiring in that range, not yet used``.
DownloadLinks = Callable[[Session, date, date], list[ExpiringLink]]
_download_links: DownloadLinks | None = None


def register_download_links(query: DownloadLinks | None) -> None:
    """The download feature calls this once at import with its query (None unregisters, for tests)."""
    global _download_links
    _download_links = query


def _download_reminders(session: Session, queue: JobQueue, today: date) -> int:
    if _download_links is None:
        return 0
    sent = 0
    for link in _download_links(session, today, today + timedelta(days=DOWNLOAD_REMINDER_DAYS)):
        request = session.get(RightsRequest, link.request_id)
        if request is None:
            continue
        context = _letter(request, expires_on=clock.long_date(link.expires_on), url=link.url)
        cases.queue_letter(session, queue, request, "download_link_expiring", context,
                           key=f"download-link-expiring:{link.link_id}")
        sent += 1
    return sent


# --------------------------------------------------------------------------------------------------
# Officers and managers


def _item(ctx: RunContext, request: RightsRequest, *, notice: bool = False) -> dict[str, str]:
    assert request.due_on is not None
    item = {"reference": request.reference, "due": clock.short_date(request.due_on),
            "url": ctx.case_url(request.reference)}
    if notice and request.extension_notice_by is not None:
        item["notice_by"] = clock.short_date(request.extension_notice_by)
    return item


def extension_decision_due(request: RightsRequest, today: date) -> bool:
    """The one-month notice date is within 3 working days (or today), and the case is not extended."""
    if request.kind == RequestKind.COMPLAINT.value or request.extension_notice_by is None:
        return False
    if any(ev.kind == ClockEventKind.EXTENDED.value for ev in request.clock_events):
        return False
    return 0 <= clock.working_days_left(request.extension_notice_by, today) <= EXTENSION_NOTICE_WINDOW


def officer_lists(requests: list[RightsRequest], today: date, ctx: RunContext) -> dict[str, list[dict[str, str]]]:
    """One officer's digest lists (pure over the loaded requests)."""
    lists: dict[str, list[dict[str, str]]] = {"overdue": [], "due_soon": [], "extension": [], "waiting": []}
    for r in sorted(requests, key=lambda r: (r.due_on or date.max, r.id)):
        if r.due_on is None:
            continue
        left = clock.working_days_left(r.due_on, today)
        if left < 0:
            lists["overdue"].append(_item(ctx, r))
        elif left <= OFFICER_DUE_WINDOW:
            lists["due_soon"].append(_item(ctx, r))
        if extension_decision_due(r, today):
            lists["extension"].append(_item(ctx, r, notice=True))
        if r.status in WAITING_ON_OFFICER and workflow.clock_state(r).pause_started is None:
            lists["waiting"].append(_item(ctx, r))
    return lists


def _staff(session: Session, roles: set[str]) -> list[User]:
    return list(session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id)))


def _queue_digest(session: Session, queue: JobQueue, ctx: RunContext, user: User, who: str,
                  lists: dict[str, list[dict[str, str]]], **extra: str) -> None:
    """One staff digest, once per person and day (the key), its lists' sizes as the Notify fields."""
    fields = {"today": clock.long_date(ctx.today), **extra}
    queue_email(session, queue, key=f"{who}-digest:{user.id}:{ctx.today.isoformat()}", to=user.email,
                template=f"{who}_digest", context={**lists, **fields},
                personalisation={**fields, **{k: str(len(v)) for k, v in lists.items()}})


def officer_digests(session: Session, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    by_officer: dict[int, list[RightsRequest]] = {}
    for r in _open_requests(session):
        if r.assignee_id is not None:
            by_officer.setdefault(r.assignee_id, []).append(r)
    sent = 0
    for user in _staff(session, {role.value for role in CASEWORKERS}):
        lists = officer_lists(by_officer.get(user.id, []), ctx.today, ctx)
        if not any(lists.values()):
            continue
        _queue_digest(session, queue, ctx, user, "officer", lists)
        sent += 1
    return {"officer_digests": sent}


def manager_lists(requests: list[RightsRequest], today: date, ctx: RunContext) -> dict[str, list[dict[str, str]]]:
    lists: dict[str, list[dict[str, str]]] = {"overdue": [], "due_soon": [], "extension": []}
    for r in sorted(requests, key=lambda r: (r.due_on or date.max, r.id)):
        if r.due_on is None:
            continue
        left = clock.working_days_left(r.due_on, today)
        if left < 0:
            lists["overdue"].append(_item(ctx, r))
        elif left <= MANAGER_DUE_WINDOW:
            lists["due_soon"].append(_item(ctx, r))
        if extension_decision_due(r, today):
            lists["extension"].append(_item(ctx, r, notice=True))
    return lists


def manager_digests(session: Session, queue: JobQueue, ctx: RunContext) -> dict[str, Any]:
    lists = manager_lists(_open_requests(session), ctx.today, ctx)
    if not any(lists.values()):
        return {"manager_digests": 0}
    sent = 0
    for user in _staff(session, {role.value for role in MANAGERS}):
        _queue_digest(session, queue, ctx, user, "manager", lists, reports_url=f"{ctx.staff_url}/reports")
        sent += 1
    return {"manager_digests": sent}


__all__ = ["SCHEDULER", "ExpiringLink", "Outstanding", "close_on", "extension_decision_due", "manager_digests",
           "manager_lists", "officer_digests", "officer_lists", "outstanding", "register_download_links",
           "reminder_due", "requester_reminders"]


# The release feature's query for links about to expire (``rights.bundles.release``).
register_download_links(bundle_release.expiring_links)
