"""Driving the officers' dashboard in Chromium: sign-in with TOTP, case actions, and the clock they show.

"Today" is pinned through ``app.config["RIGHTS_TODAY"]`` (the dashboard's only source of today), so the
dates the pages show can be compared exactly with what ``rights clock`` prints for the same facts.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from click.testing import CliRunner

from rights.cli.clock import clock_command
from rights.clock import short_date
from tests.browser.conftest import assert_accessible
from tests.integration.staff_support import StaffLogin


def set_today(live_server: Any, iso: str) -> None:
    live_server.app.config["RIGHTS_TODAY"] = iso


def sign_in(page: Any, live_server: Any, login: StaffLogin, *, check_a11y: bool = False) -> None:
    """Email and password, then a TOTP code the server has not seen, through the real pages."""
    page.goto(live_server.path("/staff/sign-in"), wait_until="networkidle")
    if check_a11y:
        assert_accessible(page)
    page.get_by_label("Email address").fill(login.email)
    page.get_by_label("Password", exact=True).fill(login.password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/staff/sign-in/code"), page.locator("main").inner_text()
    if check_a11y:
        assert_accessible(page)
    page.get_by_label("Security code").fill(login.code(live_server.rt))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/staff/(cases|my-cases|admin/users)(\?.*)?$"))


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/staff/signed-out")
    # Every response re-sends the session cookie (the app refreshes it on each request), so an asset
    # request still in flight could overwrite the next page's fresh cookie: let them finish first.
    page.wait_for_load_state("networkidle")


def fill_date(page: Any, prefix: str, day: int, month: int, year: int) -> None:
    page.locator(f"#{prefix}-day").fill(str(day))
    page.locator(f"#{prefix}-month").fill(str(month))
    page.locator(f"#{prefix}-year").fill(str(year))


def do_action(page: Any, label: str, *, date: tuple[int, int, int] | None = None, reason: str | None = None,
              check_a11y: bool = False) -> None:
    """Follow an action link on the case page, fill its form, confirm, and wait for the case page again."""
    page.get_by_role("link", name=label, exact=True).click()
    page.wait_for_selector("h1")
    if date is not None:
        fill_date(page, "on", *date)
    if reason is not None:
        page.locator("#reason").fill(reason)
    if check_a11y:
        assert_accessible(page)
    page.locator("#main-content form button[type=submit], #main-content form input[type=submit]").first.click()
    # An action can wait its turn behind a search job's short hold on the request row (searches save and
    # resolve under it) and the live server's one worker thread: allow for a loaded CI machine.
    page.wait_for_selector("#due-date", timeout=90_000)


def due(page: Any) -> str:
    """The due date on the case page, e.g. "Thu 2 Apr 2026"."""
    return page.locator("#due-date").inner_text().strip()


def cli_clock(*args: str) -> dict[str, Any]:
    """What ``rights clock ... --json`` prints for these facts."""
    result = CliRunner().invoke(clock_command, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def short(iso: str) -> str:
    """An ISO date as the dashboard writes it ("Thu 2 Apr 2026")."""
    return short_date(date.fromisoformat(iso))
