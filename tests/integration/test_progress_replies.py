"""After the progress code, the requester sends what was asked for: the clock restarts, the officer is told.

Real PostgreSQL, the real portal app through the test client, the real upload checks and file store.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from rights import cases, clock, privacy_notice
from rights.cases import Actor
from rights.models import AuditEvent, ClockEvent, Document, OutboxMessage, RightsRequest, WorkflowEvent
from tests.factories import make_person, make_request
from tests.integration.portal_support import Portal, portal_app, prepare_codes
from tests.integration.staff_support import make_staff
from tests.portal_journeys import PDF, error_messages

EMAIL = "sam.parent@example.org"
TODAY = date(2026, 3, 10)


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    application = portal_app(settings)
    application.config["RIGHTS_TODAY"] = TODAY
    return application


@pytest.fixture
def portal(app) -> Portal:  # type: ignore[no-untyped-def]
    return Portal(app.test_client())


@pytest.fixture
def officer(rt):  # type: ignore[no-untyped-def]
    return make_staff(rt, "officer", email="case.officer@council.example")


def new_case(rt, officer, event: str, **firing) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A parent's access request, assigned to ``officer``, on which the officer fired ``event`` on 3 Mar."""
    with rt.db.transaction() as session:
        request = make_request(session, requester_role="parent", requester=make_person(given_names="Sam", email=EMAIL),
                               assignee_id=officer.id)
        cases.perform(session, rt.queue, request, Actor(officer.id, "officer"), event,
                      cases.Firing(on=date(2026, 3, 3), **firing), today=date(2026, 3, 3))
        return request.id, request.reference


def sign_in_with_code(portal: Portal, db, reference: str) -> None:  # type: ignore[no-untyped-def]
    portal.post("/progress", {"reference": reference.lower().replace("-", ""), "email": EMAIL})
    prepare_codes(db)
    with db.transaction() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "progress_code")
                               .order_by(OutboxMessage.id.desc())).first()
    code = re.search(r"Your code is (\d{6})", body).group(1)
    assert portal.post("/progress/code", {"code": code}).headers["Location"].endswith("/progress/status")


def officer_emails(db, request_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.body_text).where(
            OutboxMessage.request_id == request_id, OutboxMessage.template == "officer_requester_replied")))


def test_uploading_proof_of_identity_restarts_the_clock_and_tells_the_officer(rt, db, portal, officer) -> None:
    request_id, reference = new_case(rt, officer, "request_id")
    sign_in_with_code(portal, db, reference)
    page = portal.get("/progress/status").get_data(as_text=True)
    assert "Send us what we asked for" in page and "Upload proof of identity" in page
    assert "Upload proof of your authority" not in page  # not asked for

    refused = portal.post("/progress/send/proof_of_id", {"file": (io.BytesIO(b"MZ not a pdf"), "id.pdf")})
    assert refused.status_code == 400
    assert "The selected file must be a PDF, JPG or PNG" in error_messages(refused.get_data(as_text=True))

    response = portal.post("/progress/send/proof_of_id", {"file": (io.BytesIO(PDF), "passport.pdf")})
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    page = portal.get("/progress/status").get_data(as_text=True)
    assert "We have received proof of identity" in page and "10 March 2026" in page
    assert "Send us what we asked for" not in page  # nothing more is awaited

    with db.transaction() as session:
        request = session.get(RightsRequest, request_id)
        assert request.status == "received"
        # The month starts again from 10 Mar (Art 12A): due 10 Apr 2026, a Friday.
        assert request.due_on == date(2026, 4, 10)
        kinds = [(e.kind, e.on) for e in session.scalars(select(ClockEvent).where(ClockEvent.request_id == request_id))]
        assert ("id_received", TODAY) in kinds
        (doc,) = session.scalars(select(Document).where(Document.request_id == request_id)).all()
        assert doc.purpose == "proof_of_id" and doc.uploaded_by == "citizen" and doc.content_type == "application/pdf"
        assert rt.files.get(doc.storage_key) == PDF
        events = session.scalars(select(WorkflowEvent.event).where(WorkflowEvent.request_id == request_id)).all()
        assert "id_received" in events
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == request_id)).all()
        assert "case.id_received" in actions
    (told,) = officer_emails(db, request_id)
    assert f"{rt.settings.public_base_url}/staff/cases/{reference}" in told
    assert "Amelia" not in told  # the officer's email names nobody


def test_answering_a_clarification_ends_the_pause_today(rt, db, portal, officer) -> None:
    request_id, reference = new_case(rt, officer, "pause", reason="Which years do you mean?")
    sign_in_with_code(portal, db, reference)
    page = portal.get("/progress/status").get_data(as_text=True)
    assert "Your answer to our question" in page
    empty = portal.post("/progress/answer", {"answer": "   "})
    assert empty.status_code == 400 and "Enter your answer" in error_messages(empty.get_data(as_text=True))
    response = portal.post("/progress/answer", {"answer": "The years 2015 to 2018, at the Oak Road office."})
    assert response.status_code == 302
    with db.transaction() as session:
        request = session.get(RightsRequest, request_id)
        resumed = session.scalars(select(ClockEvent).where(ClockEvent.request_id == request_id,
                                                           ClockEvent.kind == "resumed")).one()
        assert resumed.on == TODAY
        # Received 2 Mar; paused 3-10 Mar (8 days, both inclusive): 2 Apr + 8 = Fri 10 Apr 2026.
        expected = clock.compute(clock.ClockInput(clock.RequestKind.ACCESS, date(2026, 3, 2),
                                                  pauses=(clock.Pause(date(2026, 3, 3), TODAY),)))
        assert request.due_on == expected.due == date(2026, 4, 10)
        reason = session.scalars(select(WorkflowEvent.reason).where(WorkflowEvent.request_id == request_id,
                                                                    WorkflowEvent.event == "resume")).one()
        assert "2015 to 2018" in reason
    assert len(officer_emails(db, request_id)) == 1
    assert "Your answer to our question" not in portal.get("/progress/status").get_data(as_text=True)


def test_nothing_can_be_sent_when_nothing_was_asked_for(rt, db, portal, officer) -> None:
    request_id, reference = new_case(rt, officer, "start_search")
    sign_in_with_code(portal, db, reference)
    assert "Send us what we asked for" not in portal.get("/progress/status").get_data(as_text=True)
    response = portal.post("/progress/send/proof_of_id", {"file": (io.BytesIO(PDF), "passport.pdf")})
    assert response.status_code == 400
    assert error_messages(response.get_data(as_text=True))[0].startswith("We are not waiting for this from you")
    with db.transaction() as session:
        assert session.scalars(select(Document).where(Document.request_id == request_id)).all() == []


def test_a_code_of_the_wrong_length_gets_a_format_message(rt, db, portal, officer) -> None:
    _, reference = new_case(rt, officer, "start_search")
    portal.post("/progress", {"reference": reference, "email": EMAIL})
    response = portal.post("/progress/code", {"code": "12345"})
    assert "Enter the code in the correct format: 6 numbers, like 123456" in error_messages(
        response.get_data(as_text=True))


def test_the_portal_refuses_an_adult_whose_date_of_birth_is_a_childs(portal) -> None:  # type: ignore[no-untyped-def]
    from tests.portal_journeys import journey

    for step, data in journey("access", "self_adult"):
        if step == "date-of-birth":
            break
        portal.answer(step, data)
    response = portal.post("/request/date-of-birth", {"date": ["1", "6", "2015"]})
    assert response.status_code == 400
    (message,) = error_messages(response.get_data(as_text=True))
    assert message.startswith("You said you are 18 or over, but this date of birth makes you 10.")


def test_a_postal_requester_is_acknowledged_by_post_with_our_contact_details(rt, db, portal) -> None:  # type: ignore[no-untyped-def]
    from rights.models import PostItem
    from tests.portal_journeys import journey

    steps = [(step, {"methods": ["post"], "email": "", "phone": ""} if step == "contact" else data)
             for step, data in journey("access", "self_adult")]
    portal.complete(steps)
    page = portal.submit().get_data(as_text=True)
    assert "We will post a confirmation letter to the address you gave us." in page
    assert "check the progress" not in page and "confirmation email" not in page
    contact = privacy_notice.council_contact()
    assert contact["council_phone"] in page and contact["council_email"] in page
    with db.transaction() as session:
        (letter,) = session.scalars(select(PostItem)).all()
        assert letter.kind == "acknowledgement" and letter.address.endswith("SY3 8HQ")
        assert "/progress" not in letter.text and contact["council_address"] in letter.text
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.template == "acknowledgement")).all() == []


def test_the_rate_limit_page_says_how_long_to_wait(app, portal) -> None:  # type: ignore[no-untyped-def]
    app.config["PORTAL_LIMIT_CODE_REQUEST"] = "1 per 10 minutes"
    portal.post("/progress", {"reference": "SAR-2026-00001", "email": EMAIL})
    response = portal.post("/progress", {"reference": "SAR-2026-00001", "email": EMAIL})
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 540 <= wait <= 600
    html = response.get_data(as_text=True)
    assert re.search(r"Wait (9|10) minutes and try again\.", html), re.findall(r"Wait[^.]*", html)
