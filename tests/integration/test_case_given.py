"""The case page shows everything the requester gave, in words, and officers correct the subject's details
(audited by field, never with the values)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from rights.models import AuditEvent, RightsRequest
from tests.factories import make_person, make_request
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)


def portal_like_case(rt) -> str:  # type: ignore[no-untyped-def]
    child = make_person(given_names="Poppy", family_name="Hart", date_of_birth=date(2013, 1, 20),
                        previous_names=["Poppy Jones"], identifiers={"nhs_number": "9434765919"},
                        addresses=[{"lines": ["4 Mill Lane", "Ashford"], "postcode": "TN24 8AA", "current": True},
                                   {"lines": ["9 Old Road", "Dover"], "postcode": "CT16 1AA", "current": False}])
    parent = make_person(given_names="Sam", family_name="Hart", email="sam@example.org", phone="07700 900123",
                         addresses=[{"lines": ["4 Mill Lane", "Ashford"], "postcode": "TN24 8AA", "current": True}])
    with rt.db.transaction() as session:
        request = make_request(
            session, requester_role="parent", subject=child, requester=parent,
            received_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            relationship_note="guardian", child_age=13, child_view="too_young",
            authority_basis="parental_responsibility", services=["childrens_social_care", "not_sure"],
            period_from=date(2018, 1, 1), period_to=date(2021, 12, 31), contact_method="email,post",
            preferred_format="large_print", adjustments="Sam is deaf: contact by email or text, never phone.")
        request.details = {"first": "Her child protection plan", "contact_methods": ["email", "post"]}
        return request.reference


def test_case_page_shows_what_the_requester_gave_in_words(app, rt) -> None:  # noqa: F811
    ref = portal_like_case(rt)
    html = signed_in_client(app, rt, make_staff(rt, "officer")).get(f"/staff/cases/{ref}").get_data(as_text=True)
    banner = html.index('id="adjustments"')
    assert banner < html.index("<h1")  # the adjustments come first: an officer cannot miss them
    assert "Sam is deaf: contact by email or text, never phone." in html
    for words in ("4 Mill Lane", "TN24 8AA", "9 Old Road", "Poppy Jones", "943 476 5919", "The online form",
                  "Guardian or special guardian", "They are too young to understand", "Large print",
                  "Email and Post", "Not sure which", "2018 to 2021", "Her child protection plan",
                  "07700 900123", "sam@example.org", "13 when the request arrived"):
        assert words in html, words
    for code in ("too_young", "email,post", "large_print", "not_sure", "childrens_social_care<"):
        assert code not in html, code


def test_officer_corrects_the_date_of_birth_audited_by_field(app, rt) -> None:  # noqa: F811
    ref = portal_like_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    page = f"/staff/cases/{ref}/subject"
    token = csrf(client, page)
    form = {"csrf_token": token, "given_names": "Poppy", "family_name": "Hart", "date_of_birth": ["20", "1", "2014"],
            "nhs_number": "9434765919",
            "address": "4 Mill Lane\nAshford", "postcode": "TN24 8AA", "reason": ""}
    assert client.post(page, data=form).status_code == 400  # a reason is needed
    bad = client.post(page, data={**form, "reason": "birth certificate", "nhs_number": "1234567890"})
    assert bad.status_code == 400 and "valid 10-digit NHS number" in bad.get_data(as_text=True)
    done = client.post(page, data={**form, "reason": "Birth certificate seen: year mistyped"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Corrected: date of birth" in html and 'id="search-again"' in html
    with rt.db.transaction() as session:
        case = session.scalars(select(RightsRequest).where(RightsRequest.reference == ref)).one()
        assert case.subject.date_of_birth == date(2014, 1, 20)
        (entry,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.subject_corrected")).all()
        assert entry.detail["fields"] == ["date_of_birth"]
        assert "2014" not in json.dumps(entry.detail) and "2013" not in json.dumps(entry.detail)
