"""The requester's access after a good code is a server-side grant handed on page by page; nothing about it
can be forged with the secret key; and checking progress does the same work whether or not details match."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from rights import progress, tokens
from rights.models import AuditEvent, Grant, OutboxMessage, ProgressCode, utcnow
from tests.factories import make_person, make_request
from tests.integration.portal_support import Portal, portal_app, prepare_codes

EMAIL = "parent@example.org"


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    return portal_app(settings)


@pytest.fixture
def case(rt):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = make_request(session, requester_role="parent", requester=make_person(given_names="Sam", email=EMAIL))
        return request.id, request.reference


def opened(app, db, reference: str) -> Portal:  # type: ignore[no-untyped-def]
    """A requester's browser past the code, on the status page."""
    portal = Portal(app.test_client())
    portal.post("/progress", {"reference": reference, "email": EMAIL})
    prepare_codes(db)
    with db.transaction() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "progress_code")
                               .order_by(OutboxMessage.id.desc())).first()
    code = re.search(r"Your code is (\d{6})", body).group(1)
    assert portal.post("/progress/code", {"code": code}).headers["Location"].endswith("/progress/status")
    return portal


def status(portal: Portal) -> int:
    return int(portal.get("/progress/status").status_code)


def test_a_copied_cookie_stops_working_at_the_requesters_next_click(app, db, case) -> None:
    requester = opened(app, db, case[1])
    copy = Portal(app.test_client())
    copy.client.set_cookie("session", requester.client.get_cookie("session").value)
    assert status(requester) == 200
    assert status(copy) == 302  # the token it holds was used up by the requester's click
    # The spent token came back: someone has a copy, so the grant ends for everyone and it is audited.
    assert status(requester) == 302
    with db.transaction() as session:
        reused = session.scalars(select(AuditEvent).where(AuditEvent.action == "progress.grant_reused")).one()
        assert reused.request_id == case[0]


def test_a_thief_who_clicks_first_is_shut_out_by_the_requesters_next_click(app, db, case) -> None:
    requester = opened(app, db, case[1])
    copy = Portal(app.test_client())
    copy.client.set_cookie("session", requester.client.get_cookie("session").value)
    assert status(copy) == 200
    assert status(requester) == 302
    assert status(copy) == 302  # the whole grant ended when the spent token came back


def test_the_grant_cannot_be_forged_with_the_secret_key(app, db, case) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    client = app.test_client()
    until = (utcnow() + timedelta(minutes=30)).isoformat()
    for forged in ({"progress_access": {"request_id": case[0], "until": until}},
                   {"progress_access": "made-up-token"},
                   {"download_access": {"link": "anything", "until": until}}):
        client.set_cookie("session", serializer.dumps(forged))
        response = client.get("/progress/status")
        assert response.status_code == 302 and response.headers["Location"].endswith("/progress")
    with db.transaction() as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "progress.viewed")).all()


def test_the_grant_ends_after_thirty_minutes_and_at_finish(app, db, case) -> None:
    requester = opened(app, db, case[1])
    assert status(requester) == 200
    with db.transaction() as session:
        session.execute(update(Grant).where(Grant.purpose == "progress")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert status(requester) == 302
    again = opened(app, db, case[1])
    copy = Portal(app.test_client())
    copy.client.set_cookie("session", again.client.get_cookie("session").value)
    again.post("/progress/finish", {})
    assert status(copy) == 302 and status(again) == 302


def test_one_token_used_by_two_requests_at_once_succeeds_once(rt) -> None:
    with rt.db.transaction() as session:
        token = tokens.issue(session, "signin", ttl=timedelta(minutes=5), scope="code")
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def use() -> None:
        with rt.db.transaction() as session:
            barrier.wait()
            results.append(tokens.take(session, token, "signin", scope="code") is not None)

    threads = [threading.Thread(target=use) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


def test_rotation_hands_on_and_a_spent_token_ends_the_family(rt) -> None:
    with rt.db.transaction() as session:
        first = tokens.issue(session, "progress", ttl=timedelta(minutes=30), request_id=None)
        second = tokens.rotate(session, first, "progress")
        assert second.outcome is tokens.Rotation.OK and second.token
        third = tokens.rotate(session, second.token, "progress")
        assert third.outcome is tokens.Rotation.OK
        assert tokens.rotate(session, first, "download").outcome is tokens.Rotation.INVALID  # wrong purpose
        assert tokens.rotate(session, first, "progress").outcome is tokens.Rotation.REUSED
        assert tokens.rotate(session, third.token, "progress").outcome is tokens.Rotation.INVALID
        assert tokens.peek(session, "x" * 500, "progress") is None
        ends = session.scalars(select(Grant.end_reason).where(Grant.family == second.grant.family)).all()
    assert sorted(ends) == ["reused", "rotated", "rotated"]


# ---------------------------------------------------------------------------------------------------
# The same work whether or not the details match


def statements_of(app, action) -> list[str]:  # type: ignore[no-untyped-def]
    """The SQL statements (without their values) the app's database sees while ``action`` runs."""
    engine = app.extensions["rights"].db.engine
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_asking_for_a_code_runs_the_same_statements_whether_or_not_the_details_match(app, db, case) -> None:
    _, reference = case
    runs = {}
    for name, ref, email in (("match", reference, EMAIL), ("unknown", "SAR-2026-09999", EMAIL),
                             ("wrong email", reference, "someone.else@example.org")):
        portal = Portal(app.test_client())
        portal.token()  # the form's page first, outside the measurement
        runs[name] = statements_of(app, lambda p=portal, r=ref, e=email: p.post("/progress", {"reference": r,
                                                                                                "email": e}))
    assert runs["match"] == runs["unknown"] == runs["wrong email"]
    assert any("INSERT INTO progress_codes" in s for s in runs["match"])
    assert not any("FROM requests" in s or "FROM people" in s for s in runs["match"])  # no lookup at all
    prepare_codes(db)
    with db.transaction() as session:
        matched = session.scalars(select(ProgressCode.request_id).order_by(ProgressCode.created_at)).all()
    assert matched == [case[0], None, None]


def test_checking_a_code_does_the_same_hashing_for_matched_and_unmatched_challenges(rt, case, monkeypatch) -> None:
    _, reference = case
    with rt.db.transaction() as session:
        ids = [progress.start_check(session, rt.queue, reference=ref, email=EMAIL)
               for ref in (reference, "SAR-2026-09999")]
    prepare_codes(rt.db)
    calls: list[str] = []
    real = progress.hash_code
    monkeypatch.setattr(progress, "hash_code", lambda key, text: calls.append(text) or real(key, text))
    for challenge in ids:
        with rt.db.transaction() as session:
            result, _ = progress.check_code(session, secret_key=rt.settings.secret_key, challenge_id=challenge,
                                            code="123456")
        assert result is progress.CheckResult.WRONG
    assert [c.split(":")[1] for c in calls] == ["123456", "123456"]
