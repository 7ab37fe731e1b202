"""Security review of "check progress": the requester sees only mail sent to them, and a challenge whose
code was never emailed (past the hourly cap) cannot open the request, however many are made."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rights import caselist, progress
from rights.cases import Actor
from rights.models import OutboxMessage, ProgressCode, RightsRequest, User
from rights.notify import queue_email
from tests.factories import make_person, make_request
from tests.integration.portal_support import prepare_codes
from tests.integration.staff_support import TODAY

EMAIL = "parent@example.org"


@pytest.fixture
def case_id(rt) -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = make_request(session, requester_role="parent", services=["childrens_social_care"],
                               requester=make_person(given_names="Sam", email=EMAIL))
        return request.id


def test_a_record_holders_reminder_about_the_case_never_reaches_the_requesters_status_page(rt, case_id) -> None:
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, case_id)
        queue_email(session, rt.queue, key=f"letter:{case_id}", to=EMAIL.upper(), template="case_id_request",
                    context={"reference": request.reference, "requester_name": "Sam Hart", "reason": "",
                             "received": "2 March 2026"}, request_id=case_id)  # a letter to the requester
        holder = User(email="rh@council.example", name="Rory Holder", role="record_holder",
                      services=["childrens_social_care"], password_hash="!", mfa_enrolled=True, active=True)
        officer = User(email="o@council.example", name="Olivia", role="officer", services=[], password_hash="!",
                       mfa_enrolled=True, active=True)
        session.add_all([holder, officer])
        session.flush()
        caselist.remind_record_holders(session, rt.queue, [case_id], actor=Actor.of(officer), today=TODAY,
                                       case_url="https://rights.example/staff/cases/{reference}")
    with rt.db.transaction() as session:
        reminder = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "record_holder_reminder")
                                   ).one()
        assert reminder.request_id == case_id  # the staff email carries the case's id...
        status = progress.status_of(session, case_id)
    assert status is not None
    subjects = [m.subject for m in status.messages]
    assert len(subjects) == 1 and "Reminder" not in subjects[0]  # ...but only the requester's letter is shown
    assert all("Rory Holder" not in m.text and "/staff/" not in m.text for m in status.messages)


def test_challenges_past_the_hourly_cap_open_nothing_even_with_the_right_code(rt, case_id, monkeypatch) -> None:
    with rt.db.transaction() as session:
        reference = session.get(RightsRequest, case_id).reference
    monkeypatch.setattr(progress, "one_time_code", lambda: "424242")  # the attacker "knows" every code
    challenges = []
    for _ in range(progress.MAX_CODES_PER_HOUR + 2):
        with rt.db.transaction() as session:
            challenges.append(progress.start_check(session, rt.queue, reference=reference, email=EMAIL))
    prepare_codes(rt.db)
    with rt.db.transaction() as session:
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "progress_code")).all()
        opening = session.scalars(select(ProgressCode.id).where(ProgressCode.request_id == case_id)).all()
    assert len(sent) == progress.MAX_CODES_PER_HOUR
    assert sorted(opening) == sorted(challenges[:progress.MAX_CODES_PER_HOUR])
    for challenge in challenges[progress.MAX_CODES_PER_HOUR:]:
        with rt.db.transaction() as session:
            result, opened = progress.check_code(session, secret_key=rt.settings.secret_key, challenge_id=challenge,
                                                 code="424242")
        assert (result, opened) == (progress.CheckResult.WRONG, None)
    with rt.db.transaction() as session:  # a challenge that was emailed still works
        result, opened = progress.check_code(session, secret_key=rt.settings.secret_key,
                                             challenge_id=challenges[0], code="424242")
    assert (result, opened) == (progress.CheckResult.OK, case_id)
