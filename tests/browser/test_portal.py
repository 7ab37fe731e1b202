"""The public portal in real headless Chromium: three complete journeys, check progress, and axe-core on
every page with and without errors (strict CSP; a violation fails the test through the page fixture).

The other request types run end to end through the test client (tests/integration/test_portal_journey.py);
here: access (an adult, with proof of identity), erasure (a parent for a child), rectification (a solicitor
with an authority upload). Each checks the confirmation page, the database rows and the acknowledgement
as received by the aiosmtpd server.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from rights import clock
from rights.models import Document, RightsRequest
from rights.security import store_for
from tests.browser.conftest import assert_accessible
from tests.browser.portal_pages import Citizen
from tests.factories import make_person, make_request
from tests.portal_journeys import EXE, JPEG, PDF, PNG, WRONG_NHS, XSS, child_age, journey

#: Input that makes an optional page show an error, so its error state is checked too.
BAD: dict[str, dict[str, Any]] = {
    "previous-names": {"names": "x" * 1001},
    "date-of-birth": {"date": ["31", "2", "1990"]},
    "previous-addresses": {"line1": "3 Old Road", "town": "Ludlow", "postcode": "NOT A POSTCODE"},
    "nhs-number": {"nhs_number": WRONG_NHS},
    "period": {"from_year": "15", "to_year": "2020"},
    "proof-of-id": {"file": (EXE, "passport.pdf")},
    "authority": {"basis": "signed_consent", "file": (EXE, "authority.pdf")},
    "adjustments": {"adjustments": "x" * 2001},
}
BAD_ACCESS_DETAILS = {"first": "x" * 5001}  # optional for access: empty means everything


def complete(citizen: Citizen, steps: list[tuple[str, dict[str, Any]]], *, errors_first: bool,
             files: dict[str, tuple[bytes, str]] | None = None, check_pages: set[str] | None = None) -> None:
    """Answer each page; with ``errors_first``, first show and check its error state (empty or bad input)."""
    files = files or {}
    for step, data in steps:
        assert citizen.page.url.endswith(f"/request/{step}"), (step, citizen.page.url)
        if errors_first or (check_pages and step in check_pages):
            assert_accessible(citizen.page)
            bad = BAD_ACCESS_DETAILS if step == "details" and "second" not in data else BAD.get(step)
            if bad:
                citizen.answer(bad)
            else:
                citizen.continue_()
            assert citizen.expect_errors(), step
            assert_accessible(citizen.page)
            if step == "authority":  # the kind of authority was chosen; the refused file was not kept
                assert citizen.page.locator(".govuk-summary-list").count() == 0
        answer = dict(data)
        if step in files:
            answer["file"] = files[step]
        citizen.answer(answer)


def confirmation_and_rows(live_server: Any, page: Any) -> RightsRequest:
    panel = page.locator(".govuk-panel").inner_text()
    assert "<" not in panel
    reference = re.search(r"[A-Z]+-\d{4}-\d{5}", panel).group(0)
    with live_server.rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).one()
        assert request.subject is not None and request.requester is not None
        session.expunge_all()
    assert clock.long_date(request.due_on) in page.locator("main").inner_text()
    return request


def documents_are_encrypted(live_server: Any, request_id: int, expected: list[bytes]) -> None:
    settings = live_server.rt.settings
    store = store_for(settings.upload_dir, settings.encryption_keys)
    with live_server.rt.db.transaction() as session:
        docs = session.scalars(select(Document).where(Document.request_id == request_id).order_by(Document.id)).all()
        assert len(docs) == len(expected)
        for doc, content in zip(docs, expected, strict=True):
            raw = store.raw(doc.storage_key)
            assert raw != content and content not in raw
            assert store.get(doc.storage_key) == content


def acknowledgement(mailbox: Any, to: str, request: RightsRequest) -> Any:
    msg = mailbox.wait_for(to=to, subject_contains=request.reference)
    text = msg.get_body(("plain",)).get_content()
    assert request.reference in text
    assert clock.long_date(request.due_on) in text
    return msg


# ---------------------------------------------------------------- three journeys


def test_adult_asks_for_a_copy_with_proof_of_id_every_page_checked_with_errors(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    steps = journey("access", "self_adult", email="amelia@example.org")
    for _step, data in steps:  # HTML and script typed into free text must stay text
        for key in ("names", "adjustments"):
            if key in data:
                data[key] = XSS
    steps[-4] = ("proof-of-id", {})
    complete(citizen, steps, errors_first=True, files={"proof-of-id": (PNG, "passport.png")})

    assert page.url.endswith("/request/check")
    assert_accessible(page)
    assert XSS in page.locator("main").inner_text()  # shown as text, not run
    citizen.continue_()  # no declaration ticked
    assert citizen.expect_errors() == ["Confirm that the information you have given is correct"]
    assert_accessible(page)
    citizen.answer({"declaration": "y"})

    assert page.url.endswith("/request/confirmation")
    assert_accessible(page)
    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"SAR-\d{4}-00001", request.reference)
    assert "This date may change" not in page.locator("main").inner_text()  # ID came with the request
    documents_are_encrypted(live_server, request.id, [PNG])
    msg = acknowledgement(mailbox, "amelia@example.org", request)
    assert "Thank you for sending proof of identity" in msg.get_body(("plain",)).get_content()
    assert citizen.dialogs == []


def test_parent_asks_to_delete_a_childs_information(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/request/who")
    steps = journey("erasure", "parent", email="sam.reed@example.org")
    complete(citizen, steps, errors_first=False, files={"proof-of-id": (JPEG, "licence.jpg")},
             check_pages={"requester", "child", "details", "contact"})
    assert "About the child" in page.locator("main").inner_text()
    citizen.answer({"declaration": "y"})
    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"ERAS-\d{4}-00001", request.reference)
    assert "This date may change" in page.locator("main").inner_text()  # parental responsibility is checked
    with live_server.rt.db.transaction() as session:
        row = session.get(RightsRequest, request.id)
        assert (row.requester_role, row.authority_basis, row.child_age, row.child_view) == (
            "parent", "parental_responsibility", child_age(), "knows_agrees")
        assert (row.subject.given_names, row.requester.given_names, row.requester.email) == (
            "Jordan", "Sam", "sam.reed@example.org")
        assert row.details["first"] == "Photographs of my child in the 2021 early help file."
    documents_are_encrypted(live_server, request.id, [JPEG])
    acknowledgement(mailbox, "sam.reed@example.org", request)


def test_solicitor_asks_for_a_correction_with_an_authority_upload(live_server, page, mailbox) -> None:
    citizen = Citizen(page, live_server.url)
    citizen.go("/request/who")
    steps = journey("rectification", "representative", email="p.shah@shah-solicitors.example")
    complete(citizen, steps, errors_first=False, files={"authority": (PDF, "signed-authority.pdf")},
             check_pages={"requester", "authority"})
    citizen.answer({"declaration": "y"})
    assert_accessible(page)
    request = confirmation_and_rows(live_server, page)
    assert re.fullmatch(r"RECT-\d{4}-00001", request.reference)
    with live_server.rt.db.transaction() as session:
        row = session.get(RightsRequest, request.id)
        assert (row.requester_role, row.authority_basis) == ("representative", "signed_consent")
        assert row.requester.organisation == "Shah Solicitors"
        assert row.details == {"first": "My address on the 2019 assessment is wrong.",
                               "second": "It should say 4 Mill Lane.", "contact_methods": ["email"],
                               "evidence_pending": True, "representative_role": "solicitor"}
        assert [d.purpose for d in row.documents] == ["authority"]
    documents_are_encrypted(live_server, request.id, [PDF])
    msg = acknowledgement(mailbox, "p.shah@shah-solicitors.example", request)
    assert "or of your authority to act" in msg.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- check progress


def test_check_progress_with_a_code_from_the_email(live_server, page, mailbox) -> None:
    with live_server.rt.db.transaction() as session:
        request = make_request(session, requester_role="self_adult",
                               subject=make_person(email="amelia.parent@example.org"))
        reference, due = request.reference, request.due_on
    citizen = Citizen(page, live_server.url)
    citizen.go("/progress")
    assert_accessible(page)
    citizen.continue_()
    assert citizen.expect_errors() == ["Enter your reference", "Enter the email address you gave with your request"]
    assert_accessible(page)
    citizen.answer({"reference": reference, "email": "amelia.parent@example.org"})
    assert page.url.endswith("/progress/code")
    assert_accessible(page)
    citizen.answer({"code": "000000" if "000000" not in reference else "111111"})
    citizen.expect_errors()
    assert_accessible(page)
    msg = mailbox.wait_for(to="amelia.parent@example.org", subject_contains="code")
    code = re.search(r"Your code is (\d{6})", msg.get_body(("plain",)).get_content()).group(1)
    citizen.answer({"code": code})
    assert page.url.endswith("/progress/status")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert reference in main and clock.long_date(due) in main
    assert "We have received it" in main


# ---------------------------------------------------------------- information and error pages


def test_information_and_error_pages_are_accessible(live_server, page) -> None:
    from flask import abort

    from rights.web.access import public

    live_server.app.add_url_rule("/test-server-error", "test_server_error", public(lambda: abort(500)))
    live_server.app.config["PORTAL_LIMIT_CODE_REQUEST"] = "1 per minute"
    citizen = Citizen(page, live_server.url)
    for path, status, title in (
        ("/", 200, "Ask about the information we hold about you"),
        ("/privacy", 200, "Children's Services privacy notice"),
        ("/accessibility", 200, "Accessibility statement"),
        ("/cookies", 200, "Cookies"),
        ("/request/timed-out", 200, "Your answers have been deleted"),
        ("/no-such-page", 404, "Page not found"),
        ("/test-server-error", 500, None),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == status, path
        if title:
            assert page.title().startswith(title), page.title()
        assert "GOV.UK" not in page.locator("header").inner_text()
        assert_accessible(page)
    citizen.go("/progress")
    citizen.answer({"reference": "SAR-2026-09999", "email": "a@example.org"})
    citizen.go("/progress")
    citizen.fill({"reference": "SAR-2026-09999", "email": "a@example.org"})
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        citizen.continue_()
    assert info.value.status == 429
    assert_accessible(page)
    citizen.go("/progress")  # a form whose CSRF token was tampered with is refused, accessibly
    page.locator('main form input[name="csrf_token"]').evaluate("e => e.value = 'forged'")
    citizen.fill({"reference": "SAR-2026-09999", "email": "a@example.org"})
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        citizen.continue_()
    assert info.value.status == 400
    assert_accessible(page)
