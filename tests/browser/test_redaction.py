"""The redaction review in Chromium: an officer accepts one proposed redaction (by keyboard), accepts every
mention of one person across the request, adds a redaction by its words, includes the record, previews it
as disclosed, and withholds a scan; every page axe-clean."""

from __future__ import annotations

import os
import re
from typing import Any

from tests.browser.conftest import assert_accessible
from tests.browser.staff_pages import sign_in
from tests.integration.redaction_support import gathered_case
from tests.integration.staff_support import make_staff

SHOTS = os.environ.get("RIGHTS_SCREENSHOTS")  # a folder to save screenshots in, when set


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def banner(page: Any) -> str:
    page.wait_for_selector(".govuk-notification-banner")
    return page.locator(".govuk-notification-banner").inner_text()


def test_officer_reviews_redactions_and_decides_records(live_server, page, settings) -> None:  # type: ignore[no-untyped-def]
    rt = live_server.rt
    case = gathered_case(rt, settings)
    officer = make_staff(rt, "officer", name="Olivia Officer")
    sign_in(page, live_server, officer)
    page.goto(live_server.path(f"/staff/cases/{case['reference']}"))
    page.get_by_role("link", name="Review the records and redactions").click()
    page.wait_for_selector("#review-records")
    assert "0 of 3 records decided" in page.locator("#review-progress").inner_text()
    assert_accessible(page)
    shot(page, "review-list")

    page.get_by_role("link", name="Case note N-1").click()
    page.wait_for_selector("#record-text")
    assert page.locator("#record-text mark").count() >= 5
    assert_accessible(page)
    shot(page, "review-record")

    mother = page.locator("#redaction-list > li", has_text="“Joanne Hart”")
    assert "listed as involved: family member" in mother.inner_text()
    mother.get_by_role("button", name=re.compile(r"^Accept redaction")).focus()
    page.keyboard.press("Enter")  # keyboard-operable: a real button, no script needed
    assert "Redaction accepted" in banner(page)
    assert "Accepted" in page.locator("#redaction-list > li", has_text="“Joanne Hart”").inner_text()

    kyle = page.locator("#redaction-list > li", has_text="“Kyle Brook”")
    kyle.get_by_role("button", name=re.compile(r"^Accept all \d+ mentions")).click()
    assert re.search(r"\d+ mentions across the request accepted", banner(page))

    page.get_by_label("Words to redact").fill("shouted")
    page.locator("#add-code").select_option("TP")
    page.get_by_role("button", name="Add the redaction").click()
    assert "Redacted in 1 place" in banner(page)
    assert_accessible(page)

    page.get_by_role("button", name="Accept all proposed in this record and include it").click()
    assert "Record included" in banner(page)
    shot(page, "review-record-decided")
    page.get_by_role("link", name="Preview this record as it would be disclosed").click()
    page.wait_for_selector("#preview-text")
    preview = page.locator("#preview-text").inner_text()
    assert "[TP]" in preview and "Priya Shah" in preview
    assert not any(s in page.content() for s in ("Joanne", "Kyle Brook", "LS6 2AB", "shouted"))
    assert_accessible(page)
    shot(page, "review-preview")

    page.goto(live_server.path(f"/staff/cases/{case['reference']}/review/{case['scan']}"))
    assert "no text layer" in page.locator("main").inner_text()
    page.locator("#withhold-code").select_option("SWHARM")
    page.get_by_role("button", name="Withhold the whole record").click()
    assert "Record withheld (SWHARM)" in banner(page)
    assert_accessible(page)

    page.goto(live_server.path(f"/staff/cases/{case['reference']}/review"))
    assert "2 of 3 records decided" in page.locator("#review-progress").inner_text()
    shot(page, "review-list-after")
