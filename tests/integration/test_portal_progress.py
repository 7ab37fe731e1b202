"""Check progress: reference and email, a one-time code by email, the status page; no enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from rights import clock, progress
from rights.models import AuditEvent, OutboxMessage, ProgressCode, utcnow
from rights.notify import queue_email
from tests.factories import make_person, make_request
from tests.integration.portal_support import Portal, portal_app, prepare_codes
from tests.portal_journeys import error_messages

EMAIL = "parent@example.org"


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    return portal_app(settings)


@pytest.fixture
def portal(app) -> Portal:  # type: ignore[no-untyped-def]
    return Portal(app.test_client())


@pytest.fixture
def case(rt):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = make_request(session, requester_role="parent", requester=make_person(given_names="Sam", email=EMAIL))
        queue_email(session, rt.queue, key=f"acknowledgement-test:{request.id}", to=EMAIL, template="progress_code",
                    context={"code": "000000", "reference": request.reference, "minutes": 15},
                    request_id=request.id)  # a private template: never listed
        queue_email(session, rt.queue, key=f"letter:{request.id}", to=EMAIL, template="acknowledgement",
                    request_id=request.id, context={
                        "reference": request.reference, "kind": "access", "kind_name": "request", "requester_name":
                        "Sam <b>Hart</b>", "subject_name": "Amelia", "young": False, "about_someone_else": True,
                        "received_on": request.received_on, "due_on": request.due_on, "provisional": False,
                        "has_id": True, "role": "parent"})
        return request.id, request.reference, request.due_on


def codes_sent(db) -> list[str]:  # type: ignore[no-untyped-def]
    prepare_codes(db)
    with db.transaction() as session:
        bodies = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "progress_code",
                                                                       OutboxMessage.key.like("progress-code:%"))
                                 .order_by(OutboxMessage.id)).all()
    return [re.search(r"Your code is (\d{6})", b).group(1) for b in bodies]


def ask_for_code(portal: Portal, reference: str, email: str) -> object:
    return portal.post("/progress", {"reference": reference, "email": email})


def test_code_flow_shows_the_status(portal, db, case) -> None:
    request_id, reference, due = case
    response = ask_for_code(portal, reference.lower().replace("-", " "), EMAIL.upper())
    assert response.headers["Location"].endswith("/progress/code")
    (code,) = codes_sent(db)
    assert portal.get("/progress/status").headers["Location"].endswith("/progress")  # not yet
    response = portal.post("/progress/code", {"code": code})
    assert response.headers["Location"].endswith("/progress/status")
    page = portal.get("/progress/status").get_data(as_text=True)
    assert reference in page
    assert progress.stage_words("received") in page
    assert clock.long_date(due) in page
    assert "We have received your request" in page  # the letter is listed
    assert "Sam &lt;b&gt;Hart&lt;/b&gt;" in page and "<b>Hart</b>" not in page
    assert "Your code to check progress" not in page  # codes are never listed
    with db.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == request_id)).all()
    assert {"progress.code_prepared", "progress.code_checked", "progress.viewed"} <= set(actions)
    # The code works once.
    portal.post("/progress/finish", {})
    assert portal.get("/progress/status").headers["Location"].endswith("/progress")


def test_unknown_reference_or_wrong_email_gets_the_same_answer(app, db, case) -> None:
    _, reference, _ = case

    def attempt(ref: str, email: str) -> tuple[int, str, str]:
        p = Portal(app.test_client())
        first = ask_for_code(p, ref, email)
        page = p.get("/progress/code").get_data(as_text=True)
        page = re.sub(r'(nonce|value)="[^"]*"', "", page)
        return first.status_code, first.headers["Location"], page

    real = attempt(reference, EMAIL)
    assert attempt("SAR-2026-09999", EMAIL) == real
    assert attempt(reference, "someone.else@example.org") == real
    assert len(codes_sent(db)) == 1  # only the matching request got an email
    with db.transaction() as session:
        challenges = session.scalars(select(ProgressCode)).all()
    assert len(challenges) == 3 and sum(c.request_id is not None for c in challenges) == 1


def test_unknown_reference_cannot_be_opened_with_any_code(portal, db, case) -> None:
    ask_for_code(portal, "SAR-2026-09999", EMAIL)
    html = portal.post("/progress/code", {"code": "123456"}).get_data(as_text=True)
    assert error_messages(html) == [progress_messages()["wrong"]]


def progress_messages() -> dict[str, str]:
    from rights.web.portal.progress import MESSAGES

    return {k.value: v for k, v in MESSAGES.items()}


def test_wrong_code_then_too_many_attempts(portal, db, case) -> None:
    _, reference, _ = case
    ask_for_code(portal, reference, EMAIL)
    (code,) = codes_sent(db)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(progress.MAX_ATTEMPTS - 1):
        html = portal.post("/progress/code", {"code": wrong}).get_data(as_text=True)
        assert error_messages(html) == [progress_messages()["wrong"]]
        assert "<title>Error: " in html
    html = portal.post("/progress/code", {"code": wrong}).get_data(as_text=True)
    assert error_messages(html) == [progress_messages()["too_many"]]
    html = portal.post("/progress/code", {"code": code}).get_data(as_text=True)  # even the right code now
    assert error_messages(html) == [progress_messages()["too_many"]]


def test_expired_code_is_refused(portal, db, case) -> None:
    _, reference, _ = case
    ask_for_code(portal, reference, EMAIL)
    (code,) = codes_sent(db)
    with db.transaction() as session:
        session.execute(update(ProgressCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    html = portal.post("/progress/code", {"code": code}).get_data(as_text=True)
    assert error_messages(html) == [progress_messages()["expired"]]
    assert "Request a new code" in html


def test_at_most_three_codes_an_hour_are_emailed_for_one_request(app, db, case) -> None:
    _, reference, _ = case
    for _ in range(5):
        ask_for_code(Portal(app.test_client()), reference, EMAIL)
    assert len(codes_sent(db)) == progress.MAX_CODES_PER_HOUR


def test_code_requests_are_rate_limited(app, portal, case) -> None:
    app.config["PORTAL_LIMIT_CODE_REQUEST"] = "2 per minute"
    _, reference, _ = case
    for _ in range(2):
        ask_for_code(portal, reference, EMAIL)
    assert ask_for_code(portal, reference, EMAIL).status_code == 429


def test_code_checks_are_rate_limited(app, portal, case) -> None:
    app.config["PORTAL_LIMIT_CODE_CHECK"] = "3 per minute"
    _, reference, _ = case
    ask_for_code(portal, reference, EMAIL)
    for _ in range(3):
        portal.post("/progress/code", {"code": "000001"})
    assert portal.post("/progress/code", {"code": "000001"}).status_code == 429


def test_bad_reference_and_email_formats_are_explained(portal) -> None:
    html = portal.post("/progress", {"reference": "hello", "email": "not-an-email"}).get_data(as_text=True)
    assert error_messages(html) == ["Enter your reference in the correct format, like SAR-2026-00001",
                                    "Enter an email address in the correct format, like name@example.com"]
    assert 'value="hello"' in html and 'value="not-an-email"' in html


def test_status_access_expires(portal, db, case, monkeypatch) -> None:
    _, reference, _ = case
    ask_for_code(portal, reference, EMAIL)
    (code,) = codes_sent(db)
    portal.post("/progress/code", {"code": code})
    assert portal.get("/progress/status").status_code == 200
    monkeypatch.setattr(progress, "ACCESS_TTL", timedelta(0))
    ask_for_code(portal, reference, EMAIL)
    code = codes_sent(db)[-1]
    portal.post("/progress/code", {"code": code})
    assert portal.get("/progress/status").headers["Location"].endswith("/progress")
