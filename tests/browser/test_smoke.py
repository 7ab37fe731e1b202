"""The browser harness itself: Chromium loads our pages under the strict CSP, and axe runs."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible


def test_not_found_page_is_accessible_and_styled(live_server, page) -> None:
    response = page.goto(live_server.path("/no-such-page"))
    assert response.status == 404
    assert page.title().startswith("Page not found")
    # GOV.UK Frontend CSS, built for a council, from our own static files: Arial, never GDS Transport
    # (that typeface is licensed for GOV.UK services only).
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith("arial")
    assert "GDS Transport" not in font
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontWeight") == "700"
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert_accessible(page)
