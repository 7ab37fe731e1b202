"""Security review of the case page's objects: downloads with any file name, another case's document
reached through this case's URL, and the duplicate warning naming a case the viewer may not see."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

from sqlalchemy import select

from rights.models import AuditEvent, Document, RightsRequest
from rights.security import sha256_hex, store_for
from tests.factories import make_request
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    make_staff,
    signed_in_client,
)

#: gunicorn refuses any header value outside this (gunicorn.http.wsgi.HEADER_VALUE_RE): a 500 for the officer.
GUNICORN_HEADER_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")


def new_case(rt, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    kw.setdefault("received_at", datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    with rt.db.transaction() as session:
        request = make_request(session, **kw)
        return request.id, request.reference


def add_document(rt, settings, request_id: int, filename: str, purpose: str = "proof_of_id") -> int:  # type: ignore[no-untyped-def]
    data = b"%PDF-1.4 a scan"
    key = store_for(settings.upload_dir, settings.encryption_keys).put(data)
    with rt.db.transaction() as session:
        doc = Document(request_id=request_id, purpose=purpose, filename=filename, content_type="application/pdf",
                       size=len(data), sha256=sha256_hex(data), storage_key=key, uploaded_by="citizen")
        session.add(doc)
        session.flush()
        return doc.id


def denials(rt) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")))


def test_a_document_named_in_any_script_downloads_with_a_header_a_server_can_send(app, rt, settings) -> None:  # noqa: F811
    case_id, ref = new_case(rt)
    name = 'паспорт Łukasz "x"\r\nSet-Cookie: a=b.pdf'
    doc_id = add_document(rt, settings, case_id, name)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    response = client.get(f"/staff/cases/{ref}/documents/{doc_id}")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    assert GUNICORN_HEADER_VALUE.fullmatch(header) and header.isascii()
    assert "\r" not in header and "\n" not in header
    assert not any(c.startswith("a=") for c in response.headers.getlist("Set-Cookie"))
    assert header.startswith('attachment; filename="')
    star = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == 'паспорт Łukasz xSet-Cookie a=b.pdf'  # the name itself, without quotes or breaks
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_another_cases_document_through_this_cases_url_is_404_and_audited(app, rt, settings) -> None:  # noqa: F811
    mine_id, mine = new_case(rt, services=["childrens_social_care"])
    other_id, _ = new_case(rt, services=["youth_justice"])
    theirs = add_document(rt, settings, other_id, "their-record.pdf", purpose="record")
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    client = signed_in_client(app, rt, holder)
    response = client.get(f"/staff/cases/{mine}/documents/{theirs}")
    assert response.status_code == 404 and b"%PDF" not in response.data
    (denied,) = denials(rt)
    assert denied.actor == f"user:{holder.id}" and denied.request_id == mine_id
    assert client.get(f"/staff/cases/{mine}/documents/999999").status_code == 404  # a typo: not a probe
    assert len(denials(rt)) == 1


def test_the_duplicate_warning_names_only_a_case_the_viewer_may_see(app, rt) -> None:  # noqa: F811
    other_id, other = new_case(rt, services=["youth_justice"])
    _, mine = new_case(rt, services=["childrens_social_care"])
    with rt.db.transaction() as session:
        session.scalars(select(RightsRequest).where(RightsRequest.reference == mine)).one() \
            .possible_duplicate_of_id = other_id
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    officer = signed_in_client(app, rt, make_staff(rt, "officer"))
    assert other not in holder.get(f"/staff/cases/{mine}").get_data(as_text=True)
    assert f"Possible duplicate of {other}" in officer.get(f"/staff/cases/{mine}").get_data(as_text=True)
