"""Staff sign-in: two factors, enrolment by QR code, lockout, replay, idle expiry, sign-out, resets, limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from click.testing import CliRunner
from sqlalchemy import select, update

from rights import users
from rights.demo import staff as demo_staff
from rights.models import AuditEvent, StaffSession, User, utcnow
from tests.integration.staff_support import (
    PASSWORD,
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    sign_in,
    signed_in_client,
)


def actions(rt, prefix: str = "auth.") -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return [a for a in session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)) if a.startswith(prefix)]


def post_password(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/staff/sign-in", data={"csrf_token": csrf(client, "/staff/sign-in"), "email": email,
                                               "password": password})


def test_password_then_code_signs_in_and_rotates_the_session(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    response = post_password(client, officer.email, officer.password)
    assert response.headers["Location"].endswith("/staff/sign-in/code")
    # Half signed in: the dashboard still sends you to sign in.
    assert client.get("/staff/cases").status_code == 302
    token = csrf(client, "/staff/sign-in/code")
    response = client.post("/staff/sign-in/code", data={"csrf_token": token, "code": officer.code(rt)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/cases")
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["mfa_ok"] is True and sess["staff_token"]
    assert client.get("/staff/cases").status_code == 200
    assert actions(rt) == ["auth.password_ok", "auth.signed_in"]


def test_failures_look_the_same_and_the_fifth_locks_the_account(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    unknown = post_password(client, "nobody@council.example", "whatever-it-is")
    wrong = post_password(client, officer.email, "not the password")
    assert unknown.status_code == wrong.status_code == 400
    message = users.GENERIC_FAILURE
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)
    for _ in range(4):
        post_password(client, officer.email, "still not it")
    locked = post_password(client, officer.email, PASSWORD)  # right password, but locked now
    assert locked.status_code == 400 and message in locked.get_data(as_text=True)
    assert actions(rt).count("auth.locked") == 1
    with rt.db.transaction() as session:
        user = session.get(User, officer.id)
        assert user.locked_until > utcnow() + timedelta(minutes=14)
        user.locked_until = utcnow() - timedelta(seconds=1)  # fifteen minutes later
    assert post_password(client, officer.email, PASSWORD).status_code == 302


def test_wrong_codes_count_towards_the_lockout(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    post_password(client, officer.email, officer.password)
    for _ in range(5):
        response = client.post("/staff/sign-in/code", data={"csrf_token": csrf(client, "/staff/sign-in/code"),
                                                            "code": "000000"})
    assert response.status_code == 400
    assert "auth.locked" in actions(rt)
    # Even the right code is refused while locked.
    response = client.post("/staff/sign-in/code", data={"csrf_token": csrf(client, "/staff/sign-in/code"),
                                                        "code": officer.code(rt)})
    assert response.status_code == 400


def test_a_used_code_cannot_be_replayed(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    first = app.test_client()
    code = officer.code(rt)
    post_password(first, officer.email, officer.password)
    ok = first.post("/staff/sign-in/code", data={"csrf_token": csrf(first, "/staff/sign-in/code"), "code": code})
    assert ok.status_code == 302
    second = app.test_client()
    post_password(second, officer.email, officer.password)
    replay = second.post("/staff/sign-in/code", data={"csrf_token": csrf(second, "/staff/sign-in/code"),
                                                      "code": code})
    assert replay.status_code == 400
    with rt.db.transaction() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.failed")).one().detail["step"] \
            == "code_replayed"


def test_first_sign_in_enrols_by_qr_code_and_replaces_the_issued_password(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        _user, issued = users.create_user(session, email="New.Officer@Council.example", role="officer",
                                          name="New Officer", actor="test")
    client = app.test_client()
    response = post_password(client, "new.officer@council.example", issued)
    assert response.headers["Location"].endswith("/staff/sign-in/set-up-authenticator")
    page = client.get("/staff/sign-in/set-up-authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.get("/staff/sign-in/set-up-authenticator").get_data(as_text=True).count(secret) == 1  # stable
    response = client.post("/staff/sign-in/set-up-authenticator", data={
        "csrf_token": csrf(client, "/staff/sign-in/set-up-authenticator"), "code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/staff/sign-in/new-password")
    assert client.get("/staff/cases").status_code == 302  # not signed in until the password is replaced
    weak = client.post("/staff/sign-in/new-password", data={
        "csrf_token": csrf(client, "/staff/sign-in/new-password"), "current": issued, "new": "short",
        "confirm": "short"})
    assert weak.status_code == 400 and "at least 12 characters" in weak.get_data(as_text=True)
    response = client.post("/staff/sign-in/new-password", data={
        "csrf_token": csrf(client, "/staff/sign-in/new-password"), "current": issued,
        "new": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/staff/cases").status_code == 200
    assert "auth.mfa_enrolled" in actions(rt) and "auth.password_changed" in actions(rt)
    # The issued password worked once only.
    assert post_password(app.test_client(), "new.officer@council.example", issued).status_code == 400


def test_idle_sessions_end_and_the_timeout_is_audited(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = signed_in_client(app, rt, officer)
    assert client.get("/staff/cases").status_code == 200
    with rt.db.transaction() as session:
        session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = client.get("/staff/cases")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    assert "auth.idle_timeout" in actions(rt)
    assert client.get("/staff/cases").status_code == 302


def test_sign_out_ends_the_session_on_the_server(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = signed_in_client(app, rt, officer)
    stolen = client.get_cookie("session").value
    response = client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/signed-out")})
    assert response.headers["Location"].endswith("/staff/signed-out")
    assert "auth.signed_out" in actions(rt)
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/staff/cases").status_code == 302


def test_administrator_reset_of_mfa_signs_the_person_out_and_makes_them_enrol_again(app, rt) -> None:  # noqa: F811
    admin = make_staff(rt, "admin")
    officer = make_staff(rt, "officer")
    officer_client = signed_in_client(app, rt, officer)
    admin_client = signed_in_client(app, rt, admin)
    page = f"/staff/admin/users/{officer.id}"
    response = admin_client.post(f"{page}/reset-mfa", data={"csrf_token": csrf(admin_client, page)})
    assert response.status_code == 302
    assert officer_client.get("/staff/cases").status_code == 302
    response = post_password(app.test_client(), officer.email, officer.password)
    assert response.headers["Location"].endswith("/staff/sign-in/set-up-authenticator")
    assert "user.mfa_reset" in actions(rt, "user.")


def test_administrator_password_reset_shows_a_one_time_password(app, rt) -> None:  # noqa: F811
    admin = make_staff(rt, "admin")
    officer = make_staff(rt, "officer")
    admin_client = signed_in_client(app, rt, admin)
    page = f"/staff/admin/users/{officer.id}"
    response = admin_client.post(f"{page}/reset-password", data={"csrf_token": csrf(admin_client, page)})
    issued = re.search(r'id="issued-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert post_password(app.test_client(), officer.email, PASSWORD).status_code == 400
    client = app.test_client()
    post_password(client, officer.email, issued)
    response = client.post("/staff/sign-in/code", data={"csrf_token": csrf(client, "/staff/sign-in/code"),
                                                        "code": officer.code(rt)})
    assert response.headers["Location"].endswith("/staff/sign-in/new-password")


def test_deactivated_accounts_cannot_sign_in(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    with rt.db.transaction() as session:
        users.set_active(session, officer.id, False, actor="test")
    response = post_password(app.test_client(), officer.email, PASSWORD)
    assert response.status_code == 400 and users.GENERIC_FAILURE in response.get_data(as_text=True)


def test_next_is_followed_only_within_the_dashboard(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    token = csrf(client, "/staff/sign-in")
    client.post("/staff/sign-in?next=https://evil.example/x", data={"csrf_token": token, "email": officer.email,
                                                                   "password": PASSWORD})
    response = client.post("/staff/sign-in/code", data={"csrf_token": csrf(client, "/staff/sign-in/code"),
                                                        "code": officer.code(rt)})
    assert response.headers["Location"].endswith("/staff/cases")


def test_sign_in_is_rate_limited_per_account(rt, settings) -> None:
    from rights.web import create_app

    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": True}
    limited = create_app(settings, start_worker=False)
    client = limited.test_client()
    token = csrf(client, "/staff/sign-in")
    codes = [client.post("/staff/sign-in", data={"csrf_token": token, "email": "target@council.example",
                                                 "password": "guess"}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_cli_creates_an_account_with_a_one_time_password(app, rt) -> None:  # noqa: F811
    from rights.cli import main

    result = CliRunner().invoke(main, ["users", "create", "--email", "rh@council.example", "--role",
                                       "record_holder", "--service", "childrens_social_care", "--name", "R H"])
    assert result.exit_code == 0, result.output
    password = re.search(r"one-time password: (\S+)", result.output).group(1)
    response = post_password(app.test_client(), "rh@council.example", password)
    assert response.headers["Location"].endswith("/staff/sign-in/set-up-authenticator")
    bad = CliRunner().invoke(main, ["users", "create", "--email", "x@council.example", "--role", "record_holder"])
    assert bad.exit_code == 2 and "at least one service" in bad.output


def test_demo_staff_are_seeded_once_and_sign_in_with_the_printed_secret(app, rt) -> None:  # noqa: F811
    first = demo_staff.seed_demo_staff(rt)
    assert demo_staff.seed_demo_staff(rt) == first
    manager = demo_staff.DEMO_ACCOUNTS[1]
    assert manager.totp_secret in "\n".join(first)
    client = app.test_client()
    post_password(client, manager.email, manager.password)
    response = client.post("/staff/sign-in/code", data={"csrf_token": csrf(client, "/staff/sign-in/code"),
                                                        "code": pyotp.TOTP(manager.totp_secret).now()})
    assert response.status_code == 302
    with rt.db.transaction() as session:
        assert len(session.scalars(select(User)).all()) == len(demo_staff.DEMO_ACCOUNTS)


def test_sign_in_helper_really_signs_in(app, rt) -> None:  # noqa: F811
    manager = make_staff(rt, "manager")
    client = app.test_client()
    assert sign_in(client, rt, manager).status_code == 302
    assert client.get("/staff/reports").status_code == 200
