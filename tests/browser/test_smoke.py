"""The browser harness itself: Chromium loads our pages under the strict CSP, and axe runs."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible


def test_not_found_page_is_accessible_and_styled(live_server, page) -> None:
    response = page.goto(live_server.path("/no-such-page"))
    assert response.status == 404
    assert page.title().startswith("Page not found")
    # GOV.UK Frontend CSS loaded from our own static files: headings use GDS Transport.
    assert "GDS Transport" in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert_accessible(page)
