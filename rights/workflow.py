"""Request workflow as data: states, events, who may fire them, guards, and the effect on the clock.

Why a table: the law and the council's policy decide which step may follow which, who may take it and
what it does to the statutory clock. Written as data, the rules can be read in one place, tested row by
row (``tests/unit/test_workflow.py``) and shown to officers as "the actions you can take now"; the
services in :mod:`rights.cases` only *apply* what :func:`fire` allows.

The module also owns the bridge from a request's stored clock events to the pure statutory clock
(:func:`clock_input`, :func:`compute_clock`, :func:`refresh_clock`): the due date is always replayed
from the received date and the events, never patched.

Nothing here touches the database or Flask: :func:`fire` takes the request's :class:`Facts` and the
officer's :class:`Firing` and either returns the :class:`Step` to apply or raises
:class:`WorkflowError` saying which rule refused it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rights import clock
from rights.permissions import ASSESSORS, CASEWORKERS, MANAGERS, is_manager
from rights.vocabulary import ClockEventKind, RequestKind

if TYPE_CHECKING:
    from rights.models import RightsRequest

# --------------------------------------------------------------------------------------------------
# The clock bridge (used by intake, the workers and the case services)


#: Evidence a clock event asks for or records, by event kind (Art 12A: the month restarts on its arrival).
_ASKED = {ClockEventKind.ID_REQUESTED: "identity", ClockEventKind.AUTHORITY_REQUESTED: "authority",
          ClockEventKind.FEE_REQUESTED: "fee"}
_ARRIVED = {ClockEventKind.ID_RECEIVED: "identity", ClockEventKind.AUTHORITY_RECEIVED: "authority",
            ClockEventKind.FEE_RECEIVED: "fee"}


@dataclass(frozen=True)
class ClockState:
    """A request's clock events replayed once, in date order: what the clock and the workflow guards need.

    ``received`` maps "identity", "authority" and "fee" to the latest day each arrived; ``awaiting`` holds
    those asked for and not arrived since (each tracked on its own: identity evidence arriving does not
    answer a request for a representative's authority); ``pauses`` ends with the open one, if any.
    """

    received: Mapping[str, date]
    awaiting: frozenset[str]
    pauses: tuple[clock.Pause, ...]
    extended: bool

    @property
    def pause_started(self) -> date | None:
        """The day an unanswered clarification request began, or None."""
        return self.pauses[-1].start if self.pauses and self.pauses[-1].is_open else None


def clock_state(request: RightsRequest) -> ClockState:
    """Replay the stored clock events (latest evidence date wins; a pause closes at the next resume)."""
    received: dict[str, date] = {}
    awaiting: set[str] = set()
    pauses: list[clock.Pause] = []
    extended = False
    open_pause: date | None = None
    for ev in sorted(request.clock_events, key=lambda e: (e.on, e.id or 0)):
        kind = ClockEventKind(ev.kind)
        if kind in _ASKED:
            awaiting.add(_ASKED[kind])
        elif kind in _ARRIVED:
            received[_ARRIVED[kind]] = ev.on
            awaiting.discard(_ARRIVED[kind])
        elif kind is ClockEventKind.PAUSED:
            open_pause = ev.on
        elif kind is ClockEventKind.RESUMED and open_pause is not None:
            pauses.append(clock.Pause(open_pause, ev.on))
            open_pause = None
        elif kind is ClockEventKind.EXTENDED:
            extended = True
    if open_pause is not None:
        pauses.append(clock.Pause(open_pause, None))
    return ClockState(received=MappingProxyType(received), awaiting=frozenset(awaiting), pauses=tuple(pauses),
                      extended=extended)


def clock_input(request: RightsRequest) -> clock.ClockInput:
    """Translate stored clock events into the clock's input (latest evidence date wins)."""
    state = clock_state(request)
    return clock.ClockInput(
        kind=clock.RequestKind(request.kind),
        received=request.received_on,
        id_received=state.received.get("identity"),
        authority_received=state.received.get("authority"),
        fee_received=state.received.get("fee"),
        pauses=state.pauses,
        extended=state.extended,
        id_requested=bool(state.awaiting),
    )


def compute_clock(request: RightsRequest, today: date | None = None) -> clock.ClockResult:
    return clock.compute(clock_input(request), today=today)


def refresh_clock(request: RightsRequest, today: date | None = None) -> clock.ClockResult:
    """Recompute and store the due-date cache from the events; call after every clock event."""
    result = compute_clock(request, today)
    request.due_on = result.due
    request.original_due_on = result.original_due
    request.extension_notice_by = result.extension_notice_by
    request.clock_provisional = result.provisional
    return result


# --------------------------------------------------------------------------------------------------
# Vocabulary


#: Art 12(5) UK GDPR: the only grounds for refusing a request outright.
REFUSAL_GROUNDS: Mapping[str, str] = MappingProxyType({
    "manifestly_unfounded": "Manifestly unfounded",
    "manifestly_excessive": "Manifestly excessive",
})
#: Outcomes of rectification, erasure, restriction and objection (Arts 16-21).
RIGHTS_OUTCOMES: Mapping[str, str] = MappingProxyType({
    "done": "Done in full",
    "partly": "Done in part",
    "refused": "Refused",
})
#: Outcomes of a complaint to the controller (DPA s.164A).
COMPLAINT_OUTCOMES: Mapping[str, str] = MappingProxyType({
    "upheld": "Upheld",
    "partly_upheld": "Partly upheld",
    "not_upheld": "Not upheld",
})

STATE_LABELS: Mapping[str, str] = MappingProxyType({
    "received": "Received",
    "awaiting_id": "Awaiting ID or authority",
    "searching": "Searching",
    "review": "Review",
    "awaiting_approval": "Awaiting approval",
    "ready": "Ready to release",
    "released": "Released",
    "assessment": "Assessment",
    "outcome": "Outcome decided",
    "notifying_recipients": "Notifying recipients",
    "acknowledged": "Acknowledged",
    "investigating": "Investigating",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "refused": "Refused",
})


class WorkflowError(ValueError):
    """An event was refused. ``code`` says why: unknown, state, role, guard or input."""

    def __init__(self, message: str, code: str = "guard", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field  # the input the message is about, so a form can show it beside the field


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a request and the person acting, gathered by the caller."""

    kind: RequestKind
    status: str
    role: str
    received_on: date
    today: date
    actor_id: int | None = None
    extended: bool = False
    pause_started: date | None = None  # an unanswered clarification request began on this day
    extension_notice_by: date | None = None
    prepared_by: int | None = None  # who submitted the response for approval
    awaiting: frozenset[str] = frozenset()  # {"identity", "authority"} asked for and not arrived
    restricted: bool = False
    id_verified: bool = False
    recipients_pending: int = 0  # disclosure-log recipients not yet told (Art 19)


@dataclass(frozen=True)
class Firing:
    """The officer's input to an event: the date it happened, a reason, and event options."""

    on: date | None = None
    reason: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


Guard = Callable[[Facts], str | None]  # returns why the event is not allowed now, or None
Check = Callable[[Facts, Firing], str | None]  # validates the officer's input; returns the problem


@dataclass(frozen=True)
class Transition:
    """One row of the table.

    ``target`` None means the status does not change (clock actions, assignment, restriction).
    ``target_while_awaiting``: when other evidence is still awaited after this event, the request stays
    in that state instead (ID arrives but the representative's authority has not).
    ``clock`` is the ClockEvent the event writes, dated ``Firing.on`` (``dated``) or today.
    ``reason`` is required where the law or the council needs reasons recorded (refusal, extension).
    ``letter`` is the email template sent to the requester after commit.
    """

    event: str
    label: str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    clock: ClockEventKind | None = None
    dated: bool = False
    reason: bool = False
    guards: tuple[Guard, ...] = ()
    checks: tuple[Check, ...] = ()
    letter: str | None = None
    target_while_awaiting: str | None = None


@dataclass(frozen=True)
class Workflow:
    """One request type's states and events.

    ``terminal`` states start no event. ``settled`` states need no more work from the council although an
    event may still follow (an access request's response is released, then the case is closed): the case
    list, the reports and intake treat terminal and settled stages alike as closed (:data:`CLOSED_STAGES`).
    """

    states: tuple[str, ...]
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    settled: frozenset[str] = frozenset()

    @property
    def open_states(self) -> frozenset[str]:
        """States in which the case may still change (settled ones included: they can still be closed)."""
        return frozenset(self.states) - self.terminal

    @property
    def closed_stages(self) -> frozenset[str]:
        """States in which the council has no more work to do on the case."""
        return self.terminal | self.settled

    def transition(self, event: str) -> Transition | None:
        return next((t for t in self.transitions if t.event == event), None)


@dataclass(frozen=True)
class Step:
    """What :func:`fire` allowed: apply it (status change, clock event, letter) and record it."""

    transition: Transition
    from_status: str
    to_status: str
    clock_event: ClockEventKind | None
    clock_on: date | None

    @property
    def event(self) -> str:
        return self.transition.event

    @property
    def changes_status(self) -> bool:
        return self.from_status != self.to_status


# --------------------------------------------------------------------------------------------------
# Guards (state) and checks (input): small, named, each says why in words an officer understands


def extendable(f: Facts) -> str | None:
    if f.kind is RequestKind.COMPLAINT:
        return "Complaints cannot be extended (DPA s.164A has no extension)."
    return None


def not_extended(f: Facts) -> str | None:
    return "This request has already been extended." if f.extended else None


def before_notice_deadline(f: Facts) -> str | None:
    """Art 12A(4): the requester must be told of an extension before the end of the first month."""
    if f.extension_notice_by is not None and f.today > f.extension_notice_by:
        return (f"Too late to extend: the requester had to be told by {clock.short_date(f.extension_notice_by)} "
                f"(the end of the first month, Art 12A(4)).")
    return None


def pause_allowed(f: Facts) -> str | None:
    """Art 12A(5)-(6): stop the clock only on access requests received on or after 5 Feb 2026."""
    if f.kind is not RequestKind.ACCESS:
        return "Only access requests can be paused (Art 12A(5) UK GDPR); for other rights, ask promptly."
    if f.received_on < clock.STOP_THE_CLOCK_FROM:
        return (f"Requests received before {clock.short_date(clock.STOP_THE_CLOCK_FROM)} cannot be paused "
                f"(the stop-the-clock rule applies from then).")
    return None


def not_paused(f: Facts) -> str | None:
    if f.pause_started is not None:
        return "The clock is already paused for clarification; record the answer first."
    return None


def paused(f: Facts) -> str | None:
    return None if f.pause_started is not None else "The clock is not paused."


def not_verified(f: Facts) -> str | None:
    return "Identity has already been verified." if f.id_verified else None


def awaiting_identity(f: Facts) -> str | None:
    return None if "identity" in f.awaiting else "Identity evidence has not been asked for."


def awaiting_authority(f: Facts) -> str | None:
    return None if "authority" in f.awaiting else "Evidence of authority has not been asked for."


def not_awaiting_identity(f: Facts) -> str | None:
    return "Identity evidence has already been asked for." if "identity" in f.awaiting else None


def not_awaiting_authority(f: Facts) -> str | None:
    return "Evidence of authority has already been asked for." if "authority" in f.awaiting else None


def approver_is_not_preparer(f: Facts) -> str | None:
    """A second pair of eyes: the manager approving a release must not be the one who prepared it."""
    if f.prepared_by is not None and f.prepared_by == f.actor_id:
        return "You prepared this response: a different manager must approve it."
    return None


def restricted(f: Facts) -> str | None:
    return None if f.restricted else "Processing is not restricted."


def not_restricted(f: Facts) -> str | None:
    return "Processing is already restricted." if f.restricted else None


def recipients_settled(f: Facts) -> str | None:
    """Art 19: every recipient in the disclosure log told (or recorded as impossible) before closing."""
    if f.recipients_pending:
        return (f"{f.recipients_pending} recipient(s) in the disclosure log have not been told yet "
                f"(Art 19 UK GDPR).")
    return None


def date_in_range(f: Facts, x: Firing) -> str | None:
    """A recorded date may be in the past (the true date) but never in the future or before receipt."""
    if x.on is None:
        return "Enter the date."
    if x.on > f.today:
        return "The date cannot be in the future."
    if x.on < f.received_on:
        return f"The date cannot be before the request was received ({clock.short_date(f.received_on)})."
    return None


def after_pause_start(f: Facts, x: Firing) -> str | None:
    if f.pause_started is not None and x.on is not None and x.on < f.pause_started:
        return f"The answer cannot arrive before the question was asked ({clock.short_date(f.pause_started)})."
    return None


def refusal_ground(f: Facts, x: Firing) -> str | None:
    if x.options.get("ground") not in REFUSAL_GROUNDS:
        return "Choose whether the request is manifestly unfounded or manifestly excessive."
    return None


def rights_outcome(f: Facts, x: Firing) -> str | None:
    outcome = x.options.get("outcome")
    if outcome not in RIGHTS_OUTCOMES:
        return "Choose the outcome."
    if outcome != "done" and not (x.reason or "").strip():
        return "Give the reasons: the requester must be told why it was not done in full."
    if outcome == "refused" and not is_manager(f.role):
        return "Only a manager can refuse a request."
    return None


def complaint_outcome(f: Facts, x: Firing) -> str | None:
    return None if x.options.get("outcome") in COMPLAINT_OUTCOMES else "Choose the outcome."


def assignee_given(f: Facts, x: Firing) -> str | None:
    return None if x.options.get("assignee_id") is not None else "Choose who to assign the case to."


# --------------------------------------------------------------------------------------------------
# The tables


def _t(event: str, label: str, sources: set[str] | frozenset[str], target: str | None,
       roles: frozenset[str], **kw: Any) -> Transition:
    return Transition(event, label, frozenset(sources), target, roles, **kw)


def _evidence_rows(ask_from: set[str]) -> tuple[Transition, ...]:
    """Identity and authority (Art 12A UK GDPR): asking restarts the month from the day it arrives."""
    return (
        _t("request_id", "Ask for proof of identity", ask_from, "awaiting_id", CASEWORKERS,
           clock=ClockEventKind.ID_REQUESTED, dated=True, guards=(not_awaiting_identity,),
           checks=(date_in_range,), letter="case_id_request"),
        _t("request_authority", "Ask for proof of authority", {*ask_from, "awaiting_id"}, "awaiting_id",
           CASEWORKERS, clock=ClockEventKind.AUTHORITY_REQUESTED, dated=True,
           guards=(not_awaiting_authority,), checks=(date_in_range,), letter="case_authority_request"),
        _t("id_received", "Record identity evidence received", {"awaiting_id"}, "received", CASEWORKERS,
           clock=ClockEventKind.ID_RECEIVED, dated=True, guards=(awaiting_identity,), checks=(date_in_range,),
           target_while_awaiting="awaiting_id"),
        _t("authority_received", "Record evidence of authority received", {"awaiting_id"}, "received",
           CASEWORKERS, clock=ClockEventKind.AUTHORITY_RECEIVED, dated=True, guards=(awaiting_authority,),
           checks=(date_in_range,), target_while_awaiting="awaiting_id"),
        _t("verify_id", "Verify identity supplied with the request", {"received"}, None, CASEWORKERS,
           guards=(not_verified,)),
    )


def _common_rows(open_states: frozenset[str], refusable: set[str]) -> tuple[Transition, ...]:
    rows = [
        _t("assign", "Assign", open_states, None, CASEWORKERS, checks=(assignee_given,)),
        _t("withdraw", "Record that the request was withdrawn", open_states, "withdrawn", CASEWORKERS,
           reason=True),
    ]
    if refusable:
        rows.append(_t("refuse", "Refuse the request", refusable, "refused", MANAGERS, reason=True,
                       checks=(refusal_ground,), letter="case_refusal"))
    return tuple(rows)


def _extend_row(sources: set[str]) -> Transition:
    return _t("extend", "Extend by two months", sources, None, MANAGERS, clock=ClockEventKind.EXTENDED,
              reason=True, guards=(extendable, not_extended, before_notice_deadline), letter="case_extension")


_ACCESS_STATES = ("received", "awaiting_id", "searching", "review", "awaiting_approval", "ready", "released",
                  "closed", "withdrawn", "refused")
_ACCESS_TERMINAL = frozenset({"closed", "withdrawn", "refused"})
_ACCESS_SETTLED = frozenset({"released"})
_ACCESS_OPEN = frozenset(_ACCESS_STATES) - _ACCESS_TERMINAL - _ACCESS_SETTLED
_PAUSABLE = {"received", "searching", "review"}

ACCESS = Workflow(
    states=_ACCESS_STATES,
    terminal=_ACCESS_TERMINAL,
    settled=_ACCESS_SETTLED,
    transitions=(
        *_evidence_rows({"received", "searching"}),
        _t("start_search", "Start the search", {"received"}, "searching", CASEWORKERS),
        _t("search_again", "Search the systems again", {"searching", "review"}, None, CASEWORKERS),
        _t("pause", "Pause the clock for clarification", _PAUSABLE, None, CASEWORKERS,
           clock=ClockEventKind.PAUSED, dated=True, reason=True, guards=(pause_allowed, not_paused),
           checks=(date_in_range,), letter="case_clarification"),
        _t("resume", "Record the clarification received", _PAUSABLE, None, CASEWORKERS,
           clock=ClockEventKind.RESUMED, dated=True, guards=(paused,), checks=(date_in_range, after_pause_start)),
        _t("submit_for_review", "Searches complete: move to review", {"searching"}, "review", CASEWORKERS),
        _t("submit_for_approval", "Send for approval", {"review"}, "awaiting_approval", CASEWORKERS,
           guards=(not_paused,)),
        _t("return_for_changes", "Return for changes", {"awaiting_approval"}, "review", MANAGERS, reason=True),
        _t("approve", "Approve the release", {"awaiting_approval"}, "ready", MANAGERS,
           guards=(approver_is_not_preparer,)),
        _t("release", "Record the response as released", {"ready"}, "released", CASEWORKERS),
        _t("close", "Close the case", {"released"}, "closed", CASEWORKERS),
        _extend_row({"received", "awaiting_id", "searching", "review", "awaiting_approval", "ready"}),
        *_common_rows(_ACCESS_OPEN, {"received", "awaiting_id", "searching", "review"}),
    ),
)

_RIGHTS_STATES = ("received", "awaiting_id", "assessment", "outcome", "notifying_recipients", "closed",
                  "withdrawn", "refused")
_RIGHTS_TERMINAL = frozenset({"closed", "withdrawn", "refused"})
_RIGHTS_OPEN = frozenset(_RIGHTS_STATES) - _RIGHTS_TERMINAL

RIGHTS = Workflow(
    states=_RIGHTS_STATES,
    terminal=_RIGHTS_TERMINAL,
    transitions=(
        *_evidence_rows({"received"}),
        _t("start_assessment", "Send to the record holder for assessment", {"received"}, "assessment",
           CASEWORKERS),
        _t("restrict", "Restrict processing while accuracy is checked", {"received", "awaiting_id", "assessment"},
           None, CASEWORKERS, reason=True, guards=(not_restricted,)),
        _t("lift_restriction", "Lift the restriction (tell the person first)", _RIGHTS_OPEN, None, CASEWORKERS,
           reason=True, guards=(restricted,), letter="case_restriction_lifted"),
        _t("decide", "Record the outcome of the assessment", {"assessment"}, "outcome", ASSESSORS,
           checks=(rights_outcome,)),
        _t("send_outcome", "Send the outcome to the requester", {"outcome"}, "notifying_recipients", CASEWORKERS,
           letter="case_outcome"),
        _t("close", "Close the case", {"notifying_recipients"}, "closed", CASEWORKERS,
           guards=(recipients_settled,)),
        _extend_row({"received", "awaiting_id", "assessment", "outcome"}),
        *_common_rows(_RIGHTS_OPEN, {"received", "awaiting_id", "assessment"}),
    ),
)

_COMPLAINT_STATES = ("received", "acknowledged", "investigating", "outcome", "closed", "withdrawn")
_COMPLAINT_TERMINAL = frozenset({"closed", "withdrawn"})
_COMPLAINT_OPEN = frozenset(_COMPLAINT_STATES) - _COMPLAINT_TERMINAL

COMPLAINT = Workflow(
    states=_COMPLAINT_STATES,
    terminal=_COMPLAINT_TERMINAL,
    transitions=(
        _t("acknowledge", "Acknowledge the complaint", {"received"}, "acknowledged", CASEWORKERS,
           letter="case_complaint_ack"),
        _t("start_investigation", "Start the investigation", {"acknowledged"}, "investigating", CASEWORKERS),
        _t("decide", "Record the outcome and tell the complainant", {"investigating"}, "outcome", CASEWORKERS,
           reason=True, checks=(complaint_outcome,), letter="case_complaint_outcome"),
        _t("close", "Close the complaint", {"outcome"}, "closed", CASEWORKERS),
        *_common_rows(_COMPLAINT_OPEN, set()),
    ),
)

WORKFLOWS: Mapping[RequestKind, Workflow] = MappingProxyType({
    RequestKind.ACCESS: ACCESS,
    RequestKind.RECTIFICATION: RIGHTS,
    RequestKind.ERASURE: RIGHTS,
    RequestKind.RESTRICTION: RIGHTS,
    RequestKind.OBJECTION: RIGHTS,
    RequestKind.COMPLAINT: COMPLAINT,
})

#: Stages in which a case needs no more work, whatever its type: the case list's "closed", the reports'
#: "not open", intake's duplicate check and the open-cases index. Derived from the tables, never listed.
#: Terminal stages first, in the tables' order, then settled ones: the order the open-cases index was made in.
CLOSED_STAGES: tuple[str, ...] = tuple(dict.fromkeys(
    [s for wf in WORKFLOWS.values() for s in wf.states if s in wf.terminal]
    + [s for wf in WORKFLOWS.values() for s in wf.states if s in wf.settled]))


# --------------------------------------------------------------------------------------------------
# Asking the table


def workflow_for(kind: RequestKind | str) -> Workflow:
    try:
        return WORKFLOWS[RequestKind(kind)]
    except ValueError:
        raise WorkflowError(f"Unknown request type {kind!r}.", code="unknown") from None


def is_open(kind: RequestKind | str, status: str) -> bool:
    return status in workflow_for(kind).open_states


def allowed_events(kind: RequestKind | str, status: str, role: str, facts: Facts | None = None) -> list[Transition]:
    """The events this role may fire from this status; with ``facts``, only those whose guards pass now."""
    wf = workflow_for(kind)
    out = []
    for t in wf.transitions:
        if status not in t.sources or role not in t.roles:
            continue
        if facts is not None and any(g(facts) for g in t.guards):
            continue
        out.append(t)
    return out


def fire(event: str, facts: Facts, firing: Firing | None = None) -> Step:
    """Validate one event against the table; return the :class:`Step` to apply, or raise WorkflowError.

    Checks, in order: the event exists for this request type, the request is in a state it may start
    from, the role may fire it, its guards pass, a required reason is given, and the input is valid.
    """
    firing = firing or Firing()
    wf = workflow_for(facts.kind)
    t = wf.transition(event)
    if t is None:
        raise WorkflowError(f"'{event}' is not an action on a {facts.kind.value} request.", code="unknown")
    if facts.status not in t.sources:
        label = STATE_LABELS.get(facts.status, facts.status)
        raise WorkflowError(f"'{t.label}' is not possible while the request is at '{label}'.", code="state")
    if facts.role not in t.roles:
        raise WorkflowError(f"Your role ({facts.role}) cannot '{t.label.lower()}'.", code="role")
    for guard in t.guards:
        problem = guard(facts)
        if problem:
            raise WorkflowError(problem, code="guard")
    if t.reason and not (firing.reason or "").strip():
        raise WorkflowError("Give the reasons.", code="input", field="reason")
    for check in t.checks:
        problem = check(facts, firing)
        if problem:
            raise WorkflowError(problem, code="input", field="on" if check in (date_in_range, after_pause_start)
                                else "options")
    target = t.target or facts.status
    if t.target_while_awaiting is not None:
        still = facts.awaiting - {"identity" if t.clock is ClockEventKind.ID_RECEIVED else "authority"}
        if still:
            target = t.target_while_awaiting
    clock_on = None
    if t.clock is not None:
        clock_on = firing.on if t.dated else facts.today
    return Step(transition=t, from_status=facts.status, to_status=target, clock_event=t.clock, clock_on=clock_on)


def label(status: str) -> str:
    return STATE_LABELS.get(status, status.replace("_", " ").capitalize())


__all__ = [
    "ACCESS",
    "CLOSED_STAGES",
    "COMPLAINT",
    "COMPLAINT_OUTCOMES",
    "REFUSAL_GROUNDS",
    "RIGHTS",
    "RIGHTS_OUTCOMES",
    "WORKFLOWS",
    "ClockState",
    "Facts",
    "Firing",
    "Step",
    "Transition",
    "Workflow",
    "WorkflowError",
    "allowed_events",
    "clock_input",
    "clock_state",
    "compute_clock",
    "fire",
    "is_open",
    "label",
    "refresh_clock",
    "workflow_for",
]
