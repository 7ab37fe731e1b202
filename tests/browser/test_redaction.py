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
    shot(page, "review-scan")
    page.locator("#withhold-code").select_option("SWHARM")
    page.get_by_role("button", name="Withhold the whole record").click()
    assert "Record withheld (SWHARM)" in banner(page)
    assert_accessible(page)

    page.goto(live_server.path(f"/staff/cases/{case['reference']}"))
    assert "(2 of 3 decided)" in page.locator("main").inner_text()
    page.get_by_role("link", name="Review the records and redactions").click()
    assert "2 of 3 records decided" in page.locator("#review-progress").inner_text()
    shot(page, "review-list-after")


def test_selecting_words_in_the_text_redacts_that_place_only(live_server, page, settings) -> None:  # type: ignore[no-untyped-def]
    """Dragging the mouse over "her" in "met her mother" fills in the form; only that place is redacted,
    not the "her" inside "mother" that typing the word would also redact."""
    from tests.integration.redaction_support import VISIT

    rt = live_server.rt
    case = gathered_case(rt, settings)
    sign_in(page, live_server, make_staff(rt, "officer", name="Olivia Officer"))
    page.goto(live_server.path(f"/staff/cases/{case['reference']}/review/{case['visit']}"))
    page.wait_for_selector("#record-text")
    assert page.locator("#selection-hint").is_visible()
    assert not page.locator("#add-selected-only").is_visible()  # nothing selected yet
    box = page.evaluate("""() => {
        const walker = document.createTreeWalker(document.getElementById("record-text"), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const i = node.data.indexOf(" her ");
            if (i < 0 || node.parentElement.closest("[data-not-text]")) continue;
            const range = document.createRange();
            range.setStart(node, i + 1);
            range.setEnd(node, i + 4);
            const r = range.getBoundingClientRect();
            return {left: r.left, right: r.right, y: r.top + r.height / 2};
        }
        return null;
    }""")
    assert box is not None
    page.mouse.move(box["left"] + 1, box["y"])
    page.mouse.down()
    page.mouse.move(box["right"] - 1, box["y"], steps=5)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('add-words').value !== ''")
    assert page.locator("#add-words").input_value() == "her"
    assert page.locator("#add-at").input_value() == str(VISIT.index(" her ") + 1)
    assert page.locator("#add-only_selected").is_checked()
    assert "Selected “her”" in page.locator("#selection-status").inner_text()
    assert_accessible(page)
    shot(page, "review-selected")

    page.locator("#add-code").select_option("TP")
    page.get_by_role("button", name="Add the redaction").click()
    assert "Redacted in 1 place" in banner(page)
    added = page.locator("#redaction-list > li", has_text="“her”")
    assert added.count() == 1 and "added by an officer" in added.inner_text()

    # Typing over a selection forgets its place: the words are then redacted wherever they occur.
    page.locator("#record-text").click()
    page.get_by_label("Words to redact").fill("mother")
    assert page.locator("#add-at").input_value() == ""
    assert not page.locator("#add-selected-only").is_visible()
