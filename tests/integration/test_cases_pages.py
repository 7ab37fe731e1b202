"""The case page and its actions through the test client: rendering, forms, refusals, documents, audit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from rights import clock
from rights.models import AuditEvent, Document, PostItem, RightsRequest
from rights.security import sha256_hex, store_for
from tests.factories import make_request
from tests.integration.staff_support import (
    TODAY,
    app,  # noqa: F401 - fixture
    csrf,
    csrf_from,
    make_staff,
    signed_in_client,
)


def new_case(rt, **kw) -> str:  # type: ignore[no-untyped-def]
    kw.setdefault("received_at", datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    with rt.db.transaction() as session:
        return make_request(session, **kw).reference


def audit_of(rt, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def due_on_page(html: str) -> str:
    return re.search(r'id="due-date">([^<]+)<', html).group(1)


def test_case_page_shows_people_clock_and_actions_and_is_audited(app, rt) -> None:  # noqa: F811
    ref = new_case(rt, requester_role="parent", relationship_note="Mother", authority_basis="parental_responsibility")
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    response = client.get(f"/staff/cases/{ref}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Amelia Hart" in html and "Parent or carer: Mother" in html and "Parental responsibility" in html
    assert due_on_page(html) == "Thu 2 Apr 2026"
    assert "Received Mon 2 Mar 2026." in html  # the clock's own explanation
    assert "Ask for proof of identity" in html and "Extend by two months" not in html  # officers cannot extend
    assert len(audit_of(rt, "case.viewed")) == 1


def test_manager_extends_through_the_form_and_the_due_date_moves(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "manager"))
    page = f"/staff/cases/{ref}/actions/extend"
    token = csrf(client, page)
    missing = client.post(page, data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 400 and "Give the reasons" in missing.get_data(as_text=True)
    assert "<title>Error: " in missing.get_data(as_text=True)  # the page title says so
    done = client.post(page, data={"csrf_token": token, "reason": "Nine services hold records"})
    assert done.status_code == 302
    html = client.get(f"/staff/cases/{ref}").get_data(as_text=True)
    expected = clock.compute(clock.ClockInput(kind=clock.RequestKind.ACCESS, received=date(2026, 3, 2),
                                              extended=True))
    assert due_on_page(html) == clock.short_date(expected.due) == "Tue 2 Jun 2026"
    assert "Extend by two months: done. The requester has been emailed." in html


def test_dates_in_the_future_are_refused_beside_the_field(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    page = f"/staff/cases/{ref}/actions/pause"
    token = csrf(client, page)
    tomorrow = TODAY.replace(day=TODAY.day + 1)
    response = client.post(page, data={"csrf_token": token, "on": [str(tomorrow.day), str(tomorrow.month),
                                                                    str(tomorrow.year)], "reason": "Which years?"})
    assert response.status_code == 400 and "cannot be in the future" in response.get_data(as_text=True)
    response = client.post(page, data={"csrf_token": token, "on": ["16", "3", "2026"], "reason": "Which years?"})
    assert response.status_code == 302


def test_officer_cannot_open_a_manager_action_and_the_attempt_is_audited(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    assert client.get(f"/staff/cases/{ref}/actions/extend").status_code == 403
    token = csrf(client, f"/staff/cases/{ref}")
    assert client.post(f"/staff/cases/{ref}/actions/extend", data={"csrf_token": token, "reason": "x"}
                       ).status_code == 403
    assert len(audit_of(rt, "access.denied")) == 2


def test_action_not_possible_now_says_why(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    html = client.get(f"/staff/cases/{ref}/actions/resume").get_data(as_text=True)
    assert "The clock is not paused." in html and 'name="on"' not in html


def test_posts_without_a_csrf_token_are_refused(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "manager"))
    assert client.post(f"/staff/cases/{ref}/actions/extend", data={"reason": "x"}).status_code == 400
    with rt.db.transaction() as session:
        assert session.scalars(select(RightsRequest)).one().status == "received"


def test_record_holder_sees_own_service_and_gets_404_on_another_with_an_audit(app, rt) -> None:  # noqa: F811
    mine = new_case(rt, services=["childrens_social_care"])
    other = new_case(rt, services=["youth_justice"])
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    client = signed_in_client(app, rt, holder)
    assert client.get(f"/staff/cases/{mine}").status_code == 200
    assert mine in client.get("/staff/my-cases").get_data(as_text=True)
    assert other not in client.get("/staff/my-cases").get_data(as_text=True)
    assert client.get(f"/staff/cases/{other}").status_code == 404
    (denied,) = audit_of(rt, "access.denied")
    assert denied.actor == f"user:{holder.id}" and denied.request_id is not None
    assert denied.target == f"/staff/cases/{other}"


def test_documents_download_decrypted_as_attachments_and_each_view_is_audited(app, rt, settings) -> None:  # noqa: F811
    ref = new_case(rt)
    store = store_for(settings.upload_dir, settings.encryption_keys)
    data = b"%PDF-1.4 passport scan"
    key = store.put(data)
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest)).one()
        session.add(Document(request_id=request.id, purpose="proof_of_id", filename="passport<script>.pdf",
                             content_type="application/pdf", size=len(data), sha256=sha256_hex(data),
                             storage_key=key, uploaded_by="citizen"))
        session.flush()
        doc_id = session.scalars(select(Document.id)).one()
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    response = client.get(f"/staff/cases/{ref}/documents/{doc_id}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="passportscript.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert audit_of(rt, "document.viewed")[0].target == f"document:{doc_id}"
    # Record holders of the service do not see proof of identity.
    with rt.db.transaction() as session:
        session.scalars(select(RightsRequest)).one().services = ["childrens_social_care"]
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    assert holder.get(f"/staff/cases/{ref}/documents/{doc_id}").status_code == 403
    assert len(audit_of(rt, "document.viewed")) == 1


def test_notes_appear_on_the_timeline(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    client = signed_in_client(app, rt, make_staff(rt, "officer", name="Olivia Officer"))
    token = csrf(client, f"/staff/cases/{ref}")
    response = client.post(f"/staff/cases/{ref}/notes", data={"csrf_token": token, "body": "Called the school."})
    assert response.status_code == 302
    html = client.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert "Called the school." in html and "Olivia Officer" in html


def test_logging_a_letter_with_its_true_date(app, rt) -> None:  # noqa: F811
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    html = client.get("/staff/log-request").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "kind": "access", "channel": "letter", "received_on": ["2", "3", "2026"],
            "subject_given": "Amelia", "subject_family": "Hart", "subject_dob": ["17", "5", "2012"],
            "requester_role": "self_adult", "authority_basis": "none_needed", "email": "amelia@example.org",
            "services": ["childrens_social_care"], "description": "All my social care records"}
    response = client.post("/staff/log-request", data=form)
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/staff/cases/{ref}").get_data(as_text=True)
    assert due_on_page(page) == "Thu 2 Apr 2026" and "All my social care records" in page
    future = {**form, "received_on": ["21", "3", "2026"]}  # TODAY is 20 Mar 2026
    response = client.post("/staff/log-request", data=future)
    assert response.status_code == 400 and "cannot be in the future" in response.get_data(as_text=True)


def test_case_audit_trail_for_managers_and_administrators_only(app, rt) -> None:  # noqa: F811
    ref = new_case(rt)
    officer = signed_in_client(app, rt, make_staff(rt, "officer", name="Olivia Officer"))
    officer.get(f"/staff/cases/{ref}")
    assert officer.get(f"/staff/cases/{ref}/audit").status_code == 403
    admin = signed_in_client(app, rt, make_staff(rt, "admin"))
    html = admin.get(f"/staff/cases/{ref}/audit").get_data(as_text=True)
    assert "case.viewed" in html and "Olivia Officer" in html
    assert "Amelia" not in html  # the trail, not the case's contents
    assert admin.get(f"/staff/cases/{ref}").status_code == 403


def test_admin_creates_an_account_and_no_password_is_shown(app, rt) -> None:  # noqa: F811
    admin = signed_in_client(app, rt, make_staff(rt, "admin"))
    token = csrf(admin, "/staff/admin/users/new")
    missing = admin.post("/staff/admin/users/new", data={"csrf_token": token, "email": "rh@council.example",
                                                         "name": "Rita Holder", "role": "record_holder"})
    assert missing.status_code == 400 and "at least one service" in missing.get_data(as_text=True)
    response = admin.post("/staff/admin/users/new", data={
        "csrf_token": token, "email": "rh@council.example", "name": "Rita Holder", "role": "record_holder",
        "services": ["childrens_social_care"]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not chosen yet (sent by an emailed link)" in page
    assert 'id="issued-password"' not in page and "When another administrator approves it" in page
    assert "Rita Holder" in admin.get("/staff/admin/users").get_data(as_text=True)


def test_logging_asks_for_the_same_identity_details_as_the_portal(app, rt) -> None:  # noqa: F811
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    html = client.get("/staff/log-request").get_data(as_text=True)
    assert "Previous addresses" in html and "NHS number" in html and "Other names" in html
    form = {"csrf_token": csrf_from(html), "kind": "access", "channel": "phone", "received_on": ["2", "3", "2026"],
            "subject_given": "Jordan", "subject_family": "Reed", "subject_dob": ["2", "9", "2014"],
            "subject_previous_names": "Jordan Smith\n", "subject_line1": "1 High Street", "subject_line2": "",
            "subject_town": "Shrewsbury", "subject_postcode": "sy3 8hq",
            "subject_previous_addresses": "4 Mill Lane, Exampleton, ex1 2ab\n\n",
            "subject_nhs_number": "943 476 5910",  # wrong check digit
            "requester_role": "parent", "requester_given": "Sam", "requester_family": "Reed",
            "address": "1 High Street\nShrewsbury\nSY3 8HQ", "authority_basis": "parental_responsibility"}
    refused = client.post("/staff/log-request", data=form)
    assert refused.status_code == 400
    assert "Enter a valid NHS number" in refused.get_data(as_text=True)
    bad_postcode = client.post("/staff/log-request", data={**form, "subject_nhs_number": "", "subject_postcode": "x"})
    assert "Enter a full UK postcode" in bad_postcode.get_data(as_text=True)
    response = client.post("/staff/log-request", data={**form, "subject_nhs_number": "943 476 5919"})
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == ref)).one()
        subject, requester = request.subject, request.requester
        assert subject.previous_names == ["Jordan Smith"]
        assert subject.identifiers == {"nhs_number": "9434765919"}
        assert subject.addresses == [
            {"lines": ["1 High Street", "Shrewsbury"], "postcode": "SY3 8HQ", "current": True},
            {"lines": ["4 Mill Lane", "Exampleton"], "postcode": "EX1 2AB", "current": False}]
        assert requester.addresses == [{"lines": ["1 High Street", "Shrewsbury"], "postcode": "SY3 8HQ",
                                        "current": True}]
        assert request.contact_method == "post"
        # No email: the acknowledgement waits on the "to post" list, addressed to the parent.
        (letter,) = session.scalars(select(PostItem).where(PostItem.request_id == request.id)).all()
        assert letter.kind == "case_acknowledgement" and letter.address.endswith("SY3 8HQ")


def test_only_a_manager_is_offered_refused_as_an_outcome(app, rt) -> None:  # noqa: F811
    from rights import cases
    from rights.cases import Actor
    from rights.models import RequestKind

    officer = make_staff(rt, "officer")
    with rt.db.transaction() as session:
        request = make_request(session, kind=RequestKind.RECTIFICATION, services=["childrens_social_care"],
                               received_at=datetime(2026, 3, 2, 10, tzinfo=UTC))
        cases.perform(session, rt.queue, request, Actor(officer.id, "officer"), "start_assessment",
                      today=date(2026, 3, 3))
        ref = request.reference
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    manager = signed_in_client(app, rt, make_staff(rt, "manager"))
    offered = {who: re.findall(r'name="outcome"[^>]*value="(\w+)"', client.get(
        f"/staff/cases/{ref}/actions/decide").get_data(as_text=True)) for who, client in
        (("holder", holder), ("manager", manager))}
    assert offered == {"holder": ["done", "partly"], "manager": ["done", "partly", "refused"]}
