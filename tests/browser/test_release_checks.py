"""A parent's request for a young child's records, in Chromium: release is refused, with every open check
listed, until identity, parental responsibility and every search are settled; a manager's override needs a
reason and shows on the case.

The case starts at "Ready to release" as a case approved before the checks existed would: the checks hold
at release whatever the stage, not only on the way there. Set ``RIGHTS_SCREENSHOTS`` to a folder to keep
full-page screenshots of the case page with its checklist.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rights import audit
from rights.bundles.versions import current_fingerprint
from rights.models import AuditEvent, BundleVersion, RightsRequest, SearchTask, WorkflowEvent
from tests.browser.conftest import assert_accessible, open_page
from tests.browser.staff_pages import set_today, sign_in
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("RIGHTS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def open_action(page: Any, label: str) -> None:
    page.locator("#actions").get_by_role("link", name=label, exact=True).click()
    page.wait_for_selector("h1")


def submit(page: Any) -> None:
    page.locator("#main-content form button[type=submit], #main-content form input[type=submit]").first.click()
    page.wait_for_load_state()


def test_parent_request_release_waits_for_its_checks(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    rt = live_server.rt
    officer = make_staff(rt, "officer", name="Olivia Officer")
    manager = make_staff(rt, "manager", name="Manon Manager")
    set_today(live_server, "2026-03-20")
    with rt.db.transaction() as session:
        child = make_person(given_names="Poppy", family_name="Hart", date_of_birth=date(2022, 1, 4))
        request = make_request(session, requester_role="parent", subject=child,
                               received_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        request.status = "ready"
        session.add(SearchTask(request_id=request.id, source="social_care_db", service="childrens_social_care",
                               source_type="sql", status="done", run_by="user:1"))
        session.flush()
        # An approved response matching the (empty) decisions: this walk is about the checks; preparing,
        # approving and downloading a real bundle are walked in tests/browser/test_release.py.
        session.add(BundleVersion(request_id=request.id, number=1, status="approved", pages=1, records=0, withheld=0,
                                  fingerprint=current_fingerprint(session, rt.cipher, request.id),
                                  letter_key="-", bundle_key="-", bundle_sha256="0" * 64, prepared_by="user:1",
                                  approved_by="user:2"))
        reference = request.reference
    case_url = live_server.path(f"/staff/cases/{reference}")

    with open_page(browser) as page:
        sign_in(page, live_server, officer)
        page.goto(case_url)
        checklist = page.locator("#checklist")
        for label in ("Identity verified", "Parental responsibility checked", "Every search confirmed or closed"):
            assert "Open" in checklist.locator("tr", has_text=label).inner_text()
        assert "cannot be overridden" in checklist.locator("tr", has_text="Identity verified").inner_text()
        assert "Child's competence" not in checklist.inner_text()  # four years old: no competence to judge
        shot(page, "case-checks-open")
        assert_accessible(page)

        # Release is refused, and the page says everything that is left, not only the first thing.
        open_action(page, "Release the response to the requester")
        refusal = page.locator("#blocked-checks").inner_text()
        for label in ("Identity verified", "Parental responsibility checked", "Every search confirmed or closed"):
            assert label in refusal
        assert page.get_by_role("button", name="Release the response to the requester").count() == 0
        shot(page, "release-refused")

        page.goto(case_url)
        open_action(page, "Verify identity")
        page.get_by_label("Known to the service").check()
        page.get_by_label("Note", exact=True).fill("Mother known to the family's social worker since 2022.")
        assert_accessible(page)
        submit(page)
        open_action(page, "Record parental responsibility checked")
        page.get_by_label("Birth certificate names them as a parent").check()
        submit(page)
        assert "Done" in page.locator("#check-identity_verified").inner_text()
        assert "Done" in page.locator("#check-parental_responsibility").inner_text()
        assert "Known to the service" in page.locator("#decisions").inner_text()

        open_action(page, "Release the response to the requester")  # the search is still not confirmed
        refusal = page.locator("#blocked-checks").inner_text()
        assert "Every search confirmed or closed" in refusal and "Identity verified" not in refusal

    with open_page(browser) as page:
        sign_in(page, live_server, manager)
        page.goto(case_url)
        open_action(page, "Override a check (manager)")
        page.get_by_label("Check to override").select_option("searches_settled")
        submit(page)  # no reason: refused
        assert "Give the reasons" in page.locator("main").inner_text()
        page.get_by_label("Why it is right to go on without it").fill(
            "The record holder has left; the team leader searched the system on 19 March.")
        submit(page)
        row = page.locator("#check-searches_settled").inner_text()
        assert "Overridden by Manon Manager: The record holder has left" in row
        assert "Every search confirmed or closed overridden" in page.locator("#timeline").locator("..").inner_text()
        shot(page, "case-checks-overridden")
        assert_accessible(page)
        # Staff pages use the page width; the search log prints without the site's navigation.
        assert page.locator("main").bounding_box()["width"] > 1000  # type: ignore[index]
        page.get_by_role("link", name="Search log").first.click()
        page.wait_for_url("**/search-log")  # the click returns before the next page has loaded
        page.wait_for_load_state()
        page.emulate_media(media="print")
        assert not page.locator(".govuk-service-navigation").is_visible()
        assert not page.locator(".govuk-header").is_visible()
        assert page.locator("h1").is_visible()
        page.emulate_media(media="screen")

    with open_page(browser) as page:
        sign_in(page, live_server, officer)
        page.goto(case_url)
        open_action(page, "Release the response to the requester")
        submit(page)
        assert page.locator("#case-status").inner_text() == "Released"

    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).one()
        assert request.status == "released"
        override = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.override_check")).one()
        reason = session.get(WorkflowEvent, override.detail["event_id"]).reason
        assert override.detail["check"] == "searches_settled" and "has left" in reason
        assert override.detail["reason_fingerprint"] == audit.fingerprint(reason)


def test_case_page_shows_what_the_requester_gave(live_server, page) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_case_given import portal_like_case

    officer = make_staff(live_server.rt, "officer", name="Olivia Officer")
    set_today(live_server, "2026-03-20")
    reference = portal_like_case(live_server.rt)
    sign_in(page, live_server, officer)
    page.goto(live_server.path(f"/staff/cases/{reference}"))
    assert page.locator("#adjustments").is_visible()
    assert "Large print" in page.locator("main").inner_text()
    shot(page, "case-what-they-gave")
    assert_accessible(page)
    page.get_by_role("link", name="Correct the subject's details").click()
    assert_accessible(page)
