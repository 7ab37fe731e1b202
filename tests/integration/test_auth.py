"""Staff sign-in: two factors, the pending step held on the server, enrolment by QR code, throttling instead
of a lock, replay, idle expiry, sign-out, and first passwords by emailed link."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from rights import users
from rights.demo import staff as demo_staff
from rights.models import AuditEvent, Grant, OutboxMessage, SignInThrottle, StaffSession, User, utcnow
from rights.users import throttle
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


def post_password(client, email: str, password: str, ip: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/staff/sign-in", data={"csrf_token": csrf(client, "/staff/sign-in"), "email": email,
                                               "password": password}, environ_base={"REMOTE_ADDR": ip})


def post_code(client, code: str, page: str = "/staff/sign-in/code"):  # type: ignore[no-untyped-def]
    return client.post(page, data={"csrf_token": csrf(client, page), "code": code})


def link_from_outbox(rt, email: str) -> str:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        # The recipient is encrypted at rest (not comparable in SQL): filter after decrypting.
        body = next((m.body_text for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "staff_set_password").order_by(OutboxMessage.id.desc())) if m.to == email), None)
    assert body, f"no set-password email to {email}"
    return re.search(r"(/staff/set-password/\S+)", body).group(1)


def set_password(client, link: str, password: str):  # type: ignore[no-untyped-def]
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/set-password")
    return client.post("/staff/set-password", data={"csrf_token": csrf(client, "/staff/set-password"),
                                                    "new": password, "confirm": password})


def test_password_then_code_signs_in_and_rotates_the_session(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    response = post_password(client, officer.email, officer.password)
    assert response.headers["Location"].endswith("/staff/sign-in/code")
    with client.session_transaction() as sess:  # the cookie holds a random token, nothing about the account
        assert set(sess) == {"auth_pending"} and re.fullmatch(r"[\w-]{43}", sess["auth_pending"])
    assert client.get("/staff/cases").status_code == 302  # half signed in: still sent to sign in
    response = post_code(client, officer.code(rt))
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/cases")
    with client.session_transaction() as sess:
        assert "planted" not in sess and "auth_pending" not in sess and sess["mfa_ok"] is True
    assert client.get("/staff/cases").status_code == 200
    assert actions(rt) == ["auth.password_ok", "auth.signed_in"]


def test_a_cookie_copied_after_the_password_step_cannot_open_a_second_session(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    victim, thief = app.test_client(), app.test_client()
    post_password(victim, officer.email, officer.password)
    thief.set_cookie("session", victim.get_cookie("session").value)
    token = csrf(thief, "/staff/sign-in/code")  # the copy works, until the owner uses it
    assert post_code(victim, officer.code(rt)).headers["Location"].endswith("/staff/cases")
    response = thief.post("/staff/sign-in/code", data={"csrf_token": token,  # the next code, as the review did
                                                       "code": officer.code(rt, offset=1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/sign-in")
    assert thief.get("/staff/cases").status_code == 302
    with rt.db.transaction() as session:
        assert len(session.scalars(select(StaffSession)).all()) == 1


def test_pending_and_enrolment_state_cannot_be_forged_with_the_secret_key(app, rt) -> None:  # noqa: F811
    new = make_staff(rt, "officer", enrolled=False)
    serializer = app.session_interface.get_signing_serializer(app)
    client = app.test_client()
    for forged in ({"uid": new.id, "step": "enrol", "at": utcnow().isoformat()}, "made-up-token", new.id):
        client.set_cookie("session", serializer.dumps({"auth_pending": forged}))
        response = client.get("/staff/sign-in/set-up-authenticator")
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/sign-in")
        assert client.get("/staff/sign-in/code").status_code == 302
    with rt.db.transaction() as session:
        assert session.get(User, new.id).totp_secret_enc is None  # no secret was ever made for the forger


def test_failures_look_the_same_and_slow_the_email_down_without_locking_it(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    unknown = post_password(client, "nobody@council.example", "whatever-it-is")
    wrong = post_password(client, officer.email, "not the password")
    assert unknown.status_code == wrong.status_code == 400
    assert users.GENERIC_FAILURE in unknown.get_data(as_text=True)
    assert users.GENERIC_FAILURE in wrong.get_data(as_text=True)
    for n in range(4):  # five failures in all, from five addresses: the email is counted, not the address
        post_password(client, officer.email, "still not it", ip=f"198.51.100.{n}")
    slowed = post_password(client, officer.email, PASSWORD, ip="203.0.113.9")  # right password, but wait
    assert slowed.status_code == 429 and re.search(r"Wait (1 second|2 seconds) and", slowed.get_data(as_text=True))
    assert "auth.throttled" in actions(rt)
    # An unknown address is slowed the same way after the same number of failures: nothing to learn.
    for _ in range(4):
        post_password(client, "nobody@council.example", "guess", ip="192.0.2.1")
    assert post_password(client, "nobody@council.example", "guess", ip="192.0.2.2").status_code == 429
    with rt.db.transaction() as session:  # no lock anywhere: the wait ends and the owner gets in
        session.execute(update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        assert "locked_until" not in User.__table__.c
    assert post_password(client, officer.email, PASSWORD).status_code == 302


def test_the_delay_grows_but_never_passes_a_minute_for_an_account(rt) -> None:
    keys = throttle.keys_for("officer@council.example", "user:1", None, None)
    waits = []
    with rt.db.transaction() as session:
        for _ in range(15):
            throttle.record_failure(session, None, keys)
            waits.append(throttle.wait_for(session, keys))
    seconds = [0 if w is None else round(w.total_seconds()) for w in waits]
    assert seconds[:4] == [0, 0, 0, 0] and seconds[4:9] == [2, 4, 8, 16, 32]
    assert max(seconds) == 60 and seconds[-1] == 60


def test_an_attack_on_an_account_does_not_slow_its_owner_on_a_trusted_browser(app, rt, monkeypatch) -> None:  # noqa: F811
    # Longer waits than production's 2 s start, so a slow, loaded machine cannot outlast a wait between two
    # posts; what is tested (whose attempts are slowed) does not depend on the length.
    email = throttle.RULES["email"]
    monkeypatch.setitem(throttle.RULES, "email", throttle.Rule(free=email.free, base=timedelta(seconds=120),
                                                               cap=timedelta(minutes=10), alert_at=email.alert_at))
    officer = make_staff(rt, "officer")
    owner = signed_in_client(app, rt, officer)  # a completed sign-in leaves a device token
    assert owner.get_cookie("rd_device", path="/staff") is not None
    owner.post("/staff/sign-out", data={"csrf_token": csrf(owner, "/staff/cases")})
    attacker = app.test_client()
    for n in range(12):
        post_password(attacker, officer.email, f"guess {n}")  # same office address as the owner
    assert post_password(attacker, officer.email, PASSWORD).status_code == 429
    assert post_password(owner, officer.email, PASSWORD).status_code == 302  # the owner is not slowed
    assert post_code(owner, officer.code(rt)).status_code == 302
    # A copied device cookie is bound to its account: it does not free another email from the wait.
    other = make_staff(rt, "manager")
    for n in range(6):
        post_password(attacker, other.email, f"guess {n}")
    attacker.set_cookie("rd_device", owner.get_cookie("rd_device", path="/staff").value, path="/staff")
    assert post_password(attacker, other.email, PASSWORD).status_code == 429


def test_one_address_guessing_at_many_accounts_is_slowed(app, rt) -> None:  # noqa: F811
    client = app.test_client()
    statuses = [post_password(client, f"person{n}@council.example", "guess", ip="203.0.113.50").status_code
                for n in range(throttle.RULES["ip"].free + 1)]
    assert statuses[:-1] == [400] * throttle.RULES["ip"].free and statuses[-1] == 429
    assert post_password(client, "person0@council.example", "guess", ip="203.0.113.51").status_code == 400


def test_administrators_are_emailed_once_and_see_the_alert(app, rt) -> None:  # noqa: F811
    admin = make_staff(rt, "admin", email="ada@council.example")
    officer = make_staff(rt, "officer")
    client = app.test_client()
    for n in range(throttle.RULES["email"].alert_at + 3):
        with rt.db.transaction() as session:  # let each attempt through, to count every failure
            session.execute(update(SignInThrottle).values(blocked_until=None))
        post_password(client, officer.email, "guess", ip=f"198.51.100.{n}")
    with rt.db.transaction() as session:
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_sign_in_alert")).all()
    assert [m.to for m in alerts] == [admin.email]
    assert f"user:{officer.id}" in alerts[0].body_text and "Nobody is locked out" in alerts[0].body_text
    assert actions(rt, "auth.throttle_alert") == ["auth.throttle_alert"]
    page = signed_in_client(app, rt, admin).get("/staff/admin/users").get_data(as_text=True)
    assert "Sign-in attempts being slowed down" in page and f"user:{officer.id}" in page


def test_five_wrong_codes_end_the_pending_sign_in(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    client = app.test_client()
    post_password(client, officer.email, officer.password)
    responses = [post_code(client, "000000") for _ in range(5)]
    assert [r.status_code for r in responses[:4]] == [400] * 4
    assert responses[4].status_code == 302 and responses[4].headers["Location"].endswith("/staff/sign-in")
    assert client.get("/staff/sign-in/code").status_code == 302  # the pending sign-in is over
    with rt.db.transaction() as session:
        (grant,) = session.scalars(select(Grant).where(Grant.purpose == "signin")).all()
        assert grant.end_reason == "attempts" and grant.attempts == 5
    assert actions(rt).count("auth.failed") == 5


def test_a_used_code_cannot_be_replayed(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    first = app.test_client()
    code = officer.code(rt)
    post_password(first, officer.email, officer.password)
    assert post_code(first, code).status_code == 302
    second = app.test_client()
    post_password(second, officer.email, officer.password)
    assert post_code(second, code).status_code == 400
    with rt.db.transaction() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.failed")).one().detail["step"] \
            == "code_replayed"


def test_a_new_account_chooses_its_password_by_emailed_link_then_enrols(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        user = users.create_user(session, email="New.Officer@Council.example", role="officer", name="New Officer",
                                 actor="test")
        users.apply_now(session, rt.queue, user.id, "first_password", actor="test")
    email = "new.officer@council.example"
    assert post_password(app.test_client(), email, "").status_code == 400  # no password yet
    link = link_from_outbox(rt, email)
    client = app.test_client()
    weak = set_password(client, link, "short")
    assert weak.status_code == 400 and "at least 12 characters" in weak.get_data(as_text=True)
    response = client.post("/staff/set-password", data={"csrf_token": csrf(client, "/staff/set-password"),
                                                        "new": "a brand new passphrase",
                                                        "confirm": "a brand new passphrase"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/sign-in")
    assert app.test_client().get(link).status_code == 410  # the link worked once
    response = post_password(client, email, "a brand new passphrase")
    assert response.headers["Location"].endswith("/staff/sign-in/set-up-authenticator")
    page = client.get("/staff/sign-in/set-up-authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.get("/staff/sign-in/set-up-authenticator").get_data(as_text=True).count(secret) == 1  # stable
    response = post_code(client, pyotp.TOTP(secret).now(), "/staff/sign-in/set-up-authenticator")
    assert response.headers["Location"].endswith("/staff/cases")
    assert client.get("/staff/cases").status_code == 200
    assert {"auth.password_set", "auth.mfa_enrolled", "auth.signed_in"} <= set(actions(rt))
    with rt.db.transaction() as session:
        told = [m.template for m in session.scalars(select(OutboxMessage)) if m.to == email]
    assert sorted(told) == ["staff_password_set", "staff_set_password"]


def test_a_newer_link_replaces_the_older_one(app, rt) -> None:  # noqa: F811
    officer = make_staff(rt, "officer")
    with rt.db.transaction() as session:
        users.apply_now(session, rt.queue, officer.id, "password", actor="test")
    first = link_from_outbox(rt, officer.email)
    with rt.db.transaction() as session:
        users.apply_now(session, rt.queue, officer.id, "password", actor="test")
    second = link_from_outbox(rt, officer.email)
    assert first != second
    assert app.test_client().get(first).status_code == 410
    assert set_password(app.test_client(), second, "another long passphrase").status_code == 302


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


def test_a_staff_page_reads_its_session_without_a_transaction_and_writes_in_one_when_due(app, rt) -> None:  # noqa: F811
    """Within the minute, the session check is a read with no transaction open on the server (no BEGIN or
    COMMIT round trips); once the last seen time is due, the check moves it, in a transaction."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    officer = make_staff(rt, "officer")
    client = signed_in_client(app, rt, officer)
    statuses: list[TransactionStatus] = []

    def seen(conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def] - after it ran
        if statement.lstrip().upper().startswith("SELECT") and "staff_sessions" in statement:
            statuses.append(conn.connection.dbapi_connection.info.transaction_status)

    def last_seen() -> object:
        with rt.db.transaction() as session:
            return session.scalars(select(StaffSession.last_seen_at).where(StaffSession.user_id == officer.id)).one()

    engine = app.extensions["rights"].db.engine  # the app's own engine
    event.listen(engine, "after_cursor_execute", seen)
    try:
        assert client.get("/staff/cases").status_code == 200
        assert statuses == [TransactionStatus.IDLE]  # read in autocommit: nothing to write yet
        before = utcnow() - timedelta(minutes=2)
        with rt.db.transaction() as session:
            session.execute(update(StaffSession).values(last_seen_at=before))
        statuses.clear()
        assert client.get("/staff/cases").status_code == 200
        # The read finds the time due, and the check runs again in a transaction, which writes it.
        assert statuses == [TransactionStatus.IDLE, TransactionStatus.INTRANS]
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert last_seen() > before + timedelta(minutes=1)


@pytest.mark.parametrize(("seen_ago", "active", "ended", "peeked", "checked"), [
    (timedelta(seconds=5), True, False, "valid", "valid"),
    (timedelta(seconds=90), True, False, None, "valid"),  # due to move: the peek leaves it to the check
    (timedelta(minutes=31), True, False, None, "idle"),
    (timedelta(seconds=5), False, False, None, "inactive"),
    (timedelta(seconds=5), True, True, "signed_out", "signed_out"),
])
def test_peek_answers_only_where_the_check_would_write_nothing(rt, seen_ago, active, ended, peeked,
                                                               checked) -> None:
    """``peek_session`` gives ``check_session``'s answer wherever that answer writes nothing, and None
    (run the check) wherever it writes; it never writes itself."""
    officer = make_staff(rt, "officer")
    now = utcnow()
    with rt.db.transaction() as session:
        token = users.start_session(session, officer.id, now=now - seen_ago)
        session.execute(update(StaffSession).values(last_seen_at=now - seen_ago))
        if ended:
            users.end_session(session, token)
        session.get(User, officer.id).active = active
    idle = timedelta(minutes=30)

    def answer(check: users.SessionCheck | None) -> str | None:
        return None if check is None else ("valid" if check.user_id == officer.id else check.reason)

    with rt.db.reading() as session:
        assert answer(users.peek_session(session, token, idle, now=now)) == peeked
    with rt.db.transaction() as session:
        assert session.scalars(select(StaffSession.last_seen_at)).one() == now - seen_ago  # the peek wrote nothing
        assert answer(users.check_session(session, token, idle, now=now)) == checked
    with rt.db.reading() as session:
        assert answer(users.peek_session(session, "no such token", idle, now=now)) == "unknown"


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
    assert post_code(client, officer.code(rt)).headers["Location"].endswith("/staff/cases")
    client = app.test_client()
    client.post("/staff/sign-in?next=/staff/reports", data={"csrf_token": csrf(client, "/staff/sign-in"),
                                                            "email": officer.email, "password": PASSWORD})
    assert post_code(client, officer.code(rt)).headers["Location"].endswith("/staff/reports")


def test_sign_in_is_rate_limited_per_address(rt, settings) -> None:
    from rights.web import create_app

    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": True, "AUTH_LIMIT_SIGN_IN": "3 per minute"}
    limited = create_app(settings, start_worker=False)
    client = limited.test_client()
    token = csrf(client, "/staff/sign-in")
    codes = [client.post("/staff/sign-in", data={"csrf_token": token, "email": f"t{n}@council.example",
                                                 "password": "guess"}).status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]


def test_cli_creates_an_account_and_emails_the_link(app, rt) -> None:  # noqa: F811
    from rights.cli import main

    result = CliRunner().invoke(main, ["users", "create", "--email", "rh@council.example", "--role",
                                       "record_holder", "--service", "childrens_social_care", "--name", "R H"])
    assert result.exit_code == 0, result.output
    assert "emailed rh@council.example a link" in result.output and "set-password/" not in result.output
    link = link_from_outbox(rt, "rh@council.example")
    assert set_password(app.test_client(), link, "record holder passphrase").status_code == 302
    printed = CliRunner().invoke(main, ["users", "reset-password", "--email", "rh@council.example", "--print-link"])
    assert printed.exit_code == 0 and link_from_outbox(rt, "rh@council.example") in printed.output
    assert post_password(app.test_client(), "rh@council.example", "record holder passphrase").status_code == 400
    bad = CliRunner().invoke(main, ["users", "create", "--email", "x@council.example", "--role", "record_holder"])
    assert bad.exit_code == 2 and "at least one service" in bad.output


def test_demo_staff_are_seeded_once_and_sign_in_with_the_printed_secret(app, rt) -> None:  # noqa: F811
    first = demo_staff.seed_demo_staff(rt)
    assert demo_staff.seed_demo_staff(rt) == first
    manager = demo_staff.DEMO_ACCOUNTS[1]
    assert manager.totp_secret in "\n".join(first)
    client = app.test_client()
    post_password(client, manager.email, manager.password)
    assert post_code(client, pyotp.TOTP(manager.totp_secret).now()).status_code == 302
    with rt.db.transaction() as session:
        assert len(session.scalars(select(User)).all()) == len(demo_staff.DEMO_ACCOUNTS)


def test_sign_in_helper_really_signs_in(app, rt) -> None:  # noqa: F811
    manager = make_staff(rt, "manager")
    client = app.test_client()
    assert sign_in(client, rt, manager).status_code == 302
    assert client.get("/staff/reports").status_code == 200
