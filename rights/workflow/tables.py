"""The workflow tables (access, rights, complaint), the closed stages derived from them, and asking them:
which events a role may fire now, and :func:`fire`, which validates one event or says which rule refused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from rights.permissions import ASSESSORS, CASEWORKERS, MANAGERS
from rights.vocabulary import ClockEventKind, RequestKind
from rights.workflow.checks import (
    authority_not_checked,
    authority_seen,
    blocking,
    child_view_given,
    competence_to_judge,
    has_overridable_check,
    identity_method,
    is_parent_request,
    is_representative_request,
    override_choice,
    parental_basis,
    parental_responsibility_not_checked,
    refusal,
)
from rights.workflow.rules import (
    STATE_LABELS,
    Facts,
    Firing,
    Step,
    Transition,
    Workflow,
    WorkflowError,
    after_pause_start,
    approver_is_not_preparer,
    assignee_given,
    awaiting_authority,
    awaiting_identity,
    before_notice_deadline,
    complaint_outcome,
    date_in_range,
    extendable,
    not_awaiting_authority,
    not_awaiting_identity,
    not_extended,
    not_paused,
    not_restricted,
    not_verified,
    pause_allowed,
    paused,
    recipients_settled,
    refusal_ground,
    restricted,
    rights_outcome,
    version_prepared,
    version_released_ready,
)

# --------------------------------------------------------------------------------------------------
# The tables


def _t(event: str, label: str, sources: set[str] | frozenset[str], target: str | None,
       roles: frozenset[str], **kw: Any) -> Transition:
    return Transition(event, label, frozenset(sources), target, roles, **kw)


def _evidence_rows(ask_from: set[str], decide_in: set[str]) -> tuple[Transition, ...]:
    """Identity and authority (Art 12A UK GDPR): asking restarts the month from the day it arrives.

    Receiving evidence is not verifying it: the officer's decisions (how identity was verified, what shows
    parental responsibility or a representative's authority, the child's competence and view) are their own
    events, available in ``decide_in`` until they are recorded.
    """
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
        _t("verify_id", "Verify identity", decide_in, None, CASEWORKERS, guards=(not_verified,),
           checks=(identity_method,)),
        _t("check_parental_responsibility", "Record parental responsibility checked", decide_in, None,
           CASEWORKERS, guards=(is_parent_request, parental_responsibility_not_checked), checks=(parental_basis,)),
        _t("record_competence", "Record the child's competence and view", decide_in, None, CASEWORKERS,
           guards=(competence_to_judge,), checks=(child_view_given,)),
        _t("check_authority", "Record the representative's authority checked", decide_in, None, CASEWORKERS,
           guards=(is_representative_request, authority_not_checked), checks=(authority_seen,)),
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
        *_evidence_rows({"received", "searching"}, set(_ACCESS_OPEN)),
        _t("override_check", "Override a check (manager)", _ACCESS_OPEN, None, MANAGERS, reason=True,
           guards=(has_overridable_check,), checks=(override_choice,)),
        _t("start_search", "Start the search", {"received"}, "searching", CASEWORKERS),
        _t("search_again", "Search the systems again", {"searching", "review"}, None, CASEWORKERS),
        _t("pause", "Pause the clock for clarification", _PAUSABLE, None, CASEWORKERS,
           clock=ClockEventKind.PAUSED, dated=True, reason=True, guards=(pause_allowed, not_paused),
           checks=(date_in_range,), letter="case_clarification"),
        _t("resume", "Record the clarification received", _PAUSABLE, None, CASEWORKERS,
           clock=ClockEventKind.RESUMED, dated=True, guards=(paused,), checks=(date_in_range, after_pause_start)),
        _t("submit_for_review", "Searches complete: move to review", {"searching"}, "review", CASEWORKERS),
        _t("submit_for_approval", "Send for approval", {"review"}, "awaiting_approval", CASEWORKERS,
           guards=(not_paused, version_prepared)),
        _t("return_for_changes", "Return for changes", {"awaiting_approval"}, "review", MANAGERS, reason=True),
        _t("approve", "Approve the release", {"awaiting_approval"}, "ready", MANAGERS,
           guards=(approver_is_not_preparer, version_prepared)),
        _t("release", "Release the response to the requester", {"ready"}, "released", CASEWORKERS,
           guards=(version_released_ready,)),
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
        *_evidence_rows({"received"}, set(_RIGHTS_OPEN)),
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
    from, the role may fire it, its release checks hold, its guards pass, a required reason is given, and the
    input is valid.
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
    # The release checks first: they list every open item at once, and a prepared response (a guard) is
    # only possible once they hold, so an officer is told what to settle before what follows from it.
    blocked = blocking(event, facts)
    if blocked:
        raise WorkflowError(refusal(blocked), code="checks")
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

