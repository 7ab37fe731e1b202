"""The officers' dashboard in Chromium: sign-in with TOTP, a request from letter to extension, access limits.

"Today" is pinned through ``app.config["RIGHTS_TODAY"]`` (the dashboard's only source of today), so the
dates the pages show are compared exactly with what ``rights clock`` prints for the same facts.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from rights import users
from rights.models import AuditEvent, RightsRequest
from rights.security import cipher_for
from tests.browser.conftest import assert_accessible, open_page
from tests.browser.staff_pages import cli_clock, do_action, due, fill_date, set_today, short, sign_in, sign_out
from tests.factories import make_request
from tests.integration.staff_support import make_staff


def test_officer_and_manager_take_a_letter_from_receipt_to_extension(live_server, page, mailbox) -> None:
    rt = live_server.rt
    officer = make_staff(rt, "officer", name="Olivia Officer")
    manager = make_staff(rt, "manager", name="Manon Manager")
    set_today(live_server, "2026-03-09")

    sign_in(page, live_server, officer, check_a11y=True)
    # A letter dated and received on Mon 2 Mar 2026, logged a week later with its true date of receipt.
    page.get_by_role("link", name="Log a request").click()
    assert_accessible(page)
    page.get_by_label("Access to records (subject access request)").check()
    page.get_by_label("Letter").check()
    fill_date(page, "received_on", 2, 3, 2026)
    page.get_by_label("Given names", exact=True).fill("Amelia")
    page.get_by_label("Family name", exact=True).fill("Hart")
    fill_date(page, "subject_dob", 17, 5, 2008)
    page.get_by_label("The person themselves (adult)").check()
    page.get_by_label("Requester's email address (if any)").fill("amelia.hart@example.org")
    page.get_by_label("Children's social care", exact=False).first.check()
    page.get_by_label("What they asked for").fill("Everything from my time in care.")
    page.get_by_role("button", name="Log the request").click()
    page.wait_for_selector("#due-date")
    reference = page.locator("h1").inner_text().split()[0]
    assert due(page) == short(cli_clock("--type", "access", "--received", "2026-03-02")["due"]) == "Thu 2 Apr 2026"
    assert_accessible(page)
    mailbox.wait_for("amelia.hart@example.org", subject_contains=reference)

    # Triage: identity is needed; the month restarts when it arrives.
    do_action(page, "Ask for proof of identity", date=(9, 3, 2026), check_a11y=True)
    assert page.locator("#case-status").inner_text() == "Awaiting ID or authority"
    mailbox.wait_for("amelia.hart@example.org", subject_contains="proof of identity")
    set_today(live_server, "2026-03-23")
    do_action(page, "Record identity evidence received", date=(20, 3, 2026))
    assert due(page) == short(cli_clock("--type", "access", "--received", "2026-03-02",
                                        "--id-received", "2026-03-20")["due"]) == "Mon 20 Apr 2026"
    do_action(page, "Start the search")

    # Pause for clarification, answered three days later.
    do_action(page, "Pause the clock for clarification", date=(23, 3, 2026), reason="Which years in care?")
    assert "Provisional" in page.locator("#clock").inner_text()
    set_today(live_server, "2026-03-27")
    do_action(page, "Record the clarification received", date=(26, 3, 2026))
    paused = cli_clock("--type", "access", "--received", "2026-03-02", "--id-received", "2026-03-20",
                       "--pause", "2026-03-23:2026-03-26")
    assert due(page) == short(paused["due"]) == "Fri 24 Apr 2026"
    assert "Extend by two months" not in page.locator("#actions").inner_text()  # officers cannot
    sign_out(page)

    # A manager extends, with reasons, before the notice deadline.
    sign_in(page, live_server, manager)
    page.goto(live_server.path(f"/staff/cases/{reference}"))
    do_action(page, "Extend by two months", reason="Records are held by four services and run to 3,000 pages.",
              check_a11y=True)
    extended = cli_clock("--type", "access", "--received", "2026-03-02", "--id-received", "2026-03-20",
                         "--pause", "2026-03-23:2026-03-26", "--extended", "--today", "2026-03-27")
    assert due(page) == short(extended["due"]) == "Wed 24 Jun 2026"
    assert page.locator("#days-left").inner_text() == str(extended["working_days_left"])
    assert f"Due: {short(extended['due'])}." in page.locator("#clock-explanation").text_content()
    assert_accessible(page)
    letter = mailbox.wait_for("amelia.hart@example.org", subject_contains="more time")
    assert "3,000 pages" in letter.get_content() and "24 June 2026" in letter.get_content()
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).one()
        assert request.due_on.isoformat() == extended["due"]


def link_in(message: Any) -> str:
    """The set-password link in an email (its plain-text part)."""
    return re.search(r"(http://\S+/staff/set-password/\S+)", message.get_body(("plain",)).get_content()).group(1)


def choose_password(page: Any, link: str, password: str) -> None:
    page.goto(link)
    page.wait_for_url("**/staff/set-password")  # the token leaves the address bar at once
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/staff/sign-in")


def test_new_record_holder_chooses_a_password_enrols_then_cannot_open_another_services_case(
        live_server, page, mailbox) -> None:
    rt = live_server.rt
    with rt.db.transaction() as session:
        other = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                             services=["youth_justice"]).reference
        mine = make_request(session, received_at=datetime(2026, 3, 3, 10, tzinfo=UTC),
                            services=["childrens_social_care"]).reference
        user = users.create_user(session, email="rory@council.example", role="record_holder", name="Rory Holder",
                                 services=["childrens_social_care"], actor="test")
        users.apply_now(session, rt.queue, user.id, "first_password", actor="test")
    set_today(live_server, "2026-03-09")

    choose_password(page, link_in(mailbox.wait_for("rory@council.example", subject_contains="Choose your password")),
                    "a long passphrase of my own")
    assert "Your password is set" in page.content()
    assert_accessible(page)
    page.get_by_label("Email address").fill("rory@council.example")
    page.get_by_label("Password", exact=True).fill("a long passphrase of my own")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/set-up-authenticator")
    assert page.locator("img.app-qr").get_attribute("src").startswith("data:image/svg+xml")
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/staff/my-cases")
    assert mine in page.content() and other not in page.content()
    assert_accessible(page)

    response = page.goto(live_server.path(f"/staff/cases/{other}"))
    assert response.status == 404
    with rt.db.transaction() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
        holder_id = session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "auth.signed_in")).one()
        assert denied.actor == holder_id and other in denied.target
        # The secret shown once is the one stored (encrypted) for the account.
        from rights.models import User

        stored = session.scalars(select(User).where(User.email == "rory@council.example")).one()
        assert cipher_for(rt.settings.encryption_keys).decrypt(stored.totp_secret_enc).decode() == secret


def test_a_reset_is_asked_for_by_one_administrator_and_approved_by_another(live_server, browser, mailbox) -> None:
    rt = live_server.rt
    first, second = make_staff(rt, "admin", name="Ada First"), make_staff(rt, "admin", name="Bo Second")
    officer = make_staff(rt, "officer", name="Olivia Officer", email="olivia@council.example")
    with open_page(browser) as ada, open_page(browser) as bo, open_page(browser) as olivia:
        sign_in(ada, live_server, first)
        assert_accessible(ada)
        ada.get_by_role("link", name="Olivia Officer").click()
        ada.get_by_role("button", name="Ask to reset the password").click()
        expect(ada.locator(".govuk-notification-banner")).to_contain_text("Another administrator must approve")
        assert_accessible(ada)
        assert mailbox.wait_for(officer.email, subject_contains="asked to reset your password")
        # The one who asked can only cancel it.
        expect(ada.get_by_role("button", name="Approve")).to_have_count(0)
        expect(ada.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(1)

        sign_in(bo, live_server, second)
        expect(bo.locator("#waiting-for-approval")).to_be_visible()
        assert_accessible(bo)
        bo.get_by_role("button", name=re.compile("^Approve")).click()
        expect(bo.locator(".govuk-notification-banner")).to_contain_text("The password is reset")
        assert_accessible(bo)
        assert "set-password/" not in bo.content() and "set-password/" not in ada.content()

        link = link_in(mailbox.wait_for(officer.email, subject_contains="password has been reset"))
        choose_password(olivia, link, "a phrase only she knows")
        olivia.get_by_label("Email address").fill(officer.email)
        olivia.get_by_label("Password", exact=True).fill("a phrase only she knows")
        olivia.get_by_role("button", name="Continue").click()
        olivia.wait_for_url("**/staff/sign-in/code")
        olivia.get_by_label("Security code").fill(officer.code(rt))
        olivia.get_by_role("button", name="Continue").click()
        olivia.wait_for_url("**/staff/cases")
        assert mailbox.wait_for(officer.email, subject_contains="password has been changed")
        olivia.goto(link)  # the link worked once
        expect(olivia.get_by_role("heading", level=1)).to_have_text("This link has expired or has already been used")
        assert_accessible(olivia)


def test_administrator_pages_are_accessible(live_server, browser, mailbox) -> None:
    rt = live_server.rt
    admin, other = make_staff(rt, "admin", name="Ada Admin"), make_staff(rt, "admin", name="Bo Other")
    with open_page(browser) as page, open_page(browser) as second:
        sign_in(page, live_server, admin)
        assert_accessible(page)
        page.get_by_role("button", name="Create an account").click()
        page.get_by_label("Email address").fill("new.officer@council.example")
        page.get_by_label("Full name").fill("Nadia Newcomer")
        page.get_by_label("Information governance officer").check()
        assert_accessible(page)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("When another administrator approves it")
        assert "one-time password" not in page.content() and "set-password/" not in page.content()
        expect(page.locator("main")).to_contain_text("Not chosen yet (sent by an emailed link)")
        assert_accessible(page)
        sign_in(second, live_server, other)
        second.get_by_role("button", name=re.compile("^Approve")).click()
        assert mailbox.wait_for("new.officer@council.example", subject_contains="Choose your password")
        second.get_by_role("link", name="Back to users").click()
        assert_accessible(second)
        # Administrators see who did what on a case (not the case itself).
        with rt.db.transaction() as session:
            reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC)).reference
        page.goto(live_server.path(f"/staff/cases/{reference}/audit"))
        assert "request.received" in page.content()
        assert_accessible(page)
        assert page.goto(live_server.path(f"/staff/cases/{reference}")).status == 403


def test_a_slowed_sign_in_says_how_long_to_wait(live_server, page) -> None:
    officer = make_staff(live_server.rt, "officer")
    page.goto(live_server.path("/staff/sign-in"))
    for n in range(12):  # the first waits are seconds long: on a loaded machine a guess can outlast one
        page.get_by_label("Email address").fill(officer.email)
        page.get_by_label("Password", exact=True).fill(f"wrong guess {n}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        if "too many attempts" in page.content():
            break
    expect(page.locator(".govuk-error-summary")).to_contain_text("too many attempts to sign in. Wait")
    assert n >= 5  # five free failures first
    assert_accessible(page)


def test_outbox_page_is_accessible_and_resends_through_the_real_form(live_server, page) -> None:
    from rights.models import OutboxMessage
    from rights.notify import queue_email

    rt = live_server.rt
    with rt.db.transaction() as session:
        message = queue_email(session, rt.queue, key="lost-one", to="kim@example.org", template="progress_code",
                              context={"code": "564738", "reference": "SAR-2026-00002", "minutes": 15})
        message_id = message.id
    # Let the live server's worker deliver it first (it is queued after commit); then pretend that delivery
    # was interrupted, so the page has exactly one message of unknown outcome to resend.
    # Wait for that delivery to end (on a busy machine the worker may reach it late): marking the message
    # while the worker is still sending it would let the worker write "sent" over the test's "unknown".
    status = "pending"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with rt.db.transaction() as session:
            status = session.get(OutboxMessage, message_id).status
        if status not in ("pending", "sending", "retrying"):
            break
        time.sleep(0.1)
    assert status == "sent", f"the live server's worker did not deliver the message ({status})"
    with rt.db.transaction() as session:
        row = session.get(OutboxMessage, message_id)
        row.status, row.last_error = "unknown", "The worker stopped while sending"
    sign_in(page, live_server, make_staff(rt, "admin", name="Ada Admin"))
    page.get_by_role("link", name="Outbox: the service's emails, failures and resends").click()
    # The click returns before the page has loaded: its content read at once can be a body parsed only as far
    # as its first script (seen once on a busy machine). Wait for the summary, then for the whole page.
    expect(page.locator("main")).to_contain_text("Unknown: 1")
    page.wait_for_load_state()
    assert "564738" not in page.content()
    assert_accessible(page)
    page.get_by_role("button", name=f"Resend message {message_id}").click()
    # The click returns before the next page has loaded: wait for it rather than read the old one.
    expect(page.locator("main")).to_contain_text("will be sent again")
    assert_accessible(page)
    with rt.db.transaction() as session:
        assert session.scalars(select(OutboxMessage.resends).where(OutboxMessage.id == message_id)).one() == 1
