"""The release checks, each as a table: the facts that open it, the words it gives, who may override it,
and which actions it stops."""

from __future__ import annotations

from datetime import date

import pytest

from rights.models import RequestKind, Role
from rights.workflow import (
    ACTION_CHECKS,
    CHECKS,
    Facts,
    Firing,
    WorkflowError,
    age_on,
    allowed_events,
    blocking,
    fire,
    overridable_now,
    relevant_checks,
)

OFFICER, MANAGER = Role.OFFICER.value, Role.MANAGER.value
ACCESS = RequestKind.ACCESS
SETTLED = {"id_verified": True}


def facts(status: str = "ready", role: str = OFFICER, **kw: object) -> Facts:
    # A prepared, approved version is assumed: the version guards are tested in test_workflow.py.
    base: dict[str, object] = {"received_on": date(2026, 3, 2), "today": date(2026, 3, 10), "actor_id": 1,
                               "prepared_by": 2, "version_ready": True, "version_approved": True}
    base.update(kw)
    return Facts(kind=ACCESS, status=status, role=role, **base)  # type: ignore[arg-type]


# ------------------------------------------------------------------ each check: open, why, overridable
@pytest.mark.parametrize(
    ("check", "kw", "open_words", "overridable"),
    [
        ("identity_verified", {}, "receiving a document is not verifying it", True),
        ("identity_verified", {"requester_role": "parent"}, "identity was verified", False),
        ("identity_verified", {"id_verified": True}, None, True),
        ("parental_responsibility", {"requester_role": "parent"}, "parental responsibility", False),
        ("parental_responsibility", {"requester_role": "parent", "parental_responsibility_checked": True}, None,
         False),
        ("parental_responsibility", {"requester_role": "self_adult"}, None, False),
        ("parental_responsibility", {"requester_role": "representative"}, None, False),
        ("child_competence", {"requester_role": "parent", "subject_age": 12}, "was 12 when", False),
        ("child_competence", {"requester_role": "parent", "subject_age": 15}, "was 15 when", False),
        ("child_competence", {"requester_role": "parent", "subject_age": 11}, None, False),
        ("child_competence", {"requester_role": "parent", "subject_age": 4}, None, False),
        ("child_competence", {"requester_role": "parent", "subject_age": None}, "date of birth is not known", False),
        ("child_competence", {"requester_role": "parent", "subject_age": 14, "competence_recorded": True}, None,
         False),
        ("child_competence", {"requester_role": "self_child", "subject_age": 14}, None, False),
        ("authority_checked", {"requester_role": "representative"}, "authority to act", False),
        ("authority_checked", {"requester_role": "representative", "authority_verified": True}, None, False),
        ("authority_checked", {"requester_role": "parent"}, None, False),
        ("matches_decided", {"matches_undecided": 2}, "2 possible matches wait", False),
        ("matches_decided", {"matches_undecided": 1}, "1 possible match waits for an officer to accept or reject it",
         False),
        ("matches_decided", {"matches_undecided": 0}, None, False),
        ("searches_settled", {"searches_unsettled": 3}, "3 searches not yet confirmed", True),
        ("searches_settled", {"searches_unsettled": 0}, None, True),
        ("records_decided", {"records_undecided": 5}, "5 gathered records are not decided yet", False),
        ("records_decided", {}, None, False),
    ],
)
def test_each_check(check: str, kw: dict[str, object], open_words: str | None, overridable: bool) -> None:
    f = facts(**kw)
    reason = CHECKS[check].reason(f)
    if open_words is None:
        assert reason is None
    else:
        assert reason is not None and open_words in reason
    assert CHECKS[check].overridable(f) is overridable


# ------------------------------------------------------------------ which actions each check stops
@pytest.mark.parametrize(
    ("event", "status", "role", "kw", "blocked_by"),
    [
        ("start_search", "received", OFFICER, {"requester_role": "parent"}, []),
        ("submit_for_review", "searching", OFFICER, {"matches_undecided": 1, "searches_unsettled": 1},
         ["matches_decided", "searches_settled"]),
        ("submit_for_review", "searching", OFFICER, {}, []),  # identity is not needed to finish searching
        ("submit_for_approval", "review", OFFICER, {}, ["identity_verified"]),
        ("submit_for_approval", "review", OFFICER, {**SETTLED, "records_undecided": 1}, ["records_decided"]),
        ("approve", "awaiting_approval", MANAGER, {"requester_role": "parent", "subject_age": 13},
         ["identity_verified", "parental_responsibility", "child_competence"]),
        ("release", "ready", OFFICER, {"requester_role": "parent", "subject_age": 4, "searches_unsettled": 1},
         ["identity_verified", "parental_responsibility", "searches_settled"]),
        ("release", "ready", OFFICER, {"requester_role": "representative", **SETTLED}, ["authority_checked"]),
        ("release", "ready", OFFICER, SETTLED, []),
    ],
)
def test_actions_are_stopped_by_their_open_checks(event: str, status: str, role: str, kw: dict[str, object],
                                                  blocked_by: list[str]) -> None:
    f = facts(status=status, role=role, **kw)
    assert [s.check.name for s in blocking(event, f)] == blocked_by
    if blocked_by:
        with pytest.raises(WorkflowError) as refused:
            fire(event, f)
        assert refused.value.code == "checks"
        for name in blocked_by:  # every open check is named, not only the first
            assert CHECKS[name].label in str(refused.value)
    else:
        assert fire(event, f).event == event


def test_every_named_check_exists_and_the_table_names_real_events() -> None:
    from rights.workflow import ACCESS as ACCESS_WORKFLOW

    for event, names in ACTION_CHECKS.items():
        assert ACCESS_WORKFLOW.transition(event) is not None, event
        assert set(names) <= set(CHECKS), event


# ------------------------------------------------------------------ overriding
@pytest.mark.parametrize(
    ("kw", "overridable"),
    [
        ({"searches_unsettled": 1}, ["identity_verified", "searches_settled"]),
        ({"requester_role": "parent", "searches_unsettled": 1}, ["searches_settled"]),
        ({"requester_role": "parent", **SETTLED, "parental_responsibility_checked": True}, []),
        ({"searches_unsettled": 1, "overridden": frozenset({"searches_settled"})}, ["identity_verified"]),
    ],
)
def test_what_a_manager_may_override(kw: dict[str, object], overridable: list[str]) -> None:
    assert [s.check.name for s in overridable_now(facts(**kw))] == overridable


def test_an_override_lets_the_action_through_only_for_that_check() -> None:
    f = facts(searches_unsettled=1, overridden=frozenset({"searches_settled"}))
    assert [s.check.name for s in blocking("release", f)] == ["identity_verified"]
    assert fire("release", facts(searches_unsettled=1, overridden=frozenset({"searches_settled"}),
                                 **SETTLED)).to_status == "released"


@pytest.mark.parametrize(
    ("role", "kw", "firing", "problem"),
    [
        (OFFICER, {"searches_unsettled": 1}, Firing(reason="holder on leave", options={"check": "searches_settled"}),
         "cannot 'override"),
        (MANAGER, {"searches_unsettled": 1}, Firing(options={"check": "searches_settled"}), "Give the reasons"),
        (MANAGER, {"requester_role": "parent", "searches_unsettled": 1},
         Firing(reason="urgent", options={"check": "identity_verified"}), "cannot be overridden"),
        (MANAGER, {"searches_unsettled": 1, **SETTLED}, Firing(reason="x", options={"check": "identity_verified"}),
         "already holds"),
        (MANAGER, {"searches_unsettled": 1}, Firing(reason="x", options={"check": "nonsense"}), "Choose the check"),
        (MANAGER, SETTLED, Firing(reason="x", options={"check": "records_decided"}), None),
    ],
)
def test_override_needs_a_manager_a_reason_and_an_overridable_open_check(
        role: str, kw: dict[str, object], firing: Firing, problem: str | None) -> None:
    f = facts(status="review", role=role, **kw)
    if problem is None:  # nothing overridable is open: the action is not offered at all
        assert "override_check" not in {t.event for t in allowed_events(ACCESS, "review", role, f)}
        return
    with pytest.raises(WorkflowError, match=problem):
        fire("override_check", f, firing)


def test_override_accepted() -> None:
    f = facts(status="review", role=MANAGER, searches_unsettled=1)
    step = fire("override_check", f, Firing(reason="holder left the council", options={"check": "searches_settled"}))
    assert step.to_status == "review"


# ------------------------------------------------------------------ the decisions that settle checks
@pytest.mark.parametrize(
    ("event", "kw", "firing", "problem"),
    [
        ("verify_id", {}, Firing(options={}), "Choose how"),
        ("verify_id", {}, Firing(options={"method": "other"}), "Say how"),
        ("verify_id", {}, Firing(options={"method": "other", "note": "video call"}), None),
        ("verify_id", {}, Firing(options={"method": "document_seen"}), None),
        ("verify_id", SETTLED, Firing(options={"method": "document_seen"}), "already been verified"),
        ("check_parental_responsibility", {}, Firing(options={"basis": "court_order"}), "Only a parent"),
        ("check_parental_responsibility", {"requester_role": "parent"}, Firing(options={}), "Choose what shows"),
        ("check_parental_responsibility", {"requester_role": "parent"}, Firing(options={"basis": "court_order"}),
         None),
        ("check_parental_responsibility", {"requester_role": "parent", "parental_responsibility_checked": True},
         Firing(options={"basis": "court_order"}), "already been checked"),
        ("record_competence", {"requester_role": "parent"}, Firing(options={"view": "objects"}),
         "competence judgement"),
        ("record_competence", {"requester_role": "parent"}, Firing(options={"view": "objects", "note": "spoke"}),
         None),
        ("check_authority", {"requester_role": "representative"}, Firing(options={}), "Say what you saw"),
        ("check_authority", {"requester_role": "representative"}, Firing(options={"note": "signed form"}), None),
        ("check_authority", {"requester_role": "parent"}, Firing(options={"note": "x"}), "Only a representative"),
    ],
)
def test_decisions(event: str, kw: dict[str, object], firing: Firing, problem: str | None) -> None:
    f = facts(status="searching", **kw)
    if problem is None:
        assert fire(event, f, firing).to_status == "searching"
    else:
        with pytest.raises(WorkflowError, match=problem):
            fire(event, f, firing)


@pytest.mark.parametrize("status", ["received", "awaiting_id", "searching", "review", "awaiting_approval", "ready"])
def test_identity_can_be_verified_whenever_it_is_not(status: str) -> None:
    """Including after evidence arrives (receiving it does not verify it) and late in the case."""
    events = {t.event for t in allowed_events(ACCESS, status, OFFICER, facts(status=status))}
    assert "verify_id" in events


def test_receiving_identity_evidence_does_not_verify_it() -> None:
    f = facts(status="awaiting_id", awaiting=frozenset({"identity"}))
    fire("id_received", f, Firing(on=date(2026, 3, 5)))
    assert CHECKS["identity_verified"].reason(f) is not None


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2014, 3, 2), date(2026, 3, 2), 12),
        (date(2014, 3, 3), date(2026, 3, 2), 11),
        (date(2012, 2, 29), date(2026, 2, 28), 13),
        (date(2012, 2, 29), date(2026, 3, 1), 14),
        (None, date(2026, 3, 2), None),
    ],
)
def test_age_on(born: date | None, on: date, age: int | None) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("kw", "shown"),
    [
        ({}, ["identity_verified", "matches_decided", "searches_settled", "records_decided"]),
        ({"requester_role": "parent", "subject_age": 4},
         ["identity_verified", "parental_responsibility", "matches_decided", "searches_settled", "records_decided"]),
        ({"requester_role": "parent", "subject_age": 12},
         ["identity_verified", "parental_responsibility", "child_competence", "matches_decided", "searches_settled",
          "records_decided"]),
        ({"requester_role": "representative"},
         ["identity_verified", "authority_checked", "matches_decided", "searches_settled", "records_decided"]),
    ],
)
def test_checklist_shows_only_checks_that_apply(kw: dict[str, object], shown: list[str]) -> None:
    assert [s.check.name for s, _ in relevant_checks(facts(**kw))] == shown
