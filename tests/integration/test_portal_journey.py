"""The public portal's request journey through Flask's test client, on real PostgreSQL and Redis.

Every request type is submitted end to end here (Chromium repeats three of them in tests/browser), with
the database rows and the outbox checked; bad input, CSRF, rate limits, timeouts and double submission
are tried page by page.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from rights import clock, journey
from rights.models import (
    AuditEvent,
    Document,
    JobRun,
    OutboxMessage,
    Person,
    PortalDraft,
    RightsRequest,
    utcnow,
)
from rights.security import store_for
from rights.web.access import rule_of
from tests.integration.portal_support import Portal, portal_app
from tests.portal_journeys import (
    DETAILS,
    EXE,
    JPEG,
    PDF,
    PNG,
    VALID_NHS,
    WRONG_NHS,
    XSS,
    error_messages,
)
from tests.portal_journeys import (
    journey as journey_steps,
)


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    return portal_app(settings)


@pytest.fixture
def portal(app) -> Portal:  # type: ignore[no-untyped-def]
    return Portal(app.test_client())


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def only_request(db) -> RightsRequest:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        request = session.scalars(select(RightsRequest)).one()
        session.expunge_all()
        return request


# ---------------------------------------------------------------- every route has an access rule


def test_every_portal_view_declares_its_access_rule(app) -> None:
    portal_endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("portal.")]
    assert len(portal_endpoints) >= 12
    for endpoint in portal_endpoints:
        assert rule_of(app.view_functions[endpoint]) == ("public",), endpoint


# ---------------------------------------------------------------- each type, end to end


CASES = [
    ("access", "self_adult", {"proof-of-id": (PNG, "passport.png")}),
    ("rectification", "representative", {"authority": (PDF, "signed-authority.pdf")}),
    ("erasure", "parent", {"proof-of-id": (JPEG, "licence.jpg")}),
    ("restriction", "self_child", {}),
    ("objection", "self_adult", {}),
    ("complaint", "self_adult", {}),
]


@pytest.mark.parametrize(("kind", "role", "files"), CASES, ids=[f"{k}-{r}" for k, r, _ in CASES])
def test_each_request_type_end_to_end(portal, db, settings, kind, role, files) -> None:
    portal.complete(journey_steps(kind, role, email="Citizen@Example.org"), files)
    check = portal.get("/request/check").get_data(as_text=True)
    assert "Check your answers" in check
    page = portal.submit().get_data(as_text=True)

    request = only_request(db)
    assert re.fullmatch(r"(SAR|RECT|ERAS|REST|OBJ|DPC)-\d{4}-00001", request.reference)
    assert request.kind == kind and request.channel == "web" and request.requester_role == role
    assert f'<strong class="app-reference">{request.reference}</strong>' in page
    assert clock.long_date(request.due_on) in text_of(page)
    if kind == "complaint":
        assert "received your complaint by" in text_of(page)
        assert request.due_on == clock.compute(clock.ClockInput(clock.RequestKind.COMPLAINT, request.received_on)).due
    else:
        assert request.due_on == clock.compute(clock.ClockInput(clock.RequestKind(kind), request.received_on)).due
        assert ("This date may change" in page) == (role in ("parent", "representative") or not files)

    with db.transaction() as session:
        request = session.get(RightsRequest, request.id)
        subject, requester = request.subject, request.requester
        assert subject.date_of_birth in (date(1990, 5, 17), date(2014, 9, 2))
        assert subject.identifiers == {"nhs_number": VALID_NHS.replace(" ", "")}
        assert subject.addresses[0] == {"lines": ["1 High Street", "Shrewsbury"], "postcode": "SY3 8HQ",
                                        "current": True}
        assert request.services == ["childrens_social_care", "early_help"]
        if role.startswith("self"):
            assert requester.id == subject.id
        else:
            assert requester.id != subject.id
            assert requester.email == "Citizen@Example.org"
        if role == "parent":
            assert (request.authority_basis, request.child_age, request.child_view) == (
                "parental_responsibility", 12, "knows_agrees")
        if role == "representative":
            assert request.authority_basis == "signed_consent"
            assert requester.organisation == "Shah Solicitors"
        if kind != "complaint":
            assert (request.period_from, request.period_to) == (date(2015, 1, 1), date(2020, 12, 31))
        assert request.details.get("first", "") == DETAILS[kind].get("first", "")
        docs = session.scalars(select(Document).where(Document.request_id == request.id)).all()
        assert [d.filename for d in docs] == [name for _, name in files.values()]
        store = store_for(settings.upload_dir, settings.encryption_keys)
        for doc, (content, _) in zip(docs, files.values(), strict=True):
            assert store.get(doc.storage_key) == content
            assert content not in store.raw(doc.storage_key)
        ack = session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == request.id)).one()
        assert ack.key == f"acknowledgement:{request.id}" and ack.to == "Citizen@Example.org"
        assert request.reference in ack.subject and clock.long_date(request.due_on) in ack.body_text
        job = session.scalars(select(JobRun).where(JobRun.name == "send_outbox")).one()
        assert job.args == [ack.id]
        assert session.scalars(select(PortalDraft)).all() == []  # the draft is gone once submitted
        actions = [a for (a,) in session.execute(select(AuditEvent.action).where(AuditEvent.request_id == request.id))]
        assert "request.received" in actions


def test_self_child_sees_simpler_words(portal) -> None:
    portal.answer("who", {"role": "self_child"})
    page = portal.get("/request/type").get_data(as_text=True)
    assert "See the information you have about me" in page
    portal.answer("type", {"kind": "access"})
    portal.answer("name", {"given_names": "Jordan", "family_name": "Reed"})
    assert "Have you ever had a different name?" in portal.get("/request/previous-names").get_data(as_text=True)


def test_a_request_about_the_same_person_within_30_days_is_flagged_not_blocked(portal, app, db) -> None:
    portal.complete(journey_steps("access", "self_adult"))
    first = portal.submit()
    again = Portal(app.test_client())
    again.complete(journey_steps("erasure", "self_adult"))
    page = again.submit().get_data(as_text=True)
    assert "Request sent" in page
    with db.transaction() as session:
        first_req, second_req = session.scalars(select(RightsRequest).order_by(RightsRequest.id)).all()
        assert first_req.possible_duplicate_of_id is None
        assert second_req.possible_duplicate_of_id == first_req.id
    assert first.status_code == 200


# ---------------------------------------------------------------- navigation, change links, timeouts


def test_pages_cannot_be_skipped_by_url(portal) -> None:
    response = portal.get("/request/contact")
    assert response.headers["Location"].endswith("/request/who")
    portal.answer("who", {"role": "self_adult"})
    assert portal.get("/request/contact").headers["Location"].endswith("/request/type")
    assert portal.get("/request/check").headers["Location"].endswith("/request/type")


def test_changing_who_is_asking_opens_the_new_pages_then_returns_to_check(portal) -> None:
    portal.complete(journey_steps("access", "self_adult"))
    location = portal.answer("who", {"role": "representative"}, change=True)
    assert location.endswith("/request/requester?change=1")
    location = portal.answer("requester", {"given_names": "Priya", "family_name": "Shah", "organisation": "",
                                           "rep_role": "advocate"}, change=True)
    assert location.endswith("/request/authority?change=1")
    location = portal.answer("authority", {"basis": "power_of_attorney"}, (PDF, "lpa.pdf"), change=True)
    assert location.endswith("/request/contact?change=1")  # the postal address question is new for them
    assert portal.answer("contact", {"methods": ["email"], "email": "p@example.org"}, change=True).endswith(
        "/request/check")
    check = text_of(portal.get("/request/check").get_data(as_text=True))
    assert "Lasting or enduring power of attorney" in check and "lpa.pdf" in check


def test_a_simple_change_returns_straight_to_check(portal) -> None:
    portal.complete(journey_steps("access", "self_adult"))
    assert portal.answer("name", {"given_names": "Amy", "family_name": "Hart"}, change=True).endswith("/request/check")
    assert "Amy Hart" in portal.get("/request/check").get_data(as_text=True)


def test_idle_timeout_deletes_the_answers(portal, db) -> None:
    portal.answer("who", {"role": "self_adult"})
    with db.transaction() as session:
        session.execute(update(PortalDraft).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = portal.get("/request/type")
    assert response.headers["Location"].endswith("/request/timed-out")
    page = portal.get("/request/timed-out").get_data(as_text=True)
    assert "Your answers have been deleted" in page
    assert portal.get("/request/type").headers["Location"].endswith("/request/who")  # a fresh start


def test_draft_answers_are_encrypted_at_rest(portal, db) -> None:
    portal.answer("who", {"role": "self_adult"})
    portal.answer("type", {"kind": "access"})
    portal.answer("name", {"given_names": "Zebedee", "family_name": "Quartermaine"})
    with db.transaction() as session:
        (draft,) = session.scalars(select(PortalDraft)).all()
        assert b"Quartermaine" not in draft.answers_enc
    cookie = portal.client.get_cookie("session")
    assert cookie is not None and "Quartermaine" not in cookie.value


def test_double_submission_makes_one_request(portal, db) -> None:
    portal.complete(journey_steps("objection", "self_adult"))
    portal.submit()
    again = portal.post("/request/check", {"declaration": "y"})
    assert again.headers["Location"].endswith("/request/confirmation")
    with db.transaction() as session:
        assert len(session.scalars(select(RightsRequest)).all()) == 1


def test_declaration_is_required(portal) -> None:
    portal.complete(journey_steps("access", "self_adult"))
    response = portal.post("/request/check", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_messages(html) == ["Confirm that the information you have given is correct"]
    assert "<title>Error: " in html


def test_previous_addresses_can_be_added_and_removed(portal) -> None:
    for step, data in journey_steps("access", "self_adult")[:6]:
        portal.answer(step, data)
    here = portal.answer("previous-addresses", {"action": "add", "line1": "3 Old Road", "town": "Ludlow",
                                                "postcode": "SY8 1AA"})
    assert here.endswith("/request/previous-addresses")
    portal.answer("previous-addresses", {"action": "add", "line1": "9 Canal St", "town": "Telford",
                                         "postcode": "TF1 1AA"})
    page = portal.get("/request/previous-addresses").get_data(as_text=True)
    assert "3 Old Road" in page and "9 Canal St" in page
    portal.post("/request/previous-addresses/remove/0", {})
    page = portal.get("/request/previous-addresses").get_data(as_text=True)
    assert "3 Old Road" not in page and "9 Canal St" in page
    response = portal.post("/request/previous-addresses", {"action": "continue", "line1": "5 Bad Lane",
                                                           "town": "Ludlow", "postcode": "NOT A POSTCODE"})
    assert error_messages(response.get_data(as_text=True)) == ["Enter a full UK postcode, like SY3 8HQ"]
    assert 'value="5 Bad Lane"' in response.get_data(as_text=True)


# ---------------------------------------------------------------- bad input: clear errors, answers survive


def _to(portal: Portal, step: str, kind: str = "access", role: str = "self_adult") -> None:
    """Answer every page before ``step``."""
    for name, data in journey_steps(kind, role):
        if name == step:
            return
        portal.answer(name, data)
    raise AssertionError(f"{step} is not in the journey")


@pytest.mark.parametrize(("parts", "message", "kept"), [
    (["31", "2", "2010"], "Date of birth must be a real date", 'value="31"'),
    (["1", "13", "2010"], "Date of birth must be a real date", 'value="13"'),
    (["ab", "5", "2010"], "Date of birth must be a real date", 'value="ab"'),
    (["1", "1", (date.today() + timedelta(days=400)).strftime("%Y")], "Date of birth must be in the past", 'value="1"'),
    (["17", "", "2010"], "Date of birth must include a month", 'value="17"'),
    (["", "", ""], "Enter date of birth", None),
    (["17", "5", "10"], "Year must include 4 numbers", 'value="10"'),
    (["1", "1", "1850"], "Date of birth must be the same as or after 1 January 1900", 'value="1850"'),
], ids=["31-feb", "month-13", "letters", "future", "no-month", "empty", "short-year", "too-old"])
def test_impossible_and_future_dates_are_refused_clearly(portal, parts, message, kept) -> None:
    _to(portal, "date-of-birth")
    response = portal.post("/request/date-of-birth", {"date": parts})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_messages(html) == [message]
    assert "<title>Error: " in html
    href = re.search(r'govuk-error-summary__list">.*?href="#([^"]+)"', html, re.S).group(1)
    assert f'id="{href}"' in html  # the summary links to a box on the page
    if kept:
        assert kept in html
    assert 'value="Amelia"' in portal.get("/request/name").get_data(as_text=True)  # earlier answers survive


def test_wrong_nhs_check_digit_is_refused_and_kept(portal) -> None:
    _to(portal, "nhs-number")
    html = portal.post("/request/nhs-number", {"nhs_number": WRONG_NHS}).get_data(as_text=True)
    assert error_messages(html) == ["Enter a valid NHS number. Check it, or leave it empty if you are not sure"]
    assert f'value="{WRONG_NHS}"' in html
    html = portal.post("/request/nhs-number", {"nhs_number": "12345"}).get_data(as_text=True)
    assert error_messages(html) == ["NHS number must be 10 digits, like 943 476 5919"]
    assert portal.answer("nhs-number", {"nhs_number": ""}).endswith("/request/services")  # optional


def _upload(portal: Portal, step: str, content: bytes, name: str, **data: Any) -> Any:
    return portal.post(f"/request/{step}", {**data, "file": (io.BytesIO(content), name)})


def test_an_11_mb_upload_is_refused_and_the_answers_survive(portal, db) -> None:
    _to(portal, "proof-of-id")
    big = PDF + b"0" * (11 * 1024 * 1024)
    response = _upload(portal, "proof-of-id", big, "scan.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_messages(html) == ["The selected file must be smaller than 10 MB"]
    with db.transaction() as session:
        assert session.scalars(select(Document)).all() == []
    assert "Which period do you want information from?" in portal.get("/request/period").get_data(as_text=True)
    assert 'value="2015"' in portal.get("/request/period").get_data(as_text=True)


def test_a_body_over_the_request_limit_is_explained_on_the_upload_page(app, portal) -> None:
    _to(portal, "proof-of-id")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # Flask refuses the body before the view can read it
    response = _upload(portal, "proof-of-id", PDF + b"0" * (100 * 1024), "scan.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert error_messages(html) == ["The selected file must be smaller than 10 MB"]
    assert "Upload proof of your identity" in html and "<title>Error: " in html
    app.config["MAX_CONTENT_LENGTH"] = 31 * 1024 * 1024
    assert 'value="Hart"' in portal.get("/request/name").get_data(as_text=True)


@pytest.mark.parametrize("name", ["id.pdf", "photo.png", "evil.exe"])
def test_an_executable_is_refused_whatever_its_name(portal, db, name) -> None:
    _to(portal, "proof-of-id")
    html = _upload(portal, "proof-of-id", EXE, name).get_data(as_text=True)
    assert error_messages(html) == ["The selected file must be a PDF, JPG or PNG"]
    with db.transaction() as session:
        assert session.scalars(select(Document)).all() == []


def test_a_real_pdf_is_accepted_whatever_its_name_and_can_be_removed(portal, db, settings) -> None:
    _to(portal, "proof-of-id")
    assert portal.answer("proof-of-id", {}, (PDF, "scan.txt")).endswith("/request/contact")
    with db.transaction() as session:
        (doc,) = session.scalars(select(Document)).all()
        assert (doc.filename, doc.content_type, doc.request_id) == ("scan.pdf", "application/pdf", None)
        doc_id, key = doc.id, doc.storage_key
    page = portal.get("/request/proof-of-id").get_data(as_text=True)
    assert "scan.pdf" in page
    portal.post(f"/request/proof-of-id/remove/{doc_id - 1}", {})  # not theirs: nothing happens
    portal.post(f"/request/proof-of-id/remove/{doc_id}", {})
    with db.transaction() as session:
        assert session.get(Document, doc_id) is None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"document:{doc_id}")).all()
        assert actions == ["document.uploaded", "document.removed"]
    assert not store_for(settings.upload_dir, settings.encryption_keys)._path(key).exists()


def test_representative_must_upload_authority(portal, db) -> None:
    _to(portal, "authority", role="representative")
    html = portal.post("/request/authority", {"basis": "deputyship"}).get_data(as_text=True)
    assert error_messages(html) == ["Upload a copy of your authority to act"]
    html = _upload(portal, "authority", PDF, "order.pdf").get_data(as_text=True)  # file but no kind chosen
    assert error_messages(html) == ["Select what authority you have"]
    assert "order.pdf" in html  # the file was kept: it need not be chosen again
    assert portal.answer("authority", {"basis": "deputyship"}).endswith("/request/name")


def test_every_question_page_explains_missing_answers_in_the_error_summary(portal) -> None:
    """Submitting each required page empty: a GOV.UK error summary whose links reach the fields."""
    seen = 0
    for step, data in journey_steps("rectification", "representative"):
        response = portal.post(f"/request/{step}", {})
        html = response.get_data(as_text=True)
        errors = error_messages(html)
        if step in ("previous-names", "previous-addresses", "nhs-number", "period", "proof-of-id", "adjustments"):
            assert errors == [] and response.status_code == 302, step  # optional pages
        else:
            assert errors, step
            assert html.count("<title>Error: ") == 1
            for href in re.findall(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)[0].split('href="#')[1:]:
                assert f'id="{href.split(chr(34))[0]}"' in html, (step, href)
            seen += 1
        if response.status_code != 302:
            portal.answer(step, data, (PDF, "a.pdf") if step == "authority" else None)
    assert seen >= 10


def test_html_and_script_in_every_text_field_are_escaped_in_pages_and_emails(portal, db) -> None:
    steps = journey_steps("rectification", "representative")
    for step, data in steps:
        if step == "previous-addresses":
            continue  # left empty; added addresses are covered by their own test
        for key in ("given_names", "family_name", "organisation", "names", "line1", "line2", "town", "first",
                    "second", "adjustments"):
            if key in data:
                data[key] = XSS
    files = {"authority": (PDF, XSS + ".pdf")}
    portal.complete(steps, files)
    check = portal.get("/request/check").get_data(as_text=True)
    assert "<script>alert" not in check and "<b>bold</b>" not in check
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in check
    confirmation = portal.submit().get_data(as_text=True)
    assert "<script>alert" not in confirmation
    with db.transaction() as session:
        ack = session.scalars(select(OutboxMessage)).one()
        assert "<script>alert" not in ack.body_html and "&lt;script&gt;" in ack.body_html
        assert "\n" not in ack.subject and "<" not in ack.subject
        person = session.scalars(select(Person).where(Person.organisation.is_not(None))).one()
        assert person.given_names == XSS  # stored as typed; escaping happens on output
        (doc,) = session.scalars(select(Document)).all()
        assert "<" not in doc.filename and ">" not in doc.filename


# ---------------------------------------------------------------- safety


def test_a_post_without_csrf_token_is_refused(app, db) -> None:
    client = app.test_client()
    response = client.post("/request/who", data={"role": "self_adult"})
    assert response.status_code == 400
    assert "<title>" in response.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(PortalDraft)).all() == []
    assert client.post("/progress", data={"reference": "SAR-2026-00001", "email": "a@b.org"}).status_code == 400


def test_session_cookie_is_httponly_and_samesite(portal) -> None:
    portal.answer("who", {"role": "self_adult"})
    cookie = portal.client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_submission_is_rate_limited(app, portal) -> None:
    app.config["PORTAL_LIMIT_SUBMIT"] = "2 per minute"
    portal.complete(journey_steps("access", "self_adult"))
    for _ in range(2):
        portal.post("/request/check", {})
    response = portal.post("/request/check", {"declaration": "y"})
    assert response.status_code == 429
    assert "too many attempts" in response.get_data(as_text=True)


def test_uploads_are_rate_limited_but_other_pages_are_not(app, portal) -> None:
    app.config["PORTAL_LIMIT_UPLOAD"] = "2 per minute"
    _to(portal, "proof-of-id")
    for _ in range(2):
        _upload(portal, "proof-of-id", EXE, "x.pdf")
    assert _upload(portal, "proof-of-id", PDF, "x.pdf").status_code == 429
    for _ in range(3):
        assert portal.post("/request/name", {"given_names": "A", "family_name": "B"}).status_code == 302


def test_information_pages(portal) -> None:
    for path, words in (("/", "Start now"), ("/privacy", "No automated decision making takes place."),
                        ("/accessibility", "Compliance status"), ("/cookies", "Essential cookie")):
        response = portal.get(path)
        assert response.status_code == 200 and words in response.get_data(as_text=True), path
    privacy = portal.get("/privacy").get_data(as_text=True)
    for expected in ("Mind Of My Own applications", "Ofsted", "Department for Work and Pensions (DWP)",
                     "deleted automatically after 14 days", "Information Commissioner"):
        assert expected in privacy
    assert "govuk-header__logotype" not in portal.get("/").get_data(as_text=True)  # no GOV.UK crown
    assert "Crown copyright" not in portal.get("/").get_data(as_text=True)


def test_journey_order_matches_the_pages(app) -> None:
    """Every step the journey can ask for has a page template and a route."""
    with app.test_request_context():
        for step in journey.BY_NAME:
            assert app.jinja_env.get_template(f"portal/steps/{step}.html")
