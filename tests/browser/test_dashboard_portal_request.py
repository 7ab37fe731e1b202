"""A request made through the portal, taken by officers from the case list to an extension, in Chromium.

tests/browser/test_dashboard.py starts from a letter an officer logs; this one starts where most requests
will: a citizen answers the portal's pages and uploads a photo of her passport. Then an officer signs in
with password and TOTP, finds the request under "All cases", opens the proof of identity (the opening is
audited), verifies it, pauses the clock for clarification and restarts it; a manager, in a browser of their
own, extends it with reasons. After every step the due date and working days left on the case page must be
exactly what ``rights clock`` prints for the same facts on the same day, and the requester's emails must
say what was done.

The dates are the worked example of legal-rules.md: received Mon 2 Mar 2026, clarification asked 5 Mar and
answered 12 Mar (8 days excluded), due Fri 10 Apr 2026. The portal stamps a request with the time it is
sent (``rights.submission.utcnow``), so the test sets that one clock to 2 Mar 2026, as it pins the
dashboard's "today" through ``app.config["RIGHTS_TODAY"]``; everything else runs as in production.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rights import submission
from rights.models import AuditEvent, Document, RightsRequest
from tests.browser.conftest import assert_accessible, open_page
from tests.browser.portal_pages import Citizen
from tests.browser.staff_pages import cli_clock, do_action, due, set_today, short, sign_in
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff
from tests.portal_journeys import PNG, journey

SENT_AT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)  # Mon 2 Mar 2026, 09:15 in London (GMT)
RECEIVED = "2026-03-02"
EMAIL = "amelia.hart@example.org"
ASKED_FOR = "My records from the Oak House children's home.\nOnly 2015 to 2018, please."
CLARIFICATION = "Which of the four teams that worked with you do you mean by 'the office'?"
EXTENSION_REASON = "Records are held by four services and run to 3,000 pages."


def send_portal_request(live_server: Any, browser: Any) -> str:
    """A citizen asks for her records through the portal, with a passport photo; returns the reference."""
    with open_page(browser) as home:
        citizen = Citizen(home, live_server.url)
        citizen.go("/request/who")
        for step, data in journey("access", "self_adult", email=EMAIL):
            assert home.url.endswith(f"/request/{step}"), (step, home.url)
            answer = {"first": ASKED_FOR} if step == "details" else dict(data)
            if step == "proof-of-id":
                answer["file"] = (PNG, "passport.png")
            citizen.answer(answer)
        citizen.answer({"declaration": "y"})
        assert home.url.endswith("/request/confirmation")
        reference = re.search(r"SAR-\d{4}-\d{5}", home.locator(".govuk-panel").inner_text()).group(0)
        confirmation = home.locator("main").inner_text()
        assert "2 April 2026" in confirmation and "This date may change" not in confirmation  # ID came with it
    return reference


def clock_agrees(page: Any, today: str, *facts: str) -> dict[str, Any]:
    """The case page's due date and working days left are exactly what ``rights clock`` says today."""
    expected = cli_clock("--type", "access", "--received", RECEIVED, *facts, "--today", today)
    assert due(page) == short(expected["due"])
    assert page.locator("#days-left").inner_text().strip() == str(expected["working_days_left"])
    return expected


def summary_value(page: Any, key: str) -> str:
    """The value beside ``key`` in the case page's summary lists."""
    key_cell = page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    row = page.locator(".govuk-summary-list__row").filter(has=key_cell)
    return str(row.locator(".govuk-summary-list__value").inner_text()).strip()


def on_case_page(page: Any, reference: str) -> None:
    assert page.url.endswith(f"/staff/cases/{reference}"), page.url
    assert "done" in page.locator(".govuk-notification-banner").inner_text()


def test_officers_take_a_portal_request_from_the_case_list_to_an_extension(
        live_server, browser, page, mailbox, monkeypatch) -> None:
    rt = live_server.rt
    monkeypatch.setattr(submission, "utcnow", lambda: SENT_AT)
    officer = make_staff(rt, "officer", name="Olivia Officer")
    manager = make_staff(rt, "manager", name="Manon Manager")
    with rt.db.transaction() as session:  # another open case, so finding the right one means something
        other = make_request(session, channel="letter",
                             subject=make_person(given_names="Ben", family_name="Ode", email=None)).reference

    reference = send_portal_request(live_server, browser)
    acknowledgement = mailbox.wait_for(EMAIL, subject_contains=reference).get_body(("plain",)).get_content()
    assert "2 April 2026" in acknowledgement and "Thank you for sending proof of identity" in acknowledgement

    # Wed 4 Mar: the officer signs in and finds the request among all cases (it is nobody's yet).
    today = "2026-03-04"
    set_today(live_server, today)
    sign_in(page, live_server, officer)
    page.get_by_role("link", name="All cases").click()
    page.wait_for_url(re.compile(r".*/staff/cases\?view=all$"))
    assert page.locator("#cases-table tbody tr").count() == 2
    page.get_by_label("Reference or subject's name").fill(reference)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r".*[?&]q="))
    rows = page.locator("#cases-table tbody tr")
    assert rows.count() == 1 and other not in rows.first.inner_text()
    row = page.locator(f'tr[data-reference="{reference}"]')
    received_only = cli_clock("--type", "access", "--received", RECEIVED, "--today", today)
    cells = row.locator("td").all_inner_texts()
    assert cells[1:5] == [reference, "Access", "Amelia Hart", "Received"]
    assert cells[5] == "2 Apr 2026" and cells[6].strip() == str(received_only["working_days_left"]) == "21"
    assert_accessible(page)
    row.get_by_role("link", name=reference).click()
    page.wait_for_selector("#due-date")

    assert (summary_value(page, "Received by"), summary_value(page, "Identity")) == ("The online form",
                                                                                     "Not verified yet")
    assert summary_value(page, "What they asked for") == ASKED_FOR
    assert clock_agrees(page, today)["due"] == "2026-04-02"

    # The proof of identity the citizen uploaded: the officer downloads it, and the opening is audited.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download passport.png").click()
    assert Path(download.value.path()).read_bytes() == PNG
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).one()
        assert (request.channel, request.received_on.isoformat()) == ("web", RECEIVED)
        proof = session.scalars(select(Document).where(Document.request_id == request.id)).one()
        assert proof.purpose == "proof_of_id"
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.viewed")).one()
        assert (viewed.actor, viewed.request_id, viewed.target) == (f"user:{officer.id}", request.id,
                                                                    f"document:{proof.id}")
        assert viewed.detail["purpose"] == "proof_of_id"

    # Identity came with the request, so verifying it leaves the clock where it started. Receiving the
    # document verified nothing: the officer records how they verified it.
    page.get_by_role("link", name="Verify identity", exact=True).click()
    page.get_by_label("Identity document seen").check()
    page.get_by_role("button", name="Verify identity").click()
    on_case_page(page, reference)
    assert "Identity document seen" in page.locator("#decisions").inner_text()
    assert summary_value(page, "Identity") == "Verified"
    clock_agrees(page, today)

    # Thu 5 Mar: pause for clarification; the date is provisional while the question is open.
    today = "2026-03-05"
    set_today(live_server, today)
    do_action(page, "Pause the clock for clarification", date=(5, 3, 2026), reason=CLARIFICATION)
    on_case_page(page, reference)
    assert "Provisional" in page.locator("#clock").inner_text()
    assert clock_agrees(page, today, "--pause", "2026-03-05:")["provisional"] is True
    letter = mailbox.wait_for(EMAIL, subject_contains="Please tell us more").get_body(("plain",)).get_content()
    assert reference in letter and CLARIFICATION in letter

    # Thu 12 Mar: the answer arrives; 5 to 12 March (both included) do not count.
    today = "2026-03-12"
    set_today(live_server, today)
    do_action(page, "Record the clarification received", date=(12, 3, 2026))
    on_case_page(page, reference)
    paused = clock_agrees(page, today, "--pause", "2026-03-05:2026-03-12")
    assert (due(page), paused["paused_days"], paused["extension_notice_by"]) == ("Fri 10 Apr 2026", 8, "2026-04-10")
    assert "Extend by two months" not in page.locator("#actions").inner_text()  # officers cannot

    # Mon 16 Mar: a manager, at their own desk, extends with reasons before the notice deadline.
    today = "2026-03-16"
    set_today(live_server, today)
    with open_page(browser) as desk:
        sign_in(desk, live_server, manager)
        desk.goto(live_server.path(f"/staff/cases/{reference}"))
        do_action(desk, "Extend by two months", reason=EXTENSION_REASON)
        on_case_page(desk, reference)
        extended = clock_agrees(desk, today, "--pause", "2026-03-05:2026-03-12", "--extended")
        assert due(desk) == "Wed 10 Jun 2026"
        assert f"Due: {short(extended['due'])}." in desk.locator("#clock-explanation").text_content()
        assert_accessible(desk)
    letter = mailbox.wait_for(EMAIL, subject_contains="more time").get_body(("plain",)).get_content()
    assert EXTENSION_REASON in letter and "10 June 2026" in letter and "2 March 2026" in letter

    # The officer's list shows the new date too (from the stored cache the clock refreshed).
    page.goto(live_server.path(f"/staff/cases?view=all&q={reference}"))
    cells = page.locator(f'tr[data-reference="{reference}"] td').all_inner_texts()
    assert cells[5] == "10 Jun 2026" and cells[6].strip() == str(extended["working_days_left"])
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).one()
        assert (request.due_on.isoformat(), request.id_verified) == (extended["due"], True)
