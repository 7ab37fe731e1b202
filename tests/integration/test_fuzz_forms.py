"""Hypothesis posts hostile values to every form of the portal and the dashboard, with a valid CSRF token.

Forms are found the way a browser finds them: the portal's question pages on the way through two journeys
(a parent's access request, a representative's rectification request), the check-progress pages, and
every page each staff role may open on a case with gathered records and proposed redactions. Each form is
fuzzed as the role that sees it (see ``fuzz_support`` for what every answer is checked for). The suite runs
a few examples per form; ``RIGHTS_FUZZ_EXAMPLES=200`` runs the long version (README, "Hostile input").
"""

from __future__ import annotations

import io
from typing import Any

from werkzeug.routing import Rule

from rights.redaction import regions, service
from rights.redaction.scans import Region
from rights.security import cipher_for
from rights.web.access import rule_of
from tests.integration.fuzz_support import Form, Tally, action_pattern, forms_on, fuzz_form
from tests.integration.portal_support import portal_app
from tests.integration.redaction_support import attach_scan, gathered_case
from tests.integration.routes_support import get_rules, url_for_rule
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)
from tests.portal_journeys import PDF, journey

#: Forms not fuzzed, and why: signing out would end the session the rest of the run uses.
SKIP = {"/staff/sign-out"}
#: Dashboard routes taking POST whose form is not on any page of the case walked here, and why (each has
#: its own page tests: test_release_pages, test_search_pages, test_post_queue, test_auth).
NOT_SHOWN: set[str] = {
    "/staff/cases/<reference>/release/prepare",  # offered once every record is decided
    "/staff/cases/<reference>/release/posted",  # offered once a postal release is approved
    "/staff/cases/<reference>/searches/candidates/<int:candidate_id>/reopen",  # after a decision on a match
    "/staff/post/<int:item_id>/posted",  # a letter on the "to post" list
    "/staff/cases/<reference>/release/finalise",  # a retry, offered when an approved version's finalising failed
    "/staff/admin/changes/<int:change_id>/<decision>",  # offered once another administrator asked for a change
    "/staff/set-password",  # reached by an emailed link, signed out
    # Mid sign-in only (the walk is signed in); the sign-in form itself is fuzzed with the portal's.
    "/staff/sign-in", "/staff/sign-in/code", "/staff/sign-in/new-password", "/staff/sign-in/set-up-authenticator",
}
ROLES = ["record_holder", "officer", "manager", "admin"]  # administrators last: they can lock the others out


def report(tally: Tally) -> str:
    return (f"{tally.posts} posts to {len(tally.forms)} forms: {tally.accepted} accepted, {tally.refused} refused; "
            f"problems: {tally.problems[:10]}")


def walk_portal(client: Any, rt: Any, tally: Tally, kind: str, role: str) -> None:
    """Fuzz each question page's form, then answer it properly and go on (so the next page is reachable)."""
    token = csrf(client, "/progress")
    for step, answer in journey(kind, role):
        page = f"/request/{step}"
        for form in forms_on(page, client.get(page).get_data(as_text=True)):
            fuzz_form(client, form, rt.db, tally, token)
        upload = {"file": (io.BytesIO(PDF), "authority.pdf")} if step == "authority" else {}
        response = client.post(page, data={"csrf_token": token, **answer, **upload})
        assert response.status_code == 302, (step, response.status_code)
    for form in forms_on("/request/check", client.get("/request/check").get_data(as_text=True)):
        fuzz_form(client, form, rt.db, tally, token)


def test_every_portal_form_survives_hostile_values(rt, settings) -> None:
    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": False}  # "today" is today: children's ages fit
    portal = portal_app(settings)
    tally = Tally()
    walk_portal(portal.test_client(), rt, tally, "access", "parent")
    walk_portal(portal.test_client(), rt, tally, "rectification", "representative")
    visitor = portal.test_client()
    token = csrf(visitor, "/progress")
    for page in ("/progress", "/staff/sign-in"):
        for form in forms_on(page, visitor.get(page).get_data(as_text=True)):
            fuzz_form(visitor, form, rt.db, tally, token)
    print(report(tally))
    assert tally.problems == [], report(tally)
    assert len(tally.forms) >= 20 and tally.refused > 0 and tally.accepted > 0, report(tally)


def staff_pages(app: Any, role: str, reference: str) -> list[str]:  # noqa: F811
    rules: list[Rule] = [r for r in get_rules(app) if role in (rule_of(app.view_functions[r.endpoint]) or ())]
    return [url_for_rule(rule, reference) for rule in rules]


def seed_case(rt: Any, settings: Any) -> dict[str, Any]:
    """A case in review with gathered records (a scan with a region among them), proposed redactions, a
    candidate match, a logged disclosure to the police and a failed email."""
    from datetime import date

    from rights.models import Disclosure, OutboxMessage, SearchCandidate
    from rights.notify import queue_email

    case = gathered_case(rt, settings, status="review")
    attach_scan(rt, settings, case["scan"], pages=1)  # a scan with a region: its page's forms are walked too
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, case["id"])
        regions.add_region(session, rt.files, case["id"], case["scan"], Region(1, 0.1, 0.1, 0.2, 0.1, "TP"),
                           "user:fuzz")
        session.add(SearchCandidate(task_id=1, request_id=case["id"], person_id="P9", outcome="review", score=0.6,
                                    identity={"given_names": "Amelia", "family_name": "Hart"}))
        session.add(Disclosure(request_id=case["id"], recipient="Police", disclosed_on=date(2026, 3, 1)))
        message = queue_email(session, rt.queue, key="fuzz-failed", to="sam@example.org", template="progress_code",
                              context={"code": "123456", "reference": case["reference"], "minutes": 15},
                              request_id=case["id"])
        session.flush()
        session.get(OutboxMessage, message.id).status = "failed"
    rt.queue.queue.empty()
    return case


def crawl(client: Any, start: list[str], limit: int = 120) -> dict[str, str]:
    """Pages reachable from ``start`` by the links on them (dashboard pages only): path -> HTML."""
    import re

    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < limit:
        page = todo.pop(0)
        if page in seen:
            continue
        response = client.get(page)
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            seen[page] = ""
            continue
        seen[page] = response.get_data(as_text=True)
        for href in re.findall(r'href="(/staff/[^"#]*)"', seen[page]):
            href = href.replace("&amp;", "&")
            if href not in seen and "sign-out" not in href and not re.search(r"\.(pdf|csv)$|/documents/|/file", href):
                todo.append(href)
    return seen


def test_every_dashboard_form_survives_hostile_values(app, rt, settings) -> None:  # noqa: F811
    case = seed_case(rt, settings)
    logins = {role: make_staff(rt, role, services=("childrens_social_care",) if role == "record_holder" else ())
              for role in ROLES}
    clients = {role: signed_in_client(app, rt, login) for role, login in logins.items()}
    tally = Tally()
    fuzzed: set[str] = set()
    # Case workers twice (what the first round's accepted answers made, a disclosure or a note, has forms
    # too), then administrators once, last: their forms deactivate and reset the others' accounts.
    for roles in (ROLES[:-1], ROLES[:-1], ROLES[-1:]):
        found: dict[str, tuple[str, Form]] = {}
        for role in roles:
            start = [*staff_pages(app, role, case["reference"]), "/staff/cases?view=all"]
            for page, html in crawl(clients[role], start).items():
                for form in forms_on(page, html):
                    pattern = action_pattern(form.action)
                    if pattern not in found and pattern not in fuzzed and form.action not in SKIP \
                            and form.action.startswith("/staff"):
                        found[pattern] = (role, form)
        for role in roles:
            token = csrf(clients[role], "/staff/signed-out")
            for pattern, (owner, form) in sorted(found.items()):
                if owner == role:
                    fuzz_form(clients[role], form, rt.db, tally, token)
                    fuzzed.add(pattern)
    print(report(tally))
    assert tally.problems == [], report(tally)
    assert len(tally.forms) >= 20, sorted(tally.forms)
    uncovered = sorted(set(post_routes(app)) - {rule for rule in post_routes(app)
                                                 if any(matches(rule, action) for action in tally.forms)})
    print("dashboard POST routes with no form on the pages walked:", uncovered)
    assert set(uncovered) <= NOT_SHOWN, uncovered


def post_routes(app: Any) -> list[str]:  # noqa: F811
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "POST" in (r.methods or set()) and r.rule.startswith("/staff") and r.rule not in SKIP)


def matches(rule: str, action: str) -> bool:
    import re

    pattern = re.sub(r"<int:[^>]+>", r"(\\d+|N)", rule)
    pattern = re.sub(r"<[^>]+>", r"[^/]+", pattern)
    return re.fullmatch(pattern, action) is not None
