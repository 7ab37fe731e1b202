"""Case services on PostgreSQL: each action checked by the workflow table, replayed clock, audit, letters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from rights import cases, clock, search
from rights.cases import Actor, CaseError, Firing
from rights.models import (
    AuditEvent,
    ClockEvent,
    OutboxMessage,
    Person,
    RequestKind,
    RightsRequest,
    SearchTask,
    WorkflowEvent,
)
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff


@pytest.fixture
def people(rt):  # type: ignore[no-untyped-def]
    made = {role: make_staff(rt, role) for role in ("officer", "manager")}
    second = make_staff(rt, "manager", email="second.manager@council.example")
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    return {
        "officer": Actor(made["officer"].id, "officer"),
        "manager": Actor(made["manager"].id, "manager"),
        "manager2": Actor(second.id, "manager"),
        "holder": Actor(holder.id, "record_holder", ("childrens_social_care",)),
    }


def new_case(rt, **kw):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        kw.setdefault("received_at", datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        request = make_request(session, **kw)
        return request.id


def act(rt, request_id: int, fn, *args, **kw):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, request_id)
        return fn(session, rt.queue, request, *args, **kw)


def load(rt, request_id: int) -> RightsRequest:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, request_id)
        _ = request.clock_events, request.requester
        return request


def audit_actions(rt, request_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == request_id)
                                    .order_by(AuditEvent.id)))


def letters(rt, request_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == request_id)
                                    .order_by(OutboxMessage.id)))


def test_access_request_clock_follows_id_pause_and_extension_exactly(rt, people) -> None:
    rid = new_case(rt)
    officer, manager = people["officer"], people["manager"]
    act(rt, rid, cases.ask_for_identity, officer, on=date(2026, 3, 2), today=date(2026, 3, 2))
    assert load(rt, rid).status == "awaiting_id" and load(rt, rid).clock_provisional
    act(rt, rid, cases.record_id_received, officer, on=date(2026, 3, 20), today=date(2026, 3, 23))
    act(rt, rid, cases.perform, officer, "start_search", today=date(2026, 3, 23))
    act(rt, rid, cases.pause, officer, on=date(2026, 3, 23), reason="Which years of records?", today=date(2026, 3, 23))
    act(rt, rid, cases.resume, officer, on=date(2026, 3, 26), today=date(2026, 3, 27))
    act(rt, rid, cases.extend, manager, reason="Records held by nine services", today=date(2026, 3, 27))
    request = load(rt, rid)
    expected = clock.compute(clock.ClockInput(
        kind=clock.RequestKind.ACCESS, received=date(2026, 3, 2), id_received=date(2026, 3, 20),
        pauses=(clock.Pause(date(2026, 3, 23), date(2026, 3, 26)),), extended=True))
    assert (request.due_on, request.original_due_on) == (expected.due, expected.original_due)
    assert request.due_on == date(2026, 6, 24) and request.status == "searching"
    assert [e.kind for e in request.clock_events] == ["id_requested", "id_received", "paused", "resumed", "extended"]
    assert audit_actions(rt, rid)[1:] == ["case.request_id", "case.id_received", "case.start_search",
                                          "search.requested", "case.pause", "case.resume", "case.extend"]
    templates = [m.template for m in letters(rt, rid)]
    assert templates == ["case_id_request", "case_clarification", "case_extension"]
    extension = letters(rt, rid)[-1]
    assert "Records held by nine services" in extension.body_text
    assert clock.long_date(date(2026, 6, 24)) in extension.body_text


def test_a_refused_action_leaves_nothing_behind(rt, people) -> None:
    rid = new_case(rt)
    with pytest.raises(CaseError) as info:
        act(rt, rid, cases.extend, people["officer"], reason="complex", today=date(2026, 3, 10))
    assert info.value.code == "role"
    with pytest.raises(CaseError) as info:
        act(rt, rid, cases.extend, people["manager"], reason="  ", today=date(2026, 3, 10))
    assert info.value.code == "input"
    with rt.db.transaction() as session:
        assert session.scalars(select(ClockEvent)).all() == []
        assert session.scalars(select(WorkflowEvent)).all() == []
    assert audit_actions(rt, rid) == ["request.received"] and letters(rt, rid) == []


def test_extension_refused_after_the_notice_deadline(rt, people) -> None:
    rid = new_case(rt)  # one-month date Thu 2 Apr 2026
    with pytest.raises(CaseError, match="Too late"):
        act(rt, rid, cases.extend, people["manager"], reason="complex", today=date(2026, 4, 3))
    act(rt, rid, cases.extend, people["manager"], reason="complex", today=date(2026, 4, 2))
    assert load(rt, rid).due_on == date(2026, 6, 2)


def test_pause_that_breaks_the_clock_rules_is_refused(rt, people) -> None:
    rid = new_case(rt, received_at=datetime(2026, 2, 2, 10, tzinfo=UTC))  # before 5 Feb 2026
    with pytest.raises(CaseError, match="cannot be paused"):
        act(rt, rid, cases.pause, people["officer"], on=date(2026, 2, 9), reason="?", today=date(2026, 2, 10))


def test_sending_for_approval_needs_a_prepared_response(rt, people) -> None:
    # The second manager, the approved version and the release are tested in test_release.py.
    rid = new_case(rt)
    manager = people["manager"]
    act(rt, rid, cases.perform, manager, "start_search", today=date(2026, 3, 10))
    # Nothing leaves unchecked: identity verified and every search settled (here closed by an officer).
    act(rt, rid, cases.perform, people["officer"], "verify_id",
        Firing(options={"method": "known_to_service"}), today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        for task in session.scalars(select(SearchTask).where(SearchTask.request_id == rid)):
            search.close_task(session, task.id, people["officer"], "paper files checked by phone")
    for event in ("submit_for_review",):
        act(rt, rid, cases.perform, manager, event, today=date(2026, 3, 10))
    with pytest.raises(CaseError, match="Prepare the response"):
        act(rt, rid, cases.perform, manager, "submit_for_approval", today=date(2026, 3, 10))
    assert load(rt, rid).status == "review"


def test_refusal_letter_gives_reasons_and_the_route_to_the_ico(rt, people) -> None:
    rid = new_case(rt)
    act(rt, rid, cases.refuse, people["manager"], ground="manifestly_excessive",
        reason="The same request was answered last week.", today=date(2026, 3, 10))
    request = load(rt, rid)
    assert request.status == "refused" and request.outcome == "refused"
    (letter,) = letters(rt, rid)
    assert "manifestly excessive" in letter.body_text
    assert "answered last week" in letter.body_text and "ico.org.uk" in letter.body_text


def test_no_email_and_no_address_is_said_not_skipped(rt, people) -> None:
    rid = new_case(rt, subject=make_person(email=None))
    result = act(rt, rid, cases.ask_for_identity, people["officer"], on=date(2026, 3, 3), today=date(2026, 3, 3))
    assert not result.post_letter and "no email or postal address" in result.message
    assert letters(rt, rid) == [] and "letter.no_address" in audit_actions(rt, rid)


def test_rectification_assessed_by_the_record_holder_and_recipients_told_before_closing(rt, people) -> None:
    rid = new_case(rt, kind=RequestKind.RECTIFICATION, services=["childrens_social_care"])
    officer, holder = people["officer"], people["holder"]
    act(rt, rid, cases.perform, officer, "start_assessment", today=date(2026, 3, 3))
    act(rt, rid, cases.perform, officer, "restrict", cases.Firing(reason="Accuracy contested"), today=date(2026, 3, 3))
    with pytest.raises(CaseError, match="Only a manager"):
        act(rt, rid, cases.perform, holder, "decide", cases.Firing(reason="opinion", options={"outcome": "refused"}),
            today=date(2026, 3, 9))
    act(rt, rid, cases.perform, holder, "decide", cases.Firing(options={
        "outcome": "done", "supplementary_statement": "Ms Hart disputes the 2019 assessment."}), today=date(2026, 3, 9))
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        row = cases.record_disclosure(session, request, officer, recipient="Ofsted", disclosed_on=date(2025, 6, 1),
                                      description="Inspection sample", today=date(2026, 3, 9))
        disclosure_id = row.id
    act(rt, rid, cases.perform, officer, "send_outcome", today=date(2026, 3, 10))
    with pytest.raises(CaseError, match="Art 19"):
        act(rt, rid, cases.perform, officer, "close", today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        cases.record_recipient_told(session, request, officer, disclosure_id, on=date(2026, 3, 11),
                                    not_told_reason=None, today=date(2026, 3, 11))
    act(rt, rid, cases.perform, officer, "close", today=date(2026, 3, 11))
    request = load(rt, rid)
    assert request.status == "closed" and request.details["supplementary_statement"].startswith("Ms Hart")
    (outcome,) = [m for m in letters(rt, rid) if m.template == "case_outcome"]
    assert "Done in full" in outcome.body_text and "disputes the 2019 assessment" in outcome.body_text


def test_disclosure_log_accepts_only_the_privacy_notice_recipients(rt, people) -> None:
    rid = new_case(rt, kind=RequestKind.ERASURE)
    with rt.db.transaction() as session, pytest.raises(CaseError, match="privacy notice"):
        cases.record_disclosure(session, session.get(RightsRequest, rid), people["officer"], recipient="My blog",
                                disclosed_on=None, description=None, today=date(2026, 3, 9))


def test_complaint_is_acknowledged_investigated_and_answered_with_the_ico_route(rt, people) -> None:
    rid = new_case(rt, kind=RequestKind.COMPLAINT)
    officer = people["officer"]
    act(rt, rid, cases.perform, officer, "acknowledge", today=date(2026, 3, 3))
    act(rt, rid, cases.perform, officer, "start_investigation", today=date(2026, 3, 4))
    act(rt, rid, cases.perform, officer, "decide", cases.Firing(reason="We sent the letter to an old address.",
                                                                options={"outcome": "upheld"}), today=date(2026, 3, 20))
    act(rt, rid, cases.perform, officer, "close", today=date(2026, 3, 20))
    assert [m.template for m in letters(rt, rid)] == ["case_complaint_ack", "case_complaint_outcome"]
    assert "Information Commissioner" in letters(rt, rid)[1].body_text


def test_record_holders_see_only_their_services(rt, people) -> None:
    mine = new_case(rt, services=["childrens_social_care"])
    other = new_case(rt, services=["youth_justice"])
    with rt.db.transaction() as session:
        holder = people["holder"]
        assert cases.can_see_request(holder, session.get(RightsRequest, mine))
        assert not cases.can_see_request(holder, session.get(RightsRequest, other))
        assert not cases.can_see_request(Actor(99, "admin"), session.get(RightsRequest, mine))
        with pytest.raises(cases.CaseAccessDenied):
            cases.add_note(session, session.get(RightsRequest, other), holder, "hello")


def test_logged_request_starts_the_clock_on_the_true_date(rt, people) -> None:
    new = cases.LoggedRequest(
        kind=RequestKind.ACCESS, channel="letter", received_on=date(2026, 3, 2),
        subject=Person(given_names="Amelia", family_name="Hart", date_of_birth=date(2012, 5, 17)),
        requester=Person(given_names="Sam", family_name="Hart", email="sam@example.org"),
        requester_role="parent", authority_basis="parental_responsibility", services=["childrens_social_care", "x"])
    with rt.db.transaction() as session:
        request = cases.log_request(session, rt.queue, new, people["officer"], today=date(2026, 3, 9))
        rid, ref = request.id, request.reference
    request = load(rt, rid)
    assert (request.received_on, request.due_on, request.channel) == (date(2026, 3, 2), date(2026, 4, 2), "letter")
    assert request.services == ["childrens_social_care"] and request.assignee_id == people["officer"].id
    assert ref.startswith("SAR-2026-")
    assert [m.template for m in letters(rt, rid)] == ["case_acknowledgement"]
    future = cases.LoggedRequest(**{**new.__dict__, "received_on": date(2026, 3, 10),
                                    "subject": Person(given_names="A", family_name="B"),
                                    "requester": Person(given_names="C", family_name="D")})
    with rt.db.transaction() as session, pytest.raises(CaseError, match="future"):
        cases.log_request(session, rt.queue, future, people["officer"], today=date(2026, 3, 9))


def test_timeline_merges_workflow_clock_notes_and_emails(rt, people) -> None:
    rid = new_case(rt)
    act(rt, rid, cases.ask_for_identity, people["officer"], on=date(2026, 3, 3), today=date(2026, 3, 3))
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        cases.add_note(session, request, people["officer"], "Phoned Ms Hart about ID.")
        kinds = {entry.kind for entry in cases.timeline(session, request)}
    assert kinds == {"workflow", "clock", "note", "email"}


def test_a_complaint_the_portal_acknowledged_is_not_acknowledged_twice(rt, people) -> None:
    from rights.submission import queue_acknowledgement

    rid = new_case(rt, kind=RequestKind.COMPLAINT)
    with rt.db.transaction() as session:
        queue_acknowledgement(session, rt.queue, session.get(RightsRequest, rid), provisional=False, has_id=False)
    result = act(rt, rid, cases.perform, people["officer"], "acknowledge", today=date(2026, 3, 3))
    assert result.step.to_status == "acknowledged"
    assert "An acknowledgement was already sent on" in result.message and "no second letter" in result.message
    assert [m.template for m in letters(rt, rid)] == ["acknowledgement"]
    assert "letter.not_repeated" in audit_actions(rt, rid)


def test_a_complaint_logged_without_an_acknowledgement_gets_one(rt, people) -> None:
    rid = new_case(rt, kind=RequestKind.COMPLAINT)
    act(rt, rid, cases.perform, people["officer"], "acknowledge", today=date(2026, 3, 3))
    assert [m.template for m in letters(rt, rid)] == ["case_complaint_ack"]
