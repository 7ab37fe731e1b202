"""The case list and reports in Chromium: axe-clean, and a bulk assignment through the real form (CSRF on)."""

from __future__ import annotations

from datetime import date

from rights.models import RequestKind
from tests.browser.conftest import assert_accessible
from tests.browser.staff_pages import sign_in
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff

TODAY = date(2026, 3, 16)


def test_case_list_and_reports_are_accessible_and_bulk_assign_works(live_server, page) -> None:
    rt = live_server.rt
    live_server.app.config["RIGHTS_TODAY"] = TODAY
    officer = make_staff(rt, "officer", name="Olu Officer")
    make_staff(rt, "manager", name="Mina Manager")
    with rt.db.transaction() as session:
        for given, family, due, kind in (("Amelia", "Hart", date(2026, 3, 13), RequestKind.ACCESS),
                                         ("Ben", "Ode", date(2026, 3, 18), RequestKind.ERASURE),
                                         ("Cara", "Lim", date(2026, 3, 25), RequestKind.COMPLAINT),
                                         ("Dan", "Roe", date(2026, 4, 20), RequestKind.ACCESS)):
            request = make_request(session, kind=kind, subject=make_person(given_names=given, family_name=family))
            request.due_on = due
    sign_in(page, live_server, officer)

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
