"""The other three request types in real headless Chromium, end to end.

tests/browser/test_portal.py drives access, erasure and rectification; here the remaining types, each
with a different kind of requester so other wording and branches are driven through the real UI:
restriction by a young person asking for themself (the words for children), objection by an adult with a
PDF proof of identity, and a complaint by a parent about their child's information, to be contacted by
email and post (a complaint asks no period and no proof of identity, and its date is the acknowledgement
date under DPA s.164A). Each checks the confirmation page, the database rows and the acknowledgement as
received by the aiosmtpd server; axe runs on the pages these journeys show that the others do not.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from rights import clock
from rights.models import RightsRequest
from tests.browser.conftest import assert_accessible
from tests.browser.portal_pages import Citizen
from tests.browser.test_portal import acknowledgement, complete, confirmation_and_rows, documents_are_encrypted
from tests.portal_journeys import DETAILS, PDF, journey

Steps = list[tuple[str, dict[str, Any]]]


def london_today() -> date:
    return datetime.now(clock.LONDON).date()


def answer_until(citizen: Citizen, steps: Steps, stop: str, check_pages: set[str] | None = None) -> Steps:
    """Answer every page before ``stop`` and return the rest, ``stop`` first."""
    at = [name for name, _ in steps].index(stop)
    complete(citizen, steps[:at], errors_first=False, check_pages=check_pages)
    return steps[at:]


def errors_when_sent_empty(citizen: Citizen) -> list[str]:
    """Send the page with nothing filled in; it and its error state must pass axe."""
    assert_accessible(citizen.page)
    citizen.continue_()
    errors = citizen.expect_errors()
    assert_accessible(citizen.page)
    return errors


def rights_request_due(request: RightsRequest) -> date:
    """The Art 12A one-month date the clock gives for a request received on its received date."""
    return clock.compute(clock.ClockInput(clock.RequestKind(request.kind), request.received_on)).due


def plain_text(msg: Any) -> str:
    return str(msg.get_body(("plain",)).get_content())


# ---------------------------------------------------------------- restriction: a young person


def test_young_person_asks_us_to_stop_using_information_for_now(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/request/who")
    steps = journey("restriction", "self_child", email="jordan.reed@example.org")
    rest = answer_until(citizen, steps, "details", check_pages={"type"})  # the children's choices and hints
    assert page.title().startswith("What do you want us to stop using for now?")
    assert errors_when_sent_empty(citizen) == ["Tell us what information", "Tell us why"]
    complete(citizen, rest, errors_first=False)

    assert page.url.endswith("/request/check")
    main = page.locator("main").inner_text()
    assert "Ask you to stop using information about me for now" in main and "What you told us" in main
    assert errors_when_sent_empty(citizen) == ["Tick the box to promise that what you have told us is true"]
    before = london_today()
    citizen.answer({"declaration": "y"})

    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"REST-\d{4}-00001", request.reference)
    assert before <= request.received_on <= london_today()
    assert request.due_on == rights_request_due(request)
    main = page.locator("main").inner_text()
    assert "This date may change" in main  # no proof of identity was sent
    # After a young person's own request the next steps are in the same simple words as the questions.
    assert "If we need to check who you are, we will ask you" in main
    assert "You did not send anything to show who you are" in main
    assert "If the request is complex" not in main
    with live_server.rt.db.transaction() as session:
        row = session.get(RightsRequest, request.id)
        assert (row.kind, row.requester_role, row.channel) == ("restriction", "self_child", "web")
        assert row.requester_id == row.subject_id
        assert (row.subject.given_names, row.subject.family_name, row.subject.date_of_birth, row.subject.email) == (
            "Jordan", "Reed", date(2014, 9, 2), "jordan.reed@example.org")
        assert row.details == {**DETAILS["restriction"], "contact_methods": ["email"], "evidence_pending": True}
        assert (row.period_from, row.period_to) == (date(2015, 1, 1), date(2020, 12, 31))
        assert row.documents == []
    text = plain_text(acknowledgement(mailbox, "jordan.reed@example.org", request))
    assert "request to restrict the use of information" in text
    assert "You did not send anything to show who you are" in text
    assert "passport, driving licence" not in text


# ---------------------------------------------------------------- objection: an adult


def test_adult_objects_with_a_pdf_proof_of_identity(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/request/who")
    steps = journey("objection", "self_adult", email="amelia.hart@example.org")
    steps = [(name, {"format": "large_print"} if name == "format" else data) for name, data in steps]
    rest = answer_until(citizen, steps, "details")
    assert page.title().startswith("What do you object to?")
    assert errors_when_sent_empty(citizen) == ["Enter what you object to", "Enter why you object"]
    complete(citizen, rest, errors_first=False, files={"proof-of-id": (PDF, "passport-scan.pdf")})
    assert "passport-scan.pdf" in page.locator("main").inner_text()  # on "check your answers"
    citizen.answer({"declaration": "y"})

    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"OBJ-\d{4}-00001", request.reference)
    assert request.due_on == rights_request_due(request)
    assert "This date may change" not in page.locator("main").inner_text()  # ID came with the request
    with live_server.rt.db.transaction() as session:
        row = session.get(RightsRequest, request.id)
        assert (row.kind, row.requester_role, row.authority_basis) == ("objection", "self_adult", "none_needed")
        assert row.requester_id == row.subject_id
        assert (row.subject.given_names, row.subject.family_name, row.subject.date_of_birth) == (
            "Amelia", "Hart", date(1990, 5, 17))
        assert row.preferred_format == "large_print"
        assert row.details == {**DETAILS["objection"], "contact_methods": ["email"], "evidence_pending": False}
        assert [d.purpose for d in row.documents] == ["proof_of_id"]
    documents_are_encrypted(live_server, request.id, [PDF])
    text = plain_text(acknowledgement(mailbox, "amelia.hart@example.org", request))
    assert "objection to the use of information" in text
    assert "Thank you for sending proof of identity" in text


# ---------------------------------------------------------------- complaint: a parent, by email and post


def test_parent_complains_about_how_a_childs_information_was_handled(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/request/who")
    steps = journey("complaint", "parent", email="sam.reed@example.org")
    names = [name for name, _ in steps]
    assert "period" not in names and "proof-of-id" not in names  # complete() checks each page comes in order
    postal = {"line1": "7 Abbey Foregate", "town": "Shrewsbury", "postcode": "sy2 6ab"}
    steps[names.index("contact")] = ("contact", {"methods": ["email", "post"], "email": "sam.reed@example.org",
                                                 **postal})
    rest = answer_until(citizen, steps, "details")
    assert page.title().startswith("Tell us about your complaint")
    assert errors_when_sent_empty(citizen) == ["Enter what happened", "Enter what you would like us to do"]
    complete(citizen, rest, errors_first=False)

    assert page.url.endswith("/request/check")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "Now send your complaint" in main and "7 Abbey Foregate" in main
    assert "Period" not in main and "Proof of identity" not in main
    before = london_today()
    citizen.answer({"declaration": "y"})

    assert page.title().startswith("Complaint sent"), page.title()
    assert_accessible(page)
    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"DPC-\d{4}-00001", request.reference)
    assert before <= request.received_on <= london_today()
    ack_by = clock.compute(clock.ClockInput(clock.RequestKind.COMPLAINT, request.received_on)).acknowledge_by
    assert request.due_on == ack_by
    main = page.locator("main").inner_text()
    assert f"received your complaint by {clock.long_date(ack_by)}" in main
    assert "We must reply" not in main and "This date may change" not in main
    with live_server.rt.db.transaction() as session:
        row = session.get(RightsRequest, request.id)
        assert (row.kind, row.requester_role, row.authority_basis) == ("complaint", "parent", "parental_responsibility")
        assert (row.child_age, row.child_view, row.relationship_note) == (12, "knows_agrees", "parent")
        assert (row.subject.given_names, row.subject.date_of_birth) == ("Jordan", date(2014, 9, 2))
        assert (row.requester.given_names, row.requester.email) == ("Sam", "sam.reed@example.org")
        assert row.requester.addresses == [{"lines": ["7 Abbey Foregate", "Shrewsbury"], "postcode": "SY2 6AB",
                                            "current": True}]
        assert row.contact_method == "email,post"
        assert (row.period_from, row.period_to) == (None, None)
        assert row.details == {**DETAILS["complaint"], "contact_methods": ["email", "post"],
                               "evidence_pending": False}
        assert row.documents == []
    msg = acknowledgement(mailbox, "sam.reed@example.org", request)
    assert str(msg["Subject"]).startswith("We have received your complaint")
    text = plain_text(msg)
    assert "complaint about how we handled information about Jordan Reed" in text
    assert f"We will acknowledge your complaint by {clock.long_date(ack_by)}" in text
    assert "PROOF OF IDENTITY" not in text
