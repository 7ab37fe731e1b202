"""The redaction review in Chromium: an officer accepts one proposed redaction (by keyboard), accepts every
mention of one person across the request, adds a redaction by its words or by selecting them, includes the
record, previews it as disclosed, withholds a scan, and draws a region on another scan's page; every page
axe-clean."""

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


def test_officer_draws_a_region_on_a_scan_and_includes_it(live_server, page, settings) -> None:  # type: ignore[no-untyped-def]
    """A scan's page is shown with the regions over it; dragging the mouse draws one and fills in the form,
    the region is added and numbered, the page as disclosed is painted out, and the scan is included."""
    from tests.integration.redaction_support import SCAN_SECRET_BOX, attach_scan

    rt = live_server.rt
    case = gathered_case(rt, settings)
    attach_scan(rt, settings, case["scan"], pages=2)
    sign_in(page, live_server, make_staff(rt, "officer", name="Olivia Officer"))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.path(f"/staff/cases/{case['reference']}/review/{case['scan']}"))
    page.wait_for_selector("#scan-svg")
    assert "Page 1 of 2" in page.locator("#scan-page").inner_text()
    page.wait_for_function("() => document.querySelector('#scan-svg').getBoundingClientRect().height > 100")
    assert_accessible(page)
    shot(page, "review-scan-page")

    left, top, width, height = SCAN_SECRET_BOX
    page.locator("#scan-svg").evaluate("svg => svg.scrollIntoView({block: 'start'})")  # the page's top in view
    box = page.locator("#scan-svg").bounding_box()
    page.mouse.move(box["x"] + (left - 0.01) * box["width"], box["y"] + (top - 0.01) * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + (left + width + 0.01) * box["width"], box["y"] + (top + height + 0.01) * box["height"],
                    steps=8)
    page.mouse.up()
    assert "Box drawn on page 1" in page.locator("#region-status").inner_text(), errors
    drawn = {name: float(page.locator(f"#region-{name}").input_value()) for name in ("left", "top", "width", "height")}
    assert abs(drawn["left"] - (left - 0.01) * 100) < 1.5 and abs(drawn["top"] - (top - 0.01) * 100) < 1.5
    assert drawn["width"] >= width * 100 and drawn["height"] >= height * 100
    page.locator("#region-code").select_option("TP")
    page.get_by_role("button", name="Add the region").click()
    assert "Region added on page 1 (TP)" in banner(page)
    assert page.locator("#region-list > li").count() == 1
    assert page.locator("#scan-svg rect.app-scan__region").count() == 1
    assert_accessible(page)
    shot(page, "review-scan-region")

    with page.expect_response(lambda r: r.url.endswith("/pages/2") and r.status == 200):  # the page is shown
        page.get_by_role("link", name="Next page").click()
    page.wait_for_selector("#scan-svg")
    assert "Page 2 of 2" in page.locator("#scan-page").inner_text()
    assert page.locator("#scan-svg rect.app-scan__region").count() == 0  # the region is on page 1
    page.get_by_role("button", name=re.compile(r"^Include this scan with its 1 region")).click()
    assert "Record included" in banner(page)
