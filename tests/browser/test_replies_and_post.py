"""In Chromium: a requester sends the proof asked for after the progress code; an officer prints and posts a
letter from the "to post" list (from its PDF twin, once the job has rendered it). Screenshots of the new
pages go to ``$RIGHTS_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rights import cases
from rights.cases import Actor
from rights.models import ClockEvent, Document, PostItem, RightsRequest
from tests.browser.conftest import assert_accessible
from tests.browser.portal_pages import Citizen
from tests.browser.staff_pages import fill_date, sign_in
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff
from tests.portal_journeys import PDF

EMAIL = "sam.parent@example.org"


def shot(page: Any, name: str, **kw: Any) -> None:
    folder = os.environ.get("RIGHTS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, **kw)


def test_requester_uploads_the_proof_asked_for_after_the_code(live_server, page, mailbox) -> None:
    officer = make_staff(live_server.rt, "officer", email="case.officer@council.example")
    rt = live_server.rt
    with rt.db.transaction() as session:
        request = make_request(session, requester_role="parent", requester=make_person(given_names="Sam", email=EMAIL),
                               assignee_id=officer.id, received_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
        on = datetime.now(UTC).date()
        cases.ask_for_identity(session, rt.queue, request, Actor(officer.id, "officer"), on=on, today=on)
        reference, request_id = request.reference, request.id

    citizen = Citizen(page, live_server.url)
    citizen.go("/progress")
    citizen.answer({"reference": reference.lower().replace("-", " "), "email": EMAIL})
    citizen.answer({"code": "12345"})  # one digit short: a format message, not a wrong-code one
    assert citizen.expect_errors() == ["Enter the code in the correct format: 6 numbers, like 123456"]
    msg = mailbox.wait_for(to=EMAIL, subject_contains="code")
    code = re.search(r"Your code is (\d{6})", msg.get_body(("plain",)).get_content()).group(1)
    citizen.answer({"code": code})
    assert page.url.endswith("/progress/status")
    main = page.locator("main")
    assert "Send us what we asked for" in main.inner_text()
    assert_accessible(page)
    shot(page, "progress-upload")

    page.set_input_files("#proof_of_id-file", files=[{"name": "passport.pdf", "mimeType": "application/pdf",
                                                       "buffer": PDF}])
    with page.expect_navigation():
        page.get_by_role("button", name="Send proof of identity").click()
    assert "We have received proof of identity" in main.inner_text()
    assert "Send us what we asked for" not in main.inner_text()
    assert_accessible(page)
    shot(page, "progress-upload-received")

    with rt.db.transaction() as session:
        kinds = session.scalars(select(ClockEvent.kind).where(ClockEvent.request_id == request_id)).all()
        assert "id_received" in kinds
        purposes = session.scalars(select(Document.purpose).where(Document.request_id == request_id)).all()
        assert purposes.count("proof_of_id") == 1  # beside it, the PDF copy of the letter that asked for it
        assert set(purposes) <= {"proof_of_id", "letter"}
    told = mailbox.wait_for(to="case.officer@council.example", subject_contains=reference)
    assert f"{live_server.url}/staff/cases/{reference}" in told.get_body(("plain",)).get_content()


def test_officer_prints_and_marks_a_letter_posted(live_server, page) -> None:
    rt = live_server.rt
    officer = make_staff(rt, "officer")
    address = {"lines": ["12 Mill Lane", "Exampleton"], "postcode": "EX1 2AB", "current": True}
    with rt.db.transaction() as session:
        request = make_request(session, subject=make_person(email=None, addresses=[address]), contact_method="post",
                               received_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
        on = datetime.now(UTC).date()
        cases.ask_for_identity(session, rt.queue, request, Actor(officer.id, "officer"), on=on, today=on)
        reference, request_id = request.reference, request.id

    sign_in(page, live_server, officer)
    page.get_by_role("link", name="To post").click()
    page.wait_for_url("**/staff/post")
    table = page.locator("#to-post")
    assert reference in table.inner_text() and "12 Mill Lane, Exampleton, EX1 2AB" in table.inner_text()
    assert_accessible(page)
    shot(page, "post-list")

    wait_for_pdf(rt, request_id)  # the in-process worker renders the letter's PDF twin and names it on the entry
    page.reload()
    page.get_by_role("link", name="Print the letter").click()
    page.wait_for_url("**/print")
    assert "EX1 2AB" in page.locator("#letter-address").inner_text()
    pdf_link = page.get_by_role("link", name="The letter (PDF)")
    response = page.request.get(live_server.url + str(pdf_link.get_attribute("href")))
    assert response.headers["content-type"] == "application/pdf" and b"%PDF" in response.body()[:8]
    assert page.locator("#letter-text").count() == 0  # the PDF is printed, not the plain text
    assert_accessible(page)
    shot(page, "post-print")

    page.go_back()
    today = date.today()
    fill_date(page, f"p{_item_id(rt, request_id)}-on", today.day, today.month, today.year)
    page.get_by_role("button", name=re.compile("Mark as posted")).click()
    page.wait_for_load_state()
    assert "There are no letters waiting to be posted." in page.locator("main").inner_text()
    assert reference in page.locator("#posted").inner_text()
    assert_accessible(page)
    with rt.db.transaction() as session:
        item = session.scalars(select(PostItem).where(PostItem.request_id == request_id)).one()
        assert (item.status, item.posted_on) == ("posted", today)
        assert session.get(RightsRequest, request_id).contact_method == "post"


def wait_for_pdf(rt: Any, request_id: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rt.db.transaction() as session:
            if session.scalars(select(PostItem.document_ref).where(PostItem.request_id == request_id)).one():
                return
        time.sleep(0.5)
    raise AssertionError("the letter's PDF was never named on its entry in the post list")


def _item_id(rt: Any, request_id: int) -> int:
    with rt.db.transaction() as session:
        return int(session.scalars(select(PostItem.id).where(PostItem.request_id == request_id)).one())
