"""The workflow table, row by row: who may fire what from where, the guards, and the clock effect."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from rights import workflow
from rights.models import ClockEventKind, RequestKind, Role
from rights.workflow import Facts, Firing, WorkflowError, allowed_events, fire

OFFICER, MANAGER, HOLDER, ADMIN = (r.value for r in (Role.OFFICER, Role.MANAGER, Role.RECORD_HOLDER, Role.ADMIN))
ACCESS, RECT, COMPLAINT = RequestKind.ACCESS, RequestKind.RECTIFICATION, RequestKind.COMPLAINT


def facts(kind: RequestKind = ACCESS, status: str = "received", role: str = OFFICER, **kw: object) -> Facts:
    base = {"received_on": date(2026, 3, 2), "today": date(2026, 3, 10), "actor_id": 1,
            "extension_notice_by": date(2026, 4, 2)}
    base.update(kw)
    return Facts(kind=kind, status=status, role=role, **base)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the table is well formed
@pytest.mark.parametrize("kind", list(RequestKind))
def test_every_transition_starts_and_ends_in_known_states(kind: RequestKind) -> None:
    wf = workflow.workflow_for(kind)
    states = set(wf.states)
    for t in wf.transitions:
        assert t.sources <= states, (kind, t.event, t.sources - states)
        assert t.target is None or t.target in states, (kind, t.event)
        assert not (t.sources & wf.terminal), f"{t.event} may not start from a terminal state"
        assert t.roles, t.event


@pytest.mark.parametrize("kind", list(RequestKind))
def test_every_open_state_is_reachable_from_received(kind: RequestKind) -> None:
    wf = workflow.workflow_for(kind)
    seen, frontier = {"received"}, ["received"]
    while frontier:
        here = frontier.pop()
        for t in wf.transitions:
            for target in {t.target, t.target_while_awaiting} - {None}:
                if here in t.sources and target not in seen:
                    seen.add(target)  # type: ignore[arg-type]
                    frontier.append(target)  # type: ignore[arg-type]
    assert set(wf.states) <= seen, set(wf.states) - seen


@pytest.mark.parametrize("kind", list(RequestKind))
def test_administrators_cannot_act_on_cases(kind: RequestKind) -> None:
    for status in workflow.workflow_for(kind).states:
        assert allowed_events(kind, status, ADMIN) == []


# ------------------------------------------------------------------ who may fire what, from where
@pytest.mark.parametrize(
    ("kind", "status", "role", "event", "allowed"),
    [
        (ACCESS, "received", OFFICER, "request_id", True),
        (ACCESS, "received", OFFICER, "start_search", True),
        (ACCESS, "received", HOLDER, "start_search", False),
        (ACCESS, "received", OFFICER, "extend", False),  # manager only
        (ACCESS, "received", MANAGER, "extend", True),
        (ACCESS, "received", OFFICER, "refuse", False),
        (ACCESS, "received", MANAGER, "refuse", True),
        (ACCESS, "searching", OFFICER, "pause", True),
        (ACCESS, "awaiting_id", OFFICER, "pause", False),  # the clock is not running yet
        (ACCESS, "awaiting_approval", OFFICER, "approve", False),
        (ACCESS, "awaiting_approval", MANAGER, "approve", True),
        (ACCESS, "released", OFFICER, "close", True),
        (ACCESS, "closed", MANAGER, "withdraw", False),
        (RECT, "assessment", HOLDER, "decide", True),
        (RECT, "received", HOLDER, "decide", False),
        (RECT, "received", OFFICER, "pause", False),  # only access requests pause
        (RECT, "received", MANAGER, "extend", True),
        (COMPLAINT, "received", OFFICER, "acknowledge", True),
        (COMPLAINT, "received", MANAGER, "extend", False),  # complaints cannot be extended
        (COMPLAINT, "received", MANAGER, "refuse", False),
    ],
)
def test_allowed_events_table(kind: RequestKind, status: str, role: str, event: str, allowed: bool) -> None:
    assert (event in {t.event for t in allowed_events(kind, status, role)}) is allowed


# ------------------------------------------------------------------ firing: targets and clock effects
@pytest.mark.parametrize(
    ("kind", "status", "role", "event", "firing", "to", "clock"),
    [
        (ACCESS, "received", OFFICER, "request_id", Firing(on=date(2026, 3, 3)), "awaiting_id",
         ClockEventKind.ID_REQUESTED),
        (ACCESS, "received", OFFICER, "start_search", Firing(), "searching", None),
        (ACCESS, "searching", OFFICER, "pause", Firing(on=date(2026, 3, 5), reason="which years?"), "searching",
         ClockEventKind.PAUSED),
        (ACCESS, "searching", MANAGER, "extend", Firing(reason="complex: 9 services"), "searching",
         ClockEventKind.EXTENDED),
        (ACCESS, "review", OFFICER, "submit_for_approval", Firing(), "awaiting_approval", None),
        (ACCESS, "ready", OFFICER, "release", Firing(), "released", None),
        (ACCESS, "searching", MANAGER, "refuse", Firing(reason="repeat of last week's", options={
            "ground": "manifestly_excessive"}), "refused", None),
        (RECT, "assessment", HOLDER, "decide", Firing(options={"outcome": "done"}), "outcome", None),
        (RECT, "outcome", OFFICER, "send_outcome", Firing(), "notifying_recipients", None),
        (COMPLAINT, "investigating", OFFICER, "decide", Firing(reason="upheld in part", options={
            "outcome": "partly_upheld"}), "outcome", None),
    ],
)
def test_fire_targets_and_clock(kind, status, role, event, firing, to, clock) -> None:  # type: ignore[no-untyped-def]
    # Identity verified: the release checks (tests/unit/test_workflow_checks.py) are not what is tested here.
    step = fire(event, facts(kind, status, role, id_verified=True, version_ready=True,
                                   version_approved=True), firing)
    assert step.to_status == to
    assert step.clock_event == clock


def test_dated_events_use_the_true_date_and_undated_ones_today() -> None:
    step = fire("id_received", facts(status="awaiting_id", awaiting=frozenset({"identity"})),
                Firing(on=date(2026, 3, 6)))
    assert (step.clock_on, step.to_status) == (date(2026, 3, 6), "received")
    step = fire("extend", facts(status="searching", role=MANAGER), Firing(reason="complex"))
    assert step.clock_on == date(2026, 3, 10)


def test_id_received_stays_awaiting_while_authority_is_outstanding() -> None:
    f = facts(status="awaiting_id", awaiting=frozenset({"identity", "authority"}))
    assert fire("id_received", f, Firing(on=date(2026, 3, 6))).to_status == "awaiting_id"
    f = replace(f, awaiting=frozenset({"authority"}))
    assert fire("authority_received", f, Firing(on=date(2026, 3, 7))).to_status == "received"


# ------------------------------------------------------------------ guards and checks refuse, with reasons
@pytest.mark.parametrize(
    ("event", "f", "firing", "code", "words"),
    [
        ("extend", facts(role=MANAGER, today=date(2026, 4, 3)), Firing(reason="complex"), "guard", "Too late"),
        ("extend", facts(role=MANAGER, extended=True), Firing(reason="complex"), "guard", "already been extended"),
        ("extend", facts(role=MANAGER), Firing(), "input", "reasons"),
        ("extend", facts(role=OFFICER), Firing(reason="complex"), "role", "cannot"),
        ("pause", facts(received_on=date(2026, 2, 4), today=date(2026, 2, 10)), Firing(on=date(2026, 2, 9),
         reason="?"), "guard", "before"),
        ("pause", facts(pause_started=date(2026, 3, 5)), Firing(on=date(2026, 3, 9), reason="?"), "guard",
         "already paused"),
        ("pause", facts(), Firing(on=date(2026, 3, 11), reason="?"), "input", "future"),
        ("pause", facts(), Firing(on=date(2026, 3, 1), reason="?"), "input", "before the request"),
        ("resume", facts(), Firing(on=date(2026, 3, 9)), "guard", "not paused"),
        ("resume", facts(pause_started=date(2026, 3, 5)), Firing(on=date(2026, 3, 4)), "input", "before the question"),
        ("approve", facts(status="awaiting_approval", role=MANAGER, actor_id=7, prepared_by=7, id_verified=True),
         Firing(), "guard",
         "different manager"),
        ("refuse", facts(role=MANAGER), Firing(reason="x", options={"ground": "annoying"}), "input", "manifestly"),
        ("id_received", facts(status="awaiting_id", awaiting=frozenset({"authority"})), Firing(on=date(2026, 3, 5)),
         "guard", "not been asked"),
        ("start_search", facts(status="review"), Firing(), "state", "not possible"),
        ("launch", facts(), Firing(), "unknown", "not an action"),
        ("decide", facts(RECT, "assessment", HOLDER), Firing(options={"outcome": "refused"}, reason="opinion"),
         "input", "Only a manager"),
        ("decide", facts(RECT, "assessment", MANAGER), Firing(options={"outcome": "partly"}), "input", "reasons"),
        ("close", facts(RECT, "notifying_recipients", OFFICER, recipients_pending=2), Firing(), "guard", "Art 19"),
        ("submit_for_approval", facts(status="review", pause_started=date(2026, 3, 5), id_verified=True), Firing(),
         "guard", "paused"),
    ],
)
def test_refusals_say_why(event: str, f: Facts, firing: Firing, code: str, words: str) -> None:
    with pytest.raises(WorkflowError) as info:
        fire(event, f, firing)
    assert info.value.code == code
    assert words.lower() in str(info.value).lower()


def test_extension_allowed_on_the_notice_deadline_itself() -> None:
    step = fire("extend", facts(role=MANAGER, today=date(2026, 4, 2)), Firing(reason="complex"))
    assert step.clock_event is ClockEventKind.EXTENDED


def test_approval_by_a_second_manager_passes() -> None:
    f = facts(status="awaiting_approval", role=MANAGER, actor_id=8, prepared_by=7, id_verified=True,
              version_ready=True)
    assert fire("approve", f).to_status == "ready"


@pytest.mark.parametrize(
    ("event", "status", "role", "version", "words"),
    [
        ("submit_for_approval", "review", OFFICER, {}, "Prepare the response"),
        ("submit_for_approval", "review", OFFICER, {"version_stale": True}, "decisions changed"),
        ("submit_for_approval", "review", OFFICER, {"version_ready": True}, None),
        ("approve", "awaiting_approval", MANAGER, {}, "Prepare the response"),
        ("approve", "awaiting_approval", MANAGER, {"version_stale": True}, "prepare a new version"),
        ("approve", "awaiting_approval", MANAGER, {"version_ready": True}, None),
        ("release", "ready", OFFICER, {}, "No approved version"),
        ("release", "ready", OFFICER, {"version_approved": True, "version_stale": True}, "decisions changed"),
        ("release", "ready", OFFICER, {"version_approved": True, "leak_findings": 2}, "leak check found"),
        ("release", "ready", OFFICER, {"version_approved": True, "version_ready": True}, None),
    ],
)
def test_versions_guard_approval_and_release(event: str, status: str, role: str, version: dict[str, object],
                                             words: str | None) -> None:
    f = facts(status=status, role=role, actor_id=8, prepared_by=7, id_verified=True, **version)  # checks: elsewhere
    if words is None:
        assert fire(event, f).from_status == status
    else:
        with pytest.raises(WorkflowError, match=words) as refused:
            fire(event, f)
        assert refused.value.code == "guard"


def test_allowed_events_with_facts_hides_actions_whose_guards_fail() -> None:
    f = facts(status="searching", role=MANAGER, pause_started=date(2026, 3, 5), extended=True)
    events = {t.event for t in allowed_events(ACCESS, "searching", MANAGER, f)}
    assert "resume" in events and "pause" not in events and "extend" not in events


def test_identity_is_verified_once() -> None:
    unverified = {t.event for t in allowed_events(ACCESS, "received", OFFICER, facts(status="received"))}
    done = facts(status="received", id_verified=True)
    verified = {t.event for t in allowed_events(ACCESS, "received", OFFICER, done)}
    assert "verify_id" in unverified
    assert "verify_id" not in verified
    with pytest.raises(WorkflowError, match="already been verified"):
        fire("verify_id", facts(status="received", id_verified=True))


def test_labels_cover_every_state() -> None:
    for kind in RequestKind:
        for state in workflow.workflow_for(kind).states:
            assert state in workflow.STATE_LABELS


def test_every_case_consequence_belongs_to_an_event_of_the_tables() -> None:
    """A consequence keyed by a misspelt or retired event would silently never run."""
    from rights.cases.actions import CONSEQUENCES

    events = {t.event for wf in workflow.WORKFLOWS.values() for t in wf.transitions}
    assert set(CONSEQUENCES) <= events, sorted(set(CONSEQUENCES) - events)
    assert all(c.effect or c.hook for c in CONSEQUENCES.values())
