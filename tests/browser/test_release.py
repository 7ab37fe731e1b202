"""Release in Chromium: an officer prepares the response and sends it for approval, a second manager views the
version and approves it (the final PDFs are rendered by a job; the page says so until they are ready), the
officer releases it, and the requester downloads the letter and bundle from the emailed link with a one-time
code; the same walk for a request where nothing is held, whose response is the letter alone. Every page
axe-clean."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, open_page
from tests.browser.staff_pages import do_action, sign_in
from tests.integration.release_support import decided_case, nothing_held_case, pdf_text
from tests.integration.staff_support import make_staff

SHOTS = os.environ.get("RIGHTS_SCREENSHOTS")  # a folder to save screenshots in, when set
EMAIL = "amelia.parent@example.org"


def shot(page: Any, name: str, selector: str | None = None) -> None:
    if SHOTS:
        target = page.locator(selector) if selector else page
        if selector:
            target.screenshot(path=os.path.join(SHOTS, f"{name}.png"))
        else:
            page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def wait_for_text(page: Any, url: str, text: str, timeout: float = 120.0) -> None:
    """Reload until ``text`` is on the page (the prepare job renders in the in-process worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(url)
        if text in page.locator("main").inner_text():
            return
        time.sleep(1.0)
    raise AssertionError(f"{text!r} never appeared on {url}")


def wait_for_link(page: Any, url: str, name: str, timeout: float = 180.0) -> None:
    """Reload until the case page offers the action ``name`` (release waits for the finalisation job)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(url)
        if page.get_by_role("link", name=name, exact=True).count():
            return
        time.sleep(1.0)
    raise AssertionError(f"{name!r} was never offered on {url}")


def download_with_code(browser: Any, mailbox: Any, link_text: str) -> tuple[str, bytes]:
    """The requester follows the emailed link, asks for a code, enters it, and downloads ``link_text``;
    returns the files page's text and the file."""
    message = mailbox.wait_for(EMAIL, subject_contains="Our response to your request is ready")
    body = message.get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"(http://\S+/download/\w+)", body).group(1)
    with open_page(browser) as page:
        page.goto(url)
        assert_accessible(page)
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_role("button", name="Send me a code").click()
        page.wait_for_url(re.compile(r".*/code$"))
        code_mail = mailbox.wait_for(EMAIL, subject_contains="code")
        code = re.search(r"\b(\d{6})\b", code_mail.get_body(preferencelist=("plain",)).get_content()).group(1)
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_selector("text=Download our letter")
        assert_accessible(page)
        shot(page, "portal-download")
        main = page.locator("main").inner_text()
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(link_text)).click()
        return main, Path(info.value.path()).read_bytes()


def test_prepare_approve_release_and_download(live_server, browser, mailbox, settings) -> None:  # type: ignore[no-untyped-def]
    rt = live_server.rt
    case = decided_case(rt, settings)
    case_url = live_server.path(f"/staff/cases/{case['reference']}")
    officer = make_staff(rt, "officer", name="Olivia Officer")
    manager = make_staff(rt, "manager", name="Morgan Manager")

    with open_page(browser) as page:
        sign_in(page, live_server, officer)
        page.goto(case_url)
        page.get_by_role("button", name="Prepare the response").click()
        wait_for_text(page, case_url, "Prepared versions")
        assert_accessible(page)
        shot(page, "release-prepared", "#release-section")
        wait_for_link(page, case_url, "Send for approval")  # as an officer would refresh the page
        do_action(page, "Send for approval")

    with open_page(browser) as page:
        sign_in(page, live_server, manager)
        page.goto(case_url)
        link = page.get_by_role("link", name="bundle of version 1", exact=True)
        response = page.request.get(live_server.path(str(link.get_attribute("href"))))
        assert response.headers["content-type"] == "application/pdf"
        assert all("DRAFT" in p for p in pdf_text(response.body()))
        do_action(page, "Approve the release")
        assert "are being rendered" in page.locator("main").inner_text()  # the job's work, shown on the page
        wait_for_link(page, case_url, "Release the response to the requester")
        assert "approved" in page.locator("main").inner_text()
        do_action(page, "Release the response to the requester")
        page.goto(case_url + "#release")
        assert "Download link sent" in page.locator("main").inner_text()
        assert_accessible(page)
        shot(page, "release-section", "#release-section")

    _main, data = download_with_code(browser, mailbox, "Download your information")
    assert data[:4] == b"%PDF" and not any("DRAFT" in p for p in pdf_text(data))

    with open_page(browser) as page:
        sign_in(page, live_server, officer)
        page.goto(case_url + "#release")
        assert "Downloads by the requester" in page.locator("main").inner_text()


def test_nothing_held_response_is_the_letter_alone(live_server, browser, mailbox, settings) -> None:  # type: ignore[no-untyped-def]
    rt = live_server.rt
    case = nothing_held_case(rt, settings)
    case_url = live_server.path(f"/staff/cases/{case['reference']}")
    officer = make_staff(rt, "officer", name="Olivia Officer")
    manager = make_staff(rt, "manager", name="Morgan Manager")
    with open_page(browser) as page:
        sign_in(page, live_server, officer)
        page.goto(case_url)
        page.get_by_role("button", name="Prepare the response").click()
        wait_for_text(page, case_url, "Letter only: nothing held")
        assert page.get_by_role("link", name="bundle of version 1", exact=True).count() == 0
        assert_accessible(page)
        wait_for_link(page, case_url, "Send for approval")  # as an officer would refresh the page
        do_action(page, "Send for approval")
    with open_page(browser) as page:
        sign_in(page, live_server, manager)
        page.goto(case_url)
        link = page.get_by_role("link", name="Letter of version 1", exact=True)
        response = page.request.get(live_server.path(str(link.get_attribute("href"))))
        assert "we do not hold any personal information" in " ".join(" ".join(pdf_text(response.body())).split())
        do_action(page, "Approve the release")
        wait_for_link(page, case_url, "Release the response to the requester")
        do_action(page, "Release the response to the requester")
    main, data = download_with_code(browser, mailbox, "Download our letter")
    assert "Download your information" not in main and "no records to send you" in main
    assert "we do not hold any personal information" in " ".join(" ".join(pdf_text(data)).split())
