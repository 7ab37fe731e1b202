"""Hostile text in every field that reaches a page, an email, a PDF or a CSV comes out inert in each.

A requester fills every free-text answer of the portal with markup, renderer tricks and spreadsheet
formulas; the same request is then read on every staff page an officer can open, in its acknowledgement
email, in the PDF twin of its letter, and, as record text, in a disclosure bundle. Email addresses with
line breaks never become headers; CSV cells never start a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from email import message_from_bytes
from typing import Any

import pypdf
import pytest
from sqlalchemy import select

from rights import reports
from rights.bundles import bundle, case_letters, render
from rights.models import OutboxMessage, RightsRequest
from rights.notify.backends import Email, PermanentFailure, SmtpBackend
from rights.security import store_for
from rights.sources.documents import pdf_active_content
from tests.hostile import CRLF, FORMULAS, HOSTILE, IMG, RENDERER, SCRIPT, markup_leaked
from tests.integration.portal_support import Portal, portal_app
from tests.integration.routes_support import get_rules, url_for_rule
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    make_staff,
    signed_in_client,
)
from tests.portal_journeys import PDF, error_messages, journey

#: Free-text answers of the portal, and what each is filled with (each kind of trick somewhere).
FILL = {"given_names": SCRIPT, "family_name": IMG, "organisation": RENDERER[0], "names": RENDERER[1],
        "line1": RENDERER[2], "line2": FORMULAS[0], "town": RENDERER[4], "first": "\n".join(RENDERER),
        "second": SCRIPT + FORMULAS[1], "adjustments": IMG + RENDERER[3]}
PASSWD = b"root:x:0:0"


@pytest.fixture
def hostile_request(rt, settings) -> str:  # type: ignore[no-untyped-def]
    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": False}
    portal = Portal(portal_app(settings).test_client())
    steps = journey("rectification", "representative")
    for step, data in steps:
        for key in FILL:
            if key in data and step != "previous-addresses":  # left empty: "continue" adds no address
                data[key] = FILL[key]
    portal.complete(steps, {"authority": (PDF, "authority.pdf")})
    portal.submit()
    with rt.db.transaction() as session:
        return str(session.scalars(select(RightsRequest.reference)).one())


def test_every_staff_page_shows_the_hostile_answers_as_text(app, rt, hostile_request) -> None:  # noqa: F811
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    pages = 0
    for rule in get_rules(app):
        if not rule.rule.startswith("/staff"):
            continue
        url = url_for_rule(rule, hostile_request)
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        pages += 1
        assert markup_leaked(response.get_data(as_text=True)) == [], url
    case = client.get(f"/staff/cases/{hostile_request}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;rd-xss&#39;)&lt;/script&gt;" in case  # there, and escaped
    assert pages >= 8
    # Searching the case list for the hostile name reflects it in the search box and the results.
    found = client.get("/staff/cases", query_string={"q": SCRIPT, "view": "all"}).get_data(as_text=True)
    assert markup_leaked(found) == [] and "&lt;script&gt;" in found


def test_the_acknowledgement_email_is_inert_and_its_headers_cannot_be_extended(rt, hostile_request) -> None:
    with rt.db.transaction() as session:
        ack = session.scalars(select(OutboxMessage)).one()
    assert markup_leaked(ack.body_html) == [] and "&lt;script&gt;" in ack.body_html
    assert SCRIPT in ack.body_text  # plain text is shown as typed: nothing reads it as markup
    assert "\r" not in ack.subject and "\n" not in ack.subject
    built = SmtpBackend("127.0.0.1", 25, "rights@council.example").build(
        Email(key="k", to=ack.to, subject=ack.subject, text=ack.body_text, html=ack.body_html))
    assert set(message_from_bytes(bytes(built)).keys()) == {"From", "To", "Subject", "Message-ID", "Content-Type",
                                                            "MIME-Version"}


@pytest.mark.parametrize("to", CRLF[:3])
def test_an_address_with_a_line_break_never_becomes_a_header(to: str) -> None:
    backend = SmtpBackend("127.0.0.1", 25, "rights@council.example")
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        bytes(backend.build(Email(key="k", to=to, subject="Your request", text="Hello")))
    with pytest.raises(PermanentFailure, match="cannot be written as email"):  # failed at once, never retried
        backend.send(Email(key="k", to="a@example.org", subject=to, text="Hello"))


@pytest.mark.parametrize("email", CRLF)
def test_email_boxes_refuse_line_breaks(rt, settings, email: str) -> None:
    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": False}
    portal = Portal(portal_app(settings).test_client())
    for step, data in journey("access", "self_adult"):
        if step == "contact":
            html = portal.post("/request/contact", {**data, "email": email}).get_data(as_text=True)
            assert error_messages(html), email
            return
        portal.answer(step, data)


def pdf_facts(data: bytes) -> dict[str, Any]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for page in reader.pages
            for a in (page.get("/Annots") or [])]
    return {"text": "\n".join(page.extract_text() or "" for page in reader.pages), "uris": uris,
            "active": pdf_active_content(data), "passwd": PASSWD in data}


def test_the_letter_pdf_prints_the_hostile_name_and_address_and_obeys_nothing(rt, settings, hostile_request) -> None:
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest)).one()
        pdf = case_letters.letter_pdf_for(session, request, "acknowledgement", reasons="", settings=settings,
                                          store=store_for(settings.upload_dir, settings.encryption_keys))
    facts = pdf_facts(pdf)
    assert "alert('rd-xss')" in facts["text"] and "onerror" in facts["text"]  # printed as text
    assert facts["active"] == [] and facts["uris"] == [] and not facts["passwd"]


def test_a_bundle_prints_hostile_record_text_and_obeys_nothing(tmp_path) -> None:
    pdf_syntax = "endstream endobj 9 0 obj << /Type /Action /S /JavaScript /JS (app.alert(1)) >> endobj"
    records = [bundle.BundleRecord(key=f"r{i}", service="Children's social care", date=date(2024, 1, i + 1),
                                   title=value[:200], segments=(bundle.Text(f"Before. {value} After."),
                                                                bundle.Redaction("TP"), bundle.Text(pdf_syntax)))
               for i, value in enumerate([SCRIPT, *RENDERER, FORMULAS[0]])]
    target = tmp_path / "bundle.pdf"
    meta = bundle.BundleMeta(reference="SAR-2026-00001", council_name=SCRIPT, prepared_on=date(2026, 3, 1))
    bundle.render_bundle(meta, records, [], target, render.RenderLimits(seconds=120))
    facts = pdf_facts(target.read_bytes())
    assert facts["active"] == [] and facts["uris"] == [] and not facts["passwd"]
    assert "rd-xss" in facts["text"] and "file:///etc/passwd" in facts["text"] and "/JavaScript" in facts["text"]


def test_csv_cells_never_start_a_formula() -> None:
    text = reports.to_csv(["Type", "Count"], [[value, 1] for value in [*FORMULAS, *HOSTILE]])
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert len(cells) == len(FORMULAS) + len(HOSTILE)
    assert not [c for c in cells if c[:1] in reports.FORMULA_STARTS], "a cell a spreadsheet would run"
