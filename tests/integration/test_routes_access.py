"""Every route of the app declares its access rule, and staff routes admit only the roles they name.

This walks ``app.url_map`` as registered at test time, so routes other areas add later are checked too.
Signed-in clients come from the real sign-in (password and TOTP), one per role.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from rights.models import AuditEvent, Role
from rights.web.access import rule_of
from tests.factories import make_request
from tests.integration.routes_support import EXEMPT, url_for_rule
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
