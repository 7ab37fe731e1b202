"""Searches in Chromium: an officer starts the search of a request whose subject has a look-alike, reads the
panel and settles the match waiting for review; the record holder opens their task. axe-clean pages.

Jobs run on the live server's in-process worker (the real Redis queue), so the page is reloaded until
the searches have finished.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import assert_accessible
from tests.browser.staff_pages import set_today, sign_in, sign_out
from tests.factories import make_request
from tests.integration.staff_support import make_staff
from tests.integration.test_search_pages import CSC, transposed_subject


def reload_until(page: Any, ready: str, timeout: float = 60.0) -> None:
    """Reload until the selector ``ready`` is on the page and no search is still queued or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = page.locator("#searches ~ section .govuk-tag", has_text=re.compile("^(Queued|Running)$")).count()
        if page.locator(ready).count() and not busy:
            return
        time.sleep(0.5)
        page.reload()
    raise AssertionError(f"{ready} did not appear within {timeout}s: {page.locator('main').inner_text()[:2000]}")


def csc_section(page: Any) -> Any:
    """The social care search's section, found by its heading: other sections' explanations name that
    system too once its accepted record lends evidence to them."""
    return page.locator("section.app-search-task", has=page.locator("h3", has_text=CSC))


def test_officer_settles_a_look_alike_search_and_the_record_holder_sees_their_task(live_server, page) -> None:
    rt = live_server.rt
    officer = make_staff(rt, "officer", name="Olivia Officer")
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",), name="Rory Recordholder")
    person, csc_id = transposed_subject()
    with rt.db.transaction() as session:
        reference = make_request(session, subject=person, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                                 services=["childrens_social_care"]).reference
    set_today(live_server, "2026-03-09")

    sign_in(page, live_server, officer)
    page.goto(live_server.path(f"/staff/cases/{reference}"))
    page.get_by_role("link", name="Start the search", exact=True).click()
    page.get_by_role("button", name="Start the search").click()
    page.wait_for_selector("#case-status")
    assert page.locator("#case-status").inner_text() == "Searching"
    reload_until(page, "#searches-waiting")
    task = csc_section(page)
    assert task.locator(".govuk-tag", has_text="Needs review").count() == 1
    row = task.locator("tr", has_text=csc_id)
    row.locator("summary", has_text="Why this score").click()
    assert "date of birth" in row.locator(".govuk-details__text").inner_text().lower()
    assert_accessible(page)

    row.get_by_role("button", name=re.compile(r"^Accept")).click()
    page.wait_for_selector(".govuk-notification-banner")
    assert "accepted as the subject" in page.locator(".govuk-notification-banner").inner_text()
    reload_until(page, "#gathered-records + table a")
    task = csc_section(page)
    assert "Officer accepted" in task.inner_text()
    assert page.locator("#searches-waiting").count() == 0 or "1 possible match" not in page.content()
    page.locator("#gathered-records + table a").first.click()
    page.wait_for_selector("h1")
    assert_accessible(page)

    page.goto(live_server.path(f"/staff/cases/{reference}"))
    page.get_by_role("link", name=re.compile("^Search log")).click()
    page.wait_for_selector(f"#log-{CSC}")
    assert "Olivia Officer" in page.locator("main").inner_text()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server, holder)
    page.get_by_role("link", name="Your search tasks").click()
    page.wait_for_selector("#search-tasks")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"^{reference}")).click()
    page.wait_for_selector("#holder-confirmation")
    assert csc_id in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("Note for the search log (optional)").fill("Searched LCS and the paper archive.")
    page.get_by_role("button", name="Confirm the search").click()
    page.wait_for_selector(".govuk-notification-banner")
    assert "confirmed by Rory Recordholder" in page.locator("#holder-confirmation").inner_text()
    assert_accessible(page)
