"""Release checks on PostgreSQL: the verify-identity decision, a manager's override with a reason, rejecting
a match with a reason and reopening it, and ``rights case show --json``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from rights import audit, cases, search
from rights.bundles import versions
from rights.cases import Actor, CaseError, Firing
from rights.cli.case import show_command
from rights.cli.process import run_pending
from rights.models import AuditEvent, GatheredRecord, RightsRequest, SearchCandidate, SearchTask, WorkflowEvent
from rights.redaction import decisions as redaction_decisions
from rights.redaction import service as redaction_service
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff

TODAY = date(2026, 3, 10)


@pytest.fixture
def people(rt):  # type: ignore[no-untyped-def]
    officer = make_staff(rt, "officer")
    manager = make_staff(rt, "manager", name="Morgan Price")
    second = make_staff(rt, "manager", email="second.manager@council.example")
    return {"officer": Actor(officer.id, "officer"), "manager": Actor(manager.id, "manager"),
            "manager2": Actor(second.id, "manager"), "manager_name": "Morgan Price"}


def new_case(rt, **kw) -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        kw.setdefault("received_at", datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        return make_request(session, **kw).id


def act(rt, rid: int, actor: Actor, event: str, firing: Firing | None = None):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return cases.perform(session, rt.queue, session.get(RightsRequest, rid), actor, event, firing, today=TODAY)


def audit_of(rt, rid: int, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == rid,
                                                             AuditEvent.action == action)))


def task_ids(rt, rid: int) -> list[int]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(SearchTask.id).where(SearchTask.request_id == rid)))


def test_receiving_id_does_not_verify_it_the_officer_records_how(rt, people) -> None:  # type: ignore[no-untyped-def]
    rid = new_case(rt)
    officer = people["officer"]
    act(rt, rid, officer, "request_id", Firing(on=date(2026, 3, 3)))
    act(rt, rid, officer, "id_received", Firing(on=date(2026, 3, 5)))
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        assert request.status == "received" and request.id_verified is False
        assert "verify_id" in {t.event for t in cases.available_actions(session, request, officer, TODAY)}
    with pytest.raises(CaseError, match="Say how"):
        act(rt, rid, officer, "verify_id", Firing(options={"method": "other"}))
    act(rt, rid, officer, "verify_id", Firing(options={"method": "document_seen", "note": "passport, photo matches"}))
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        assert request.id_verified is True
        made = request.details["identity_check"]
        assert (made["method"], made["note"], made["by"], made["on"]) == (
            "document_seen", "passport, photo matches", officer.id, "2026-03-10")
        assert cases.decisions_made(session, request)[0]["how"] == "Identity document seen"
    (entry,) = audit_of(rt, rid, "case.verify_id")
    assert entry.actor == f"user:{officer.id}" and entry.detail["method"] == "document_seen"


def test_parent_request_release_waits_for_every_check_and_override_needs_a_reason(rt, people) -> None:  # type: ignore[no-untyped-def]
    child = make_person(given_names="Lily", date_of_birth=date(2013, 1, 20))  # 13 when the request arrived
    rid = new_case(rt, requester_role="parent", subject=child)
    officer, manager, second = people["officer"], people["manager"], people["manager2"]
    act(rt, rid, officer, "start_search")
    with pytest.raises(CaseError) as refused:
        act(rt, rid, officer, "submit_for_review")
    assert "Every search confirmed or closed" in str(refused.value)
    # The manager overrides the unconfirmed searches, only with a reason; identity cannot be overridden here.
    with pytest.raises(CaseError, match="Give the reasons"):
        act(rt, rid, manager, "override_check", Firing(options={"check": "searches_settled"}))
    with pytest.raises(CaseError, match="cannot be overridden"):
        act(rt, rid, manager, "override_check", Firing(reason="urgent", options={"check": "identity_verified"}))
    act(rt, rid, manager, "override_check",
        Firing(reason="record holder on long leave; searched by the team", options={"check": "searches_settled"}))
    act(rt, rid, officer, "submit_for_review")
    with pytest.raises(CaseError) as refused:
        act(rt, rid, officer, "submit_for_approval")
    for label in ("Identity verified", "Parental responsibility checked", "Child's competence and view recorded"):
        assert label in str(refused.value)
    act(rt, rid, officer, "verify_id", Firing(options={"method": "known_to_service"}))
    act(rt, rid, officer, "check_parental_responsibility", Firing(options={"basis": "birth_certificate"}))
    act(rt, rid, officer, "record_competence",
        Firing(options={"view": "consents", "note": "Spoke to Lily with her social worker; she understands."}))
    with rt.db.transaction() as session:  # one gathered record, withheld: every record decided
        task_id = session.scalars(select(SearchTask.id).where(SearchTask.request_id == rid)).first()
        record = GatheredRecord(request_id=rid, task_id=task_id, source="csc_notes", record_id="N-1", person_id="P1",
                                title="Referral", origin="upload", added_by=f"user:{officer.id}")
        session.add(record)
        session.flush()
        redaction_service.propose_for_request(session, rt.cipher, rt.settings.secret_key, rid)
        redaction_decisions.withhold_record(session, rid, record.id, "SWHARM", f"user:{officer.id}")
    with rt.db.transaction() as session:  # the response prepared (tested in test_release.py), then approved
        versions.prepare(session, rt.settings, rt.files, rt.cipher, rid, f"user:{officer.id}")
    act(rt, rid, officer, "submit_for_approval")
    with rt.db.transaction() as session:  # every record withheld: the letter is the whole response
        assert versions.latest(session, rid).bundle_key is None
        versions.record_view(session, f"user:{second.id}", session.get(RightsRequest, rid),
                             versions.latest(session, rid), "letter")
    act(rt, rid, second, "approve")
    run_pending(rt.db, rt.queue, 1)  # the finalisation job, as a worker runs it
    act(rt, rid, officer, "release")
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        assert request.status == "released"
        rows = {row["name"]: row for row in cases.checklist(session, request, cases.facts_for(
            session, request, officer, TODAY))}
        assert rows["searches_settled"]["state"] == "overridden"
        assert rows["searches_settled"]["overridden_by"] == people["manager_name"]
        assert "long leave" in rows["searches_settled"]["override_reason"]
        assert {rows[n]["state"] for n in ("identity_verified", "parental_responsibility", "child_competence")} \
            == {"done"}
        shown = session.scalars(select(WorkflowEvent.reason).where(WorkflowEvent.request_id == rid,
                                                                   WorkflowEvent.event == "override_check")).one()
        assert shown.startswith("Every search confirmed or closed overridden: record holder on long leave")
    (entry,) = audit_of(rt, rid, "case.override_check")
    assert entry.detail["check"] == "searches_settled" and "long leave" not in str(entry.detail)
    with rt.db.transaction() as session:  # the reason is on the timeline; the trail holds its fingerprint
        reason = session.get(WorkflowEvent, entry.detail["event_id"]).reason
    assert "long leave" in reason and entry.detail["reason_fingerprint"] == audit.fingerprint(reason)


def test_rejecting_a_match_needs_a_reason_and_a_decision_can_be_reopened(rt, people) -> None:  # type: ignore[no-untyped-def]
    rid = new_case(rt)
    officer = people["officer"]
    act(rt, rid, officer, "start_search")
    first, *others = task_ids(rt, rid)
    with rt.db.transaction() as session:
        candidate = SearchCandidate(task_id=first, request_id=rid, person_id="P-7", identity={}, outcome="review",
                                    score=0.7)
        session.add(candidate)
        session.flush()
        cid = candidate.id
        for task_id in [first, *others]:
            search.close_task(session, task_id, officer, "checked on paper")
    with pytest.raises(CaseError, match="possible match"):
        act(rt, rid, officer, "submit_for_review")
    with rt.db.transaction() as session, pytest.raises(search.SearchError, match="Say why"):
        search.decide_candidate(session, rt.queue, cid, False, officer.ref, reason="  ")
    with rt.db.transaction() as session:
        search.decide_candidate(session, rt.queue, cid, False, officer.ref, reason="different date of birth")
    with rt.db.transaction() as session:
        assert session.get(SearchCandidate, cid).decision_reason == "different date of birth"
        search.reopen_candidate(session, rt.queue, cid, officer.ref, "the date of birth was mistyped")
    with rt.db.transaction() as session:
        assert session.get(SearchCandidate, cid).decision is None  # the matcher's outcome applies again
        with pytest.raises(search.SearchError, match="nothing to reopen"):
            search.reopen_candidate(session, rt.queue, cid, officer.ref)
    with rt.db.transaction() as session:
        search.decide_candidate(session, rt.queue, cid, True, officer.ref)
    act(rt, rid, officer, "submit_for_review")
    decided = audit_of(rt, rid, "search.candidate_decided")
    assert [(e.detail["decision"], e.detail["reason_fingerprint"]) for e in decided] == [
        ("rejected", audit.fingerprint("different date of birth")),
        ("reopened", audit.fingerprint("the date of birth was mistyped")), ("accepted", None)]


def test_closing_a_search_needs_a_reason_and_a_caseworker(rt, people) -> None:  # type: ignore[no-untyped-def]
    rid = new_case(rt)
    act(rt, rid, people["officer"], "start_search")
    first = task_ids(rt, rid)[0]
    with rt.db.transaction() as session, pytest.raises(search.SearchError, match="Say why"):
        search.close_task(session, first, people["officer"], "")
    with rt.db.transaction() as session, pytest.raises(PermissionError):
        search.close_task(session, first, Actor(99, "record_holder", ("childrens_social_care",)), "done")
    with rt.db.transaction() as session:
        search.close_task(session, first, people["officer"], "system retired; paper archive searched")
        assert session.get(SearchTask, first).closed_reason.startswith("system retired")
    (closed,) = audit_of(rt, rid, "search.closed_by_officer")
    with rt.db.transaction() as session:
        reason = session.scalars(select(SearchTask).where(SearchTask.request_id == rid,
                                                          SearchTask.closed_reason.is_not(None))).one().closed_reason
    assert reason.startswith("system retired") and closed.detail["reason_fingerprint"] == audit.fingerprint(reason)


def test_case_show_json(rt, people) -> None:  # type: ignore[no-untyped-def]
    rid = new_case(rt, requester_role="parent", subject=make_person(date_of_birth=date(2022, 1, 4)))
    act(rt, rid, people["officer"], "start_search")
    with rt.db.transaction() as session:
        reference = session.get(RightsRequest, rid).reference
    result = CliRunner().invoke(show_command, [reference.lower(), "--json"])  # references are case-insensitive
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["reference"] == reference and shown["stage"] == "searching"
    assert shown["clock"]["due"] and shown["clock"]["paused_days"] == 0
    assert isinstance(shown["clock"]["working_days_left"], int)
    assert shown["identity"]["verified"] is False and shown["authority"]["verified"] is False
    assert shown["authority"]["subject_age"] == 4
    assert len(shown["searches"]) == len(task_ids(rt, rid)) and not shown["searches"][0]["confirmed"]
    actions = {a["event"]: a for a in shown["actions"]}
    review = actions["submit_for_review"]
    assert review["allowed"] is False and [b["check"] for b in review["blocked_by"]] == ["searches_settled"]
    assert actions["verify_id"]["allowed"] is True
    text = CliRunner().invoke(show_command, [reference])
    assert text.exit_code == 0 and "Parental responsibility checked" in text.output
    missing = CliRunner().invoke(show_command, ["SAR-1999-99999", "--json"])
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == ["Error: no request with reference 'SAR-1999-99999'"]
