"""The workflow's vocabulary and rules: labels, outcomes, the facts and firing an event needs, the row
types of the tables, and the guards (state) and checks (input), each saying why in an officer's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from rights import clock
from rights.permissions import is_manager
from rights.vocabulary import ClockEventKind, RequestKind

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
    # What the release checks (:mod:`.checks`) read; each default is "nothing to settle".
    requester_role: str = "self_adult"
    subject_age: int | None = None  # the subject's age on the day the request was received
    parental_responsibility_checked: bool = False
    competence_recorded: bool = False
    authority_verified: bool = False
    matches_undecided: int = 0  # candidates the matcher left for an officer, not yet decided
    searches_unsettled: int = 0  # search tasks neither confirmed by the record holder nor closed by an officer
    records_undecided: int = 0  # gathered records without a decision, or with a redaction still proposed
    overridden: frozenset[str] = frozenset()  # release checks a manager overrode with a reason
    version_ready: bool = False  # a prepared response (letter and bundle) matches the current decisions
    version_approved: bool = False  # that version was approved by a manager (final PDFs rendered)
    version_finalising: bool = False  # approved; the job rendering its final PDFs has not finished
    version_stale: bool = False  # the latest prepared version was built from decisions since changed
    leak_findings: int = 0  # redacted or withheld text the leak gate found in the approved PDFs


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


def records_decided(f: Facts) -> str | None:
    """Nothing proposed is released unreviewed: every gathered record included or withheld first."""
    if f.records_undecided:
        noun = "record is" if f.records_undecided == 1 else "records are"
        return f"{f.records_undecided} gathered {noun} not decided yet: review the redactions first."
    return None


def version_prepared(f: Facts) -> str | None:
    """Approval is of one specific rendering: it must exist and match the decisions as they are now."""
    if f.version_stale:
        return "The decisions changed after the response was prepared: prepare a new version."
    return None if f.version_ready else "Prepare the response (letter and bundle) first."


def version_released_ready(f: Facts) -> str | None:
    """Only the approved version, still matching the decisions and clean of leaks, can be released."""
    if f.version_stale:
        return "The decisions changed after this version was approved: prepare and approve a new version."
    if f.version_finalising:
        return ("The final letter and bundle are still being rendered after approval: release them once the "
                "release section says they are ready.")
    if not f.version_approved:
        return "No approved version: a manager must approve the prepared response first."
    if f.leak_findings:
        return (f"The leak check found redacted or withheld text in the approved PDFs ({f.leak_findings} "
                f"place(s)): see the release section, fix the redactions and prepare a new version.")
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


def rights_outcomes_for(role: str) -> dict[str, str]:
    """The outcomes this role may record: only a manager refuses, so nobody else is offered "Refused"."""
    return {k: v for k, v in RIGHTS_OUTCOMES.items() if k != "refused" or is_manager(role)}


def rights_outcome(f: Facts, x: Firing) -> str | None:
    outcome = x.options.get("outcome")
    if outcome not in RIGHTS_OUTCOMES:
        return "Choose the outcome."
    if outcome != "done" and not (x.reason or "").strip():
        return "Give the reasons: the requester must be told why it was not done in full."
    if outcome not in rights_outcomes_for(f.role):
        return "Only a manager can refuse a request."
    return None


def complaint_outcome(f: Facts, x: Firing) -> str | None:
    return None if x.options.get("outcome") in COMPLAINT_OUTCOMES else "Choose the outcome."


def assignee_given(f: Facts, x: Firing) -> str | None:
    return None if x.options.get("assignee_id") is not None else "Choose who to assign the case to."


