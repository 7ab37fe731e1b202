"""Every route of the app declares its access rule, and staff routes admit exactly the roles they name.

This walks ``app.url_map`` as registered at test time, so routes other areas add later are checked too:
every ``/staff`` route is ``@staff`` unless it is one of the sign-in pages (``auth.SIGN_IN_ENDPOINTS``);
anonymous visitors are sent to sign in and other roles refused; the roles it names get in; and every route
that takes a case reference or a search task id lets a record holder reach their own services' objects and
refuses (and audits) another service's. Signed-in clients come from the real sign-in (password and TOTP).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.routing import Rule

from rights.models import AuditEvent, Document, GatheredRecord, RequestKind, Role, SearchTask
from rights.security import sha256_hex
from rights.web.access import rule_of
from rights.web.auth import SIGN_IN_ENDPOINTS
from tests.factories import make_request
from tests.integration.routes_support import EXEMPT, url_for_rule, url_with
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)

ROLES = [r.value for r in Role]

#: Policy the rules must respect whatever each area declares: (path prefix, roles that must never pass).
NEVER = [
    ("/staff/cases", {Role.ADMIN.value}),  # administrators never see case data...
    ("/staff/log-request", {Role.ADMIN.value, Role.RECORD_HOLDER.value}),
    ("/staff/reports", {Role.ADMIN.value, Role.RECORD_HOLDER.value}),
    ("/staff/post", {Role.ADMIN.value, Role.RECORD_HOLDER.value}),  # letters carry names and addresses
    ("/staff/admin", {Role.OFFICER.value, Role.MANAGER.value, Role.RECORD_HOLDER.value}),
]
ALLOWED_EXCEPTIONS = {("dashboard.case_audit", Role.ADMIN.value)}  # ...except who-did-what on a case


def staff_rules(app: Any) -> list[tuple[Rule, tuple[str, ...]]]:  # noqa: F811
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        access = rule_of(app.view_functions[rule.endpoint])
        if access and access != ("public",):
            out.append((rule, access))
    return out


def method_of(rule: Rule) -> str:
    return "GET" if "GET" in (rule.methods or set()) else sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]


def test_every_route_declares_an_access_rule(app) -> None:  # noqa: F811
    missing = [f"{rule.rule} ({rule.endpoint})" for rule in app.url_map.iter_rules()
               if rule.endpoint not in EXEMPT and rule_of(app.view_functions[rule.endpoint]) is None]
    assert missing == [], f"routes without @public or @staff(...): {missing}"


def test_declared_rules_respect_the_role_policy(app) -> None:  # noqa: F811
    problems = []
    for rule, access in staff_rules(app):
        for prefix, never in NEVER:
            if rule.rule.startswith(prefix):
                for role in set(access) & never:
                    if (rule.endpoint, role) not in ALLOWED_EXCEPTIONS:
                        problems.append(f"{rule.endpoint} admits {role}")
    assert problems == []


def test_staff_routes_send_anonymous_visitors_to_sign_in_and_refuse_other_roles(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                                 services=["childrens_social_care"]).reference
    logins = {role: make_staff(rt, role, services=("childrens_social_care",) if role == "record_holder" else ())
              for role in ROLES}
    clients = {role: signed_in_client(app, rt, login) for role, login in logins.items()}
    tokens = {role: csrf(client, "/staff/signed-out") for role, client in clients.items()}
    anonymous = app.test_client()
    anonymous_token = csrf(anonymous, "/staff/sign-in")
    rules = staff_rules(app)
    assert len(rules) >= 10, "the dashboard's routes should be registered"
    checked = 0
    for rule, access in rules:
        url = url_for_rule(rule, reference)
        # Every method the route answers (GET and POST alike), the one a visitor would use first.
        methods = [method_of(rule), *sorted((rule.methods or set()) - {"HEAD", "OPTIONS", method_of(rule)})]
        for method in methods:
            data = {"csrf_token": anonymous_token} if method != "GET" else None
            response = anonymous.open(url, method=method, data=data)
            assert response.status_code == 302, (url, method, response.status_code)
            assert "/staff/sign-in" in response.headers["Location"], url
            for role in ROLES:
                if role in access:
                    continue
                data = {"csrf_token": tokens[role]} if method != "GET" else None
                response = clients[role].open(url, method=method, data=data)
                assert response.status_code == 403, (url, method, role, response.status_code)
                checked += 1
    assert checked > 30
    with rt.db.transaction() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert len(denied) == checked  # every refusal is on the audit trail


@pytest.mark.parametrize("path", ["/staff/cases/{ref}", "/staff/cases/{ref}/actions/decide",
                                  "/staff/cases/{ref}/documents/1"])
def test_record_holder_on_another_services_case_gets_404_and_is_audited(app, rt, path) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                                 services=["youth_justice"]).reference
    holder = make_staff(rt, "record_holder", services=("childrens_social_care",))
    client = signed_in_client(app, rt, holder)
    response = client.get(path.format(ref=reference))
    assert response.status_code in (403, 404)
    with rt.db.transaction() as session:
        (denied,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert denied.actor == f"user:{holder.id}" and denied.request_id is not None


# ---------------------------------------------------------------------------------------------------
# Every /staff route is @staff, the roles it names get in, and per-service access holds on every route
# that takes a reference or a task id.

MINE, THEIRS = "childrens_social_care", "youth_justice"
#: Arguments that name one case's objects: a record holder must reach their own and never another's.
CASE_ARGUMENTS = {"reference", "task_id"}


def service_case(rt: Any, service: str) -> dict[str, Any]:
    """A rectification case (record holders may decide those) with a search task, a record and a document."""
    data = b"%PDF-1.4 walker"
    with rt.db.transaction() as session:
        case = make_request(session, kind=RequestKind.RECTIFICATION, services=[service],
                            received_at=datetime(2026, 3, 2, 10, tzinfo=UTC))
        task = SearchTask(request_id=case.id, source=f"{service}-system", service=service, source_type="folder",
                          run_by="user:1", status="done")
        session.add(task)
        session.flush()
        record = GatheredRecord(request_id=case.id, task_id=task.id, source=task.source, record_id="R-1",
                                person_id="P1", record_date=date(2024, 1, 10), title="A note",
                                text_enc=rt.cipher.encrypt(b"walker text"), file_key=rt.files.put(data),
                                file_name="note.pdf", content_type="application/pdf", file_size=len(data),
                                file_sha256=sha256_hex(data), origin="upload", added_by="worker")
        document = Document(request_id=case.id, purpose="correspondence", filename="letter.pdf",
                            content_type="application/pdf", size=len(data), sha256=sha256_hex(data),
                            storage_key=rt.files.put(data), uploaded_by="citizen")
        session.add_all([record, document])
        session.flush()
        return {"id": case.id, "reference": case.reference, "task_id": task.id, "record_id": record.id,
                "document_id": document.id, "event": "decide"}


def denials(rt: Any) -> int:
    with rt.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "access.denied")) or 0)


def methods_of(rule: Rule) -> list[str]:
    return [method_of(rule), *sorted((rule.methods or set()) - {"HEAD", "OPTIONS", method_of(rule)})]


def test_every_staff_route_is_behind_the_staff_decorator_bar_the_sign_in_pages(app) -> None:  # noqa: F811
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= SIGN_IN_ENDPOINTS, "the sign-in list names a page that no longer exists"
    unprotected = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint in SIGN_IN_ENDPOINTS:
            continue
        access = rule_of(app.view_functions[rule.endpoint])
        if not access or access == ("public",) or not set(access) <= {r.value for r in Role}:
            unprotected.append(f"{rule.rule} ({rule.endpoint}): {access}")
    assert unprotected == [], f"/staff routes not behind @staff(...): {unprotected}"
    outside = [r.endpoint for r in app.url_map.iter_rules()
               if r.endpoint in SIGN_IN_ENDPOINTS and not r.rule.startswith("/staff")]
    assert outside == []


def test_the_roles_a_route_names_get_in(app, rt) -> None:  # noqa: F811
    mine = service_case(rt, MINE)
    logins = {role: make_staff(rt, role, services=(MINE,) if role == "record_holder" else ()) for role in ROLES}
    clients = {role: signed_in_client(app, rt, login) for role, login in logins.items()}
    tokens = {role: csrf(client, "/staff/signed-out") for role, client in clients.items()}
    checked = 0
    for rule, access in staff_rules(app):
        if rule.endpoint == "auth.sign_out":  # it would end the session the walk goes on with
            continue
        url = url_with(rule, mine)
        for method in methods_of(rule):
            for role in access:
                before = denials(rt)
                data = {"csrf_token": tokens[role]} if method != "GET" else None
                response = clients[role].open(url, method=method, data=data)
                where = (url, method, role, response.status_code)
                assert response.status_code not in (401, 403), where
                assert "/staff/sign-in" not in response.headers.get("Location", ""), where
                assert response.status_code < 500, where
                assert denials(rt) == before, where  # the access layer refused nothing
                checked += 1
    assert checked > 60
    for role, client in clients.items():  # and the one route left out lets every role sign out
        response = client.post("/staff/sign-out", data={"csrf_token": tokens[role]})
        assert response.headers["Location"].endswith("/staff/signed-out"), role


def test_a_record_holder_reaches_their_services_objects_on_every_route_and_no_one_elses(app, rt) -> None:  # noqa: F811
    mine, theirs = service_case(rt, MINE), service_case(rt, THEIRS)
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=(MINE,)))
    token = csrf(holder, "/staff/signed-out")
    routes = [(rule, access) for rule, access in staff_rules(app) if CASE_ARGUMENTS & set(rule.arguments)]
    assert {r.endpoint for r, _ in routes} >= {"dashboard.case_page", "dashboard.search_task",
                                                "dashboard.record_file", "dashboard.document"}
    checked = []
    for rule, access in routes:
        if Role.RECORD_HOLDER.value not in access:
            continue  # refused by role for every case (test_staff_routes_send_anonymous_visitors_...)
        for method in methods_of(rule):
            data = {"csrf_token": token} if method != "GET" else None
            before = denials(rt)
            own = holder.open(url_with(rule, mine), method=method, data=data)
            assert own.status_code not in (403, 404) and own.status_code < 500, (rule.rule, method, own.status_code)
            assert denials(rt) == before, (rule.rule, method)
            other = holder.open(url_with(rule, theirs), method=method, data=data)
            assert other.status_code in (403, 404), (rule.rule, method, other.status_code)
            with rt.db.transaction() as session:
                denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")
                                         .order_by(AuditEvent.id.desc())).first()
            assert denials(rt) == before + 1 and denied.request_id == theirs["id"], (rule.rule, method)
            checked.append(rule.endpoint)
    assert len(set(checked)) >= 9
