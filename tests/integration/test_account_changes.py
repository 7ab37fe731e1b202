"""An administrator cannot become an officer: resets and first passwords need a second administrator, the
link goes only to the account holder, and the holder is emailed when a reset is asked for and when it is made."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from rights.models import AccountChange, AuditEvent, OutboxMessage, User, utcnow
from tests.integration.staff_support import (
    PASSWORD,
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)
from tests.integration.test_auth import link_from_outbox, post_code, post_password, set_password


def ask(client, user_id: int, action: str):  # type: ignore[no-untyped-def]
    page = f"/staff/admin/users/{user_id}"
    return client.post(f"{page}/{action}", data={"csrf_token": csrf(client, page)}, follow_redirects=True)


def decide(client, change_id: int, decision: str):  # type: ignore[no-untyped-def]
    return client.post(f"/staff/admin/changes/{change_id}/{decision}",
                       data={"csrf_token": csrf(client, "/staff/admin/users")}, follow_redirects=True)


def the_change(rt, user_id: int) -> AccountChange:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return session.scalars(select(AccountChange).where(AccountChange.user_id == user_id)
                               .order_by(AccountChange.id.desc())).first()


def mail_to(rt, email: str) -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        # The recipient is encrypted at rest (not comparable in SQL): filter after decrypting.
        return [m.template for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if m.to == email]


def audit_actions(rt, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return [a for a in session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)) if a.startswith(prefix)]


def test_a_password_reset_needs_a_second_administrator_and_only_the_holder_gets_the_link(app, rt) -> None:  # noqa: F811
    first, second = make_staff(rt, "admin", name="Ada First"), make_staff(rt, "admin", name="Bo Second")
    officer = make_staff(rt, "officer")
    officer_client = signed_in_client(app, rt, officer)
    ada, bo = signed_in_client(app, rt, first), signed_in_client(app, rt, second)
    page = ask(ada, officer.id, "reset-password").get_data(as_text=True)
    assert "Another administrator must approve this" in page
    change = the_change(rt, officer.id)
    assert change.status == "pending" and change.requested_by == f"user:{first.id}"
    # Nothing has changed yet: the officer is still signed in and the password still works.
    assert officer_client.get("/staff/cases").status_code == 200
    assert post_password(app.test_client(), officer.email, PASSWORD).status_code == 302
    assert mail_to(rt, officer.email) == ["staff_change_requested"]
    # The one who asked cannot approve it, and the refusal is on the audit trail.
    refused = decide(ada, change.id, "approve").get_data(as_text=True)
    assert "A different administrator must approve" in refused
    assert the_change(rt, officer.id).status == "pending"
    with rt.db.transaction() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert denied.actor == f"user:{first.id}" and "different administrator" in denied.detail["reason"]
    # A second administrator approves: the old password stops working, sessions end, the holder gets a link.
    pages = [decide(bo, change.id, "approve").get_data(as_text=True)]
    assert the_change(rt, officer.id).status == "done" and the_change(rt, officer.id).decided_by == f"user:{second.id}"
    assert officer_client.get("/staff/cases").status_code == 302
    assert post_password(app.test_client(), officer.email, PASSWORD).status_code == 400
    assert mail_to(rt, officer.email) == ["staff_change_requested", "staff_set_password"]
    link = link_from_outbox(rt, officer.email)
    pages += [c.get(p).get_data(as_text=True) for c in (ada, bo)
              for p in ("/staff/admin/users", f"/staff/admin/users/{officer.id}", "/staff/admin/outbox")]
    token = link.rsplit("/", 1)[1]
    assert all(token not in p and "set-password/" not in p for p in pages)  # no administrator sees it
    # The holder chooses a password and signs in with it and their own authenticator.
    assert set_password(app.test_client(), link, "my own new passphrase").status_code == 302
    client = app.test_client()
    assert post_password(client, officer.email, "my own new passphrase").status_code == 302
    assert post_code(client, officer.code(rt)).headers["Location"].endswith("/staff/cases")
    assert [a for a in audit_actions(rt, "user.") if a != "user.viewed"] == [
        "user.change_requested", "user.change_approved", "user.password_reset", "user.password_link_sent"]


def test_an_authenticator_reset_needs_a_second_administrator_then_the_holder_enrols_again(app, rt) -> None:  # noqa: F811
    first, second = make_staff(rt, "admin"), make_staff(rt, "admin")
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    holder_client = signed_in_client(app, rt, holder)
    ada, bo = signed_in_client(app, rt, first), signed_in_client(app, rt, second)
    ask(ada, holder.id, "reset-mfa")
    assert holder_client.get("/staff/my-cases").status_code == 200
    with rt.db.transaction() as session:
        assert session.get(User, holder.id).mfa_enrolled is True
    assert "Approved" not in decide(bo, the_change(rt, holder.id).id, "approve").get_data(as_text=True)
    assert holder_client.get("/staff/my-cases").status_code == 302
    response = post_password(app.test_client(), holder.email, PASSWORD)
    assert response.headers["Location"].endswith("/staff/sign-in/set-up-authenticator")
    assert mail_to(rt, holder.email) == ["staff_change_requested", "staff_mfa_reset"]
    assert "user.mfa_reset" in audit_actions(rt, "user.")


def test_a_new_account_gets_its_link_only_when_a_second_administrator_approves(app, rt) -> None:  # noqa: F811
    first, second = make_staff(rt, "admin"), make_staff(rt, "admin")
    ada, bo = signed_in_client(app, rt, first), signed_in_client(app, rt, second)
    page = "/staff/admin/users/new"
    response = ada.post(page, data={"csrf_token": csrf(ada, page), "email": "new.officer@council.example",
                                    "name": "Nadia Newcomer", "role": "officer"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "When another administrator approves it" in html
    assert "set-password/" not in html and "one-time password" not in html.lower()
    with rt.db.transaction() as session:
        user = session.scalars(select(User).where(User.email == "new.officer@council.example")).one()
        user_id = user.id
    assert mail_to(rt, "new.officer@council.example") == []  # nothing is sent on one administrator's word
    change = the_change(rt, user_id)
    assert change.kind == "first_password"
    assert "Waiting for a second administrator" in bo.get("/staff/admin/users").get_data(as_text=True)
    decide(bo, change.id, "approve")
    assert mail_to(rt, "new.officer@council.example") == ["staff_set_password"]
    assert set_password(app.test_client(), link_from_outbox(rt, "new.officer@council.example"),
                        "newcomer passphrase here").status_code == 302


def test_nobody_changes_their_own_account_or_approves_a_change_to_it(app, rt) -> None:  # noqa: F811
    first, second, third = make_staff(rt, "admin"), make_staff(rt, "admin"), make_staff(rt, "admin")
    ada, bo, cy = (signed_in_client(app, rt, a) for a in (first, second, third))
    assert "Ask another administrator" in ask(ada, first.id, "reset-mfa").get_data(as_text=True)
    assert the_change(rt, first.id) is None
    ask(bo, first.id, "reset-mfa")  # another administrator asks to reset Ada's authenticator
    change = the_change(rt, first.id)
    assert "your own account" in decide(ada, change.id, "approve").get_data(as_text=True)
    assert the_change(rt, first.id).status == "pending"
    decide(cy, change.id, "approve")
    assert the_change(rt, first.id).status == "done"


def test_a_change_can_be_cancelled_declined_or_left_to_lapse(app, rt) -> None:  # noqa: F811
    first, second = make_staff(rt, "admin"), make_staff(rt, "admin")
    officer = make_staff(rt, "officer")
    ada, bo = signed_in_client(app, rt, first), signed_in_client(app, rt, second)
    ask(ada, officer.id, "reset-password")
    assert "is already waiting" in ask(ada, officer.id, "reset-password").get_data(as_text=True)
    decide(ada, the_change(rt, officer.id).id, "cancel")
    assert the_change(rt, officer.id).status == "cancelled"
    ask(ada, officer.id, "reset-password")
    decide(bo, the_change(rt, officer.id).id, "decline")
    declined = the_change(rt, officer.id)
    assert (declined.status, declined.decided_by) == ("declined", f"user:{second.id}")
    ask(ada, officer.id, "reset-password")
    with rt.db.transaction() as session:
        session.execute(update(AccountChange).where(AccountChange.status == "pending")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    lapsed = decide(bo, the_change(rt, officer.id).id, "approve").get_data(as_text=True)
    assert "no longer waiting for approval" in lapsed
    assert post_password(app.test_client(), officer.email, PASSWORD).status_code == 302  # nothing changed
    assert "staff_set_password" not in mail_to(rt, officer.email)
    assert re.findall(r"user\.change_\w+", " ".join(audit_actions(rt, "user.change"))) == [
        "user.change_requested", "user.change_cancelled", "user.change_requested", "user.change_declined",
        "user.change_requested"]


def test_officers_cannot_reach_the_approvals(app, rt) -> None:  # noqa: F811
    admin = make_staff(rt, "admin")
    officer = make_staff(rt, "officer")
    ask(signed_in_client(app, rt, admin), officer.id, "reset-mfa")
    other = make_staff(rt, "manager")
    manager = signed_in_client(app, rt, other)
    response = manager.post(f"/staff/admin/changes/{the_change(rt, officer.id).id}/approve",
                            data={"csrf_token": csrf(manager, "/staff/cases")})
    assert response.status_code == 403
    assert the_change(rt, officer.id).status == "pending"


def test_two_approvals_at_once_make_the_change_once(rt) -> None:
    import threading

    from rights import users

    first, second, third = make_staff(rt, "admin"), make_staff(rt, "admin"), make_staff(rt, "admin")
    officer = make_staff(rt, "officer")
    with rt.db.transaction() as session:
        change_id = users.request_change(session, rt.queue, officer.id, "password", actor=f"user:{first.id}").id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(admin_id: int) -> None:
        try:
            with rt.db.transaction() as session:
                held = session.get(AccountChange, change_id)  # read and held first, as the page does
                barrier.wait()
                users.approve(session, rt.queue, change_id, actor=f"user:{admin_id}")
                assert held.status == "done"
            outcomes.append("approved")
        except users.UserError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=approve, args=(a.id,)) for a in (second, third)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["This is no longer waiting for approval.", "approved"]
    assert mail_to(rt, officer.email) == ["staff_change_requested", "staff_set_password"]
