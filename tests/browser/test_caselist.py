"""The case list and reports in Chromium: axe-clean, and a bulk assignment through the real form (CSRF on)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rights.models import RequestKind, Role
from tests.browser.conftest import assert_accessible
from tests.factories import make_person, make_request
from tests.integration.test_caselist import add_user

TODAY = date(2026, 3, 16)


def sign_in_browser(live_server: Any, page: Any, user_id: int) -> None:
    """Put the session the sign-in views would leave (password and code passed) into the browser."""
    from flask_login.utils import _create_identifier

    from rights import users

    with live_server.rt.db.transaction() as session:
        token = users.start_session(session, user_id)
    app = live_server.app
    agent = page.evaluate("navigator.userAgent")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": agent}):
        ident = _create_identifier()
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": str(user_id), "_fresh": True, "_id": ident, "mfa_ok": True, "staff_token": token})
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def test_case_list_and_reports_are_accessible_and_bulk_assign_works(live_server, page) -> None:
    rt = live_server.rt
    live_server.app.config["RIGHTS_TODAY"] = TODAY
    officer = add_user(rt, "Olu Officer", Role.OFFICER)
    add_user(rt, "Mina Manager", Role.MANAGER)
    with rt.db.transaction() as session:
        for given, family, due, kind in (("Amelia", "Hart", date(2026, 3, 13), RequestKind.ACCESS),
                                         ("Ben", "Ode", date(2026, 3, 18), RequestKind.ERASURE),
                                         ("Cara", "Lim", date(2026, 3, 25), RequestKind.COMPLAINT),
                                         ("Dan", "Roe", date(2026, 4, 20), RequestKind.ACCESS)):
            request = make_request(session, kind=kind, subject=make_person(given_names=given, family_name=family))
            request.due_on = due
    page.goto(live_server.path("/"))
    sign_in_browser(live_server, page, officer)

    page.goto(live_server.path("/staff/cases?view=all"))
    assert page.title().startswith("All cases")
    assert page.locator("#cases-table tbody tr").count() == 4
    assert page.locator("#cases-table tbody tr").first.locator(".app-rag").inner_text() == "Red"
    assert_accessible(page)

    page.get_by_role("button", name="Assign selected cases").click()  # nothing ticked
    assert page.title().startswith("Error:")
    assert page.locator(".govuk-error-summary").inner_text().count("Select at least one case") == 1
    assert_accessible(page)

    page.get_by_label("Select SAR-2026-00001").check()
    page.get_by_label("Assign selected cases to").select_option(label="Mina Manager")
    page.get_by_role("button", name="Assign selected cases").click()
    assert "1 case assigned to Mina Manager" in page.locator(".govuk-notification-banner").inner_text()
    assert "Mina Manager" in page.locator('tr[data-reference="SAR-2026-00001"]').inner_text()
    assert_accessible(page)

    page.goto(live_server.path("/staff/reports"))
    assert page.title().startswith("Reports")
    assert_accessible(page)
