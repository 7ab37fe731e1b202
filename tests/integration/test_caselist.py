"""The case list on PostgreSQL through the Flask test client: filters, search, order, pages, bulk actions."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from rights import caselist
from rights.caselist import CaseFilter, DueWindow
from rights.models import AuditEvent, OutboxMessage, RequestKind, RightsRequest, Role, User, WorkflowEvent
from tests.factories import make_person, make_request

TODAY = date(2026, 3, 16)  # a Monday; the 6th working day after it is Tue 24 Mar, the 11th Tue 31 Mar


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    from rights.web import create_app

    app = create_app(settings, start_worker=False)
    app.config.update(WTF_CSRF_ENABLED=False, RIGHTS_TODAY=TODAY)
    return app


def add_user(rt: Any, name: str, role: Role, services: tuple[str, ...] = (), active: bool = True) -> int:
    with rt.db.transaction() as session:
        user = User(email=f"{name.lower().replace(' ', '.')}@council.example", name=name, role=role.value,
                    services=list(services), password_hash="!", mfa_enrolled=True, active=active)
        session.add(user)
        session.flush()
        return user.id


def sign_in(client: Any, user_id: int) -> None:
    """What the sign-in views leave behind after password and code: a server-side staff session."""
    from flask_login.utils import _create_identifier

    from rights import runtime, users

    with runtime.current().db.transaction() as session:
        token = users.start_session(session, user_id)
    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()  # Flask-Login's "strong" session protection checks it
    with client.session_transaction() as sess:
        sess.update({"_user_id": str(user_id), "_fresh": True, "_id": ident, "mfa_ok": True, "staff_token": token})


def add_case(rt: Any, given: str, family: str, due: date | None, *, kind: RequestKind = RequestKind.ACCESS,
             status: str = "received", assignee: int | None = None, services: tuple[str, ...] = ()) -> str:
    with rt.db.transaction() as session:
        request = make_request(session, kind=kind, subject=make_person(given_names=given, family_name=family),
                               services=list(services), assignee_id=assignee)
        request.due_on = due
        request.status = status
        return request.reference


def references(html: str) -> list[str]:
    return re.findall(r'<tr class="govuk-table__row" data-reference="([^"]+)"', html)


def row_html(html: str, reference: str) -> str:
    start = html.index(f'data-reference="{reference}"')
    return html[start:html.index("</tr>", start)]


@pytest.fixture
def world(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Seven cases spread over the filters; ``officer`` holds three of the open ones."""
    officer = add_user(rt, "Olu Officer", Role.OFFICER)
    manager = add_user(rt, "Mina Manager", Role.MANAGER)
    refs = {
        "A": add_case(rt, "Amelia", "Hart", date(2026, 3, 13), status="searching", assignee=officer,
                      services=("childrens_social_care",)),
        "B": add_case(rt, "Ben", "O'Neill", date(2026, 3, 16), kind=RequestKind.ERASURE, services=("send",)),
        "C": add_case(rt, "Chloe", "Hartley", date(2026, 3, 23), status="review", assignee=manager,
                      services=("early_help", "send")),
        "D": add_case(rt, "Dev", "Patel", date(2026, 3, 24), kind=RequestKind.RECTIFICATION, status="assessment",
                      assignee=officer, services=("youth_justice",)),
        "E": add_case(rt, "Erin", "Walsh", date(2026, 3, 31), kind=RequestKind.COMPLAINT, status="acknowledged"),
        "F": add_case(rt, "Fay", "Hart", date(2026, 3, 10), status="closed", assignee=officer,
                      services=("childrens_social_care",)),
        "G": add_case(rt, "Gus", "Lee", date(2026, 3, 30), assignee=officer),
    }
    return {"officer": officer, "manager": manager, "refs": refs}


def test_officers_and_managers_only_and_refusals_are_audited(app, rt) -> None:
    client = app.test_client()
    holder = add_user(rt, "Rita Holder", Role.RECORD_HOLDER, ("send",))
    admin = add_user(rt, "Ada Admin", Role.ADMIN)
    for user_id in (holder, admin):
        sign_in(client, user_id)
        assert client.get("/staff/cases?view=all").status_code == 403
        assert client.get("/staff/reports").status_code == 403
    with rt.db.transaction() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
        assert {(e.actor, e.target) for e in denied} >= {(f"user:{holder}", "/staff/cases"),
                                                         (f"user:{admin}", "/staff/cases")}
    sign_in(client, add_user(rt, "Mo Manager", Role.MANAGER))
    assert client.get("/staff/cases?view=all").status_code == 200


def test_all_cases_in_due_order_with_columns_and_markers(app, rt, world) -> None:
    client = app.test_client()
    sign_in(client, world["officer"])
    response = client.get("/staff/cases?view=all")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    r = world["refs"]
    assert references(html) == [r["A"], r["B"], r["C"], r["D"], r["G"], r["E"]]  # open only, soonest first
    a = row_html(html, r["A"])
    assert f'href="/staff/cases/{r["A"]}"' in a
    assert "Amelia Hart" in a and "Access" in a and "Searching" in a and "13 Mar 2026" in a and "Olu Officer" in a
    assert ">Red<" in a and "overdue by 1" in a  # due Friday, today Monday: one working day missed
    assert ">Amber<" in row_html(html, r["B"]) and "due today" in row_html(html, r["B"])
    assert ">Amber<" in row_html(html, r["C"]) and ">5<" not in row_html(html, r["C"])
    assert ">Green<" in row_html(html, r["D"]) and "Unassigned" in row_html(html, r["E"])
    e = row_html(html, r["E"])
    assert "Red" not in e and "Amber" not in e and "Green" not in e and "11" in e  # 11 working days: no marker
    assert "6 cases" in html
    with rt.db.transaction() as session:
        listed = session.scalars(select(AuditEvent).where(AuditEvent.action == "cases.listed")).one()
        assert listed.actor == f"user:{world['officer']}"
        assert listed.detail["view"] == "all" and r["A"] in listed.detail["shown"]


FILTERS = [  # query string -> the cases listed, in order
    ("view=mine", "ADG"),
    ("view=all&stage=all", "FABCDGE"),
    ("view=all&stage=closed", "F"),
    ("view=all&stage=review", "C"),
    ("view=all&kind=access", "ACG"),
    ("view=all&due=overdue", "A"),
    ("view=all&due=within-5", "BC"),
    ("view=all&due=within-10", "DG"),
    ("view=all&due=later", "E"),
    ("view=all&assignee=none", "BE"),
    ("view=all&service=send", "BC"),
    ("view=all&service=childrens_social_care&stage=all", "FA"),
    ("view=all&q=hart", "AC"),
    ("view=all&q=HART&stage=all", "FAC"),
    ("view=all&q=hart+amelia", "A"),
    ("view=all&q=o%27neill", "B"),
    ("view=all&q=100%25", ""),
    ("view=all&kind=access&due=overdue", "A"),
    ("view=all&sort=-due", "EGDCBA"),
    ("view=all&kind=nonsense&due=nonsense&stage=nonsense", "ABCDGE"),  # unknown values are ignored
]


def test_filters_and_search(app, world) -> None:
    client = app.test_client()
    sign_in(client, world["officer"])
    refs = world["refs"]
    for query, expected in FILTERS:
        html = client.get(f"/staff/cases?{query}").get_data(as_text=True)
        assert references(html) == [refs[k] for k in expected], query
    # by reference, whole or in part, any case; and by assignee
    assert references(client.get(f"/staff/cases?view=all&q={refs['C'].lower()}").get_data(as_text=True)) == [refs["C"]]
    html = client.get(f"/staff/cases?view=all&q={refs['G'][-5:]}").get_data(as_text=True)
    assert refs["G"] in references(html)
    html = client.get(f"/staff/cases?view=all&assignee={world['manager']}").get_data(as_text=True)
    assert references(html) == [refs["C"]]


def test_keyset_pages_walk_forward_and_back_in_order(rt) -> None:
    """Ties on the due date, an undated case and both directions: every case once, in (due, id) order."""
    for i in range(23):
        due = None if i in (5, 17) else date(2026, 3, 2 + i % 6)
        add_case(rt, f"Person{i}", "Tester", due)
    with rt.db.transaction() as session:
        rows = session.execute(select(RightsRequest.id, RightsRequest.due_on)).all()
    for descending in (False, True):
        dated = sorted((r for r in rows if r.due_on), key=lambda r: (r.due_on, r.id), reverse=descending)
        undated = sorted((r for r in rows if r.due_on is None), key=lambda r: r.id, reverse=descending)
        expected = [r.id for r in dated + undated]
        f = CaseFilter(stage="all", descending=descending)
        pages: list[list[int]] = []
        cursor = None
        with rt.db.transaction() as session:
            while True:
                page = caselist.list_cases(session, f, TODAY, after=cursor, size=4)
                pages.append([row.id for row in page.rows])
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert [i for p in pages for i in p] == expected
            assert page.count == 23 and not page.count_capped
            back: list[list[int]] = []
            prev = page.prev_cursor
            while prev is not None:
                page = caselist.list_cases(session, f, TODAY, before=prev, size=4)
                back.append([row.id for row in page.rows])
                prev = page.prev_cursor
        assert back == list(reversed(pages[:-1]))


def test_page_links_and_capped_counts(app, rt) -> None:
    officer = add_user(rt, "Olu Officer", Role.OFFICER)
    for i in range(27):
        add_case(rt, f"Person{i}", "Tester", date(2026, 4, 1 + i))
    client = app.test_client()
    sign_in(client, officer)
    first = client.get("/staff/cases?view=all&q=tester").get_data(as_text=True)
    assert len(references(first)) == 25 and "27 cases" in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    assert "q=tester" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert len(references(second)) == 2 and 'rel="next"' not in second
    prev_url = re.search(r'href="([^"]+)" rel="prev"', second)[1].replace("&amp;", "&")
    assert references(client.get(prev_url).get_data(as_text=True)) == references(first)
    with rt.db.transaction() as session:
        assert caselist.count_cases(session, CaseFilter(), TODAY, cap=10) == (10, True)
        assert caselist.count_cases(session, CaseFilter(q="person"), TODAY, cap=100) == (27, False)
    assert client.get("/staff/cases?view=all&after=rubbish").status_code == 200  # a bad cursor is page one


def test_due_windows_select_in_the_database(rt, world) -> None:
    """The windows are due-date bounds: a case moves window as "today" moves, no stored days-left."""
    with rt.db.transaction() as session:
        def refs(window: DueWindow, today: date) -> set[str]:
            page = caselist.list_cases(session, CaseFilter(due=window), today)
            return {row.reference for row in page.rows}

        r = world["refs"]
        assert refs(DueWindow.WITHIN_5, TODAY) == {r["B"], r["C"]}
        assert refs(DueWindow.WITHIN_5, date(2026, 3, 17)) == {r["C"], r["D"]}  # B is now overdue
        assert refs(DueWindow.OVERDUE, date(2026, 3, 17)) == {r["A"], r["B"]}


def test_bulk_assign_goes_through_the_workflow_and_is_audited(app, rt, world) -> None:
    client = app.test_client()
    sign_in(client, world["officer"])
    refs = world["refs"]
    with rt.db.transaction() as session:
        ids = {k: session.scalar(select(RightsRequest.id).where(RightsRequest.reference == v))
               for k, v in refs.items()}
    response = client.post("/staff/cases/bulk", data={
        "case": [ids["B"], ids["E"], ids["F"]], "bulk-assignee": world["manager"], "bulk-assign": "Assign",
        "bulk-back": "view=all&kind=erasure&after=2026-03-01.1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/cases?view=all&kind=erasure"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 cases assigned to Mina Manager" in page and refs["F"] in page  # F is closed: refused, named
    with rt.db.transaction() as session:
        assignees = dict(session.execute(select(RightsRequest.reference, RightsRequest.assignee_id)).all())
        assert assignees[refs["B"]] == assignees[refs["E"]] == world["manager"]
        assert assignees[refs["F"]] == world["officer"]
        events = session.scalars(select(WorkflowEvent).where(WorkflowEvent.event == "assign")).all()
        assert sorted(e.request_id for e in events) == sorted([ids["B"], ids["E"]])
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.assign")).all()
        assert {(a.target, a.actor) for a in audited} == {(refs["B"], f"user:{world['officer']}"),
                                                          (refs["E"], f"user:{world['officer']}")}


@pytest.mark.parametrize(("data", "message"), [
    ({"bulk-assignee": "1", "bulk-assign": "Assign"}, "Select at least one case"),
    ({"case": "1", "bulk-assign": "Assign"}, "Choose who to assign the selected cases to"),
    ({"case": "1", "bulk-assignee": "HOLDER", "bulk-assign": "Assign"}, "Choose an active officer or manager"),
    ({"case": "999999", "bulk-assignee": "OFFICER", "bulk-assign": "Assign"}, "no longer exist"),
])
def test_bulk_action_problems_are_shown_and_change_nothing(app, rt, world, data, message) -> None:
    holder = add_user(rt, "Rita Holder", Role.RECORD_HOLDER, ("send",))
    data = {k: {"HOLDER": str(holder), "OFFICER": str(world["officer"])}.get(v, v) for k, v in data.items()}
    client = app.test_client()
    sign_in(client, world["officer"])
    response = client.post("/staff/cases/bulk", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "govuk-error-summary" in html and html.count("<title>Error:") == 1
    with rt.db.transaction() as session:
        assert session.scalars(select(WorkflowEvent)).all() == []


def test_bulk_action_needs_the_csrf_token(app, rt, world) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    sign_in(client, world["officer"])
    response = client.post("/staff/cases/bulk", data={"case": "1", "bulk-assignee": str(world["manager"]),
                                                      "bulk-assign": "Assign"})
    assert response.status_code == 400
    with rt.db.transaction() as session:
        assert session.scalars(select(WorkflowEvent)).all() == []
    got = client.get("/staff/cases?view=all")
    page = got.get_data(as_text=True)
    assert got.status_code == 200, (got.status_code, got.headers.get("Location"))
    token = re.search(r'name="bulk-csrf_token" type="hidden" value="([^"]+)"', page)[1]
    ok = client.post("/staff/cases/bulk", data={"bulk-csrf_token": token, "case": "1",
                                                "bulk-assignee": str(world["manager"]), "bulk-assign": "Assign"})
    assert ok.status_code == 302


def test_reminders_go_once_to_each_record_holder_without_names(app, rt, world) -> None:
    send_holder = add_user(rt, "Sam Send", Role.RECORD_HOLDER, ("send",))
    csc_holder = add_user(rt, "Cas Care", Role.RECORD_HOLDER, ("early_help", "childrens_social_care"))
    add_user(rt, "Gone Away", Role.RECORD_HOLDER, ("send",), active=False)
    refs = world["refs"]
    with rt.db.transaction() as session:
        ids = {k: session.scalar(select(RightsRequest.id).where(RightsRequest.reference == v))
               for k, v in refs.items()}
    client = app.test_client()
    sign_in(client, world["officer"])
    data = {"case": [ids[k] for k in "ABCEF"], "bulk-remind": "Remind", "bulk-back": "view=all"}
    for _ in range(2):  # a double submission queues nothing twice
        response = client.post("/staff/cases/bulk", data=data)
        assert response.status_code == 302
    page = client.get("/staff/cases?view=all").get_data(as_text=True)
    assert "2 reminder emails queued about 3 cases" in page and refs["E"] in page and refs["F"] in page
    with rt.db.transaction() as session:
        messages = {m.to: m for m in session.scalars(select(OutboxMessage)).all()}
        assert set(messages) == {"sam.send@council.example", "cas.care@council.example"}
        assert refs["B"] in messages["sam.send@council.example"].body_text
        assert refs["C"] in messages["sam.send@council.example"].body_text
        assert refs["A"] not in messages["sam.send@council.example"].body_text
        care = messages["cas.care@council.example"].body_text
        assert refs["A"] in care and refs["C"] in care and f"/staff/cases/{refs['A']}" in care
        assert all(name not in m.body_text for m in messages.values() for name in ("Amelia", "Chloe", "Ben"))
        reminded = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.reminder_sent")
                                   .order_by(AuditEvent.id)).all()
        first_round = {e.target: e.detail["record_holders"] for e in reminded[:4]}
        assert first_round == {refs["A"]: [csc_holder], refs["B"]: [send_holder],
                               refs["C"]: [send_holder, csc_holder], refs["E"]: []}
    assert send_holder != csc_holder


def test_service_filter_matches_whole_service_keys_only(rt) -> None:
    refs = {name: add_case(rt, name.capitalize(), "Tester", date(2026, 4, 1), services=services)
            for name, services in (("send", ("send",)), ("lookalike", ("send_extra",)),
                                   ("early", ("early_help", "youth_justice")), ("wildcard", ("earlyXhelp",)))}
    with rt.db.transaction() as session:
        def found(service: str) -> set[str]:
            return {row.reference for row in caselist.list_cases(session, CaseFilter(service=service), TODAY).rows}

        assert found("send") == {refs["send"]}
        assert found("early_help") == {refs["early"]}  # "_" is not a LIKE wildcard here
        assert found("youth_justice") == {refs["early"]}
        assert found("%") == set()


def test_search_finds_the_requesters_name_as_well_as_the_subjects(app, rt) -> None:  # type: ignore[no-untyped-def]
    officer = add_user(rt, "Olu Officer", Role.OFFICER)
    with rt.db.transaction() as session:
        parent = make_request(session, requester_role="parent",
                              subject=make_person(given_names="Zoe", family_name="Brook"),
                              requester=make_person(given_names="Samira", family_name="Quinlan")).reference
        other = make_request(session, subject=make_person(given_names="Quinn", family_name="Lowe")).reference
    client = app.test_client()
    sign_in(client, officer)
    assert references(client.get("/staff/cases?view=all&q=quinlan").get_data(as_text=True)) == [parent]
    assert references(client.get("/staff/cases?view=all&q=brook").get_data(as_text=True)) == [parent]
    assert references(client.get("/staff/cases?view=all&q=samira+quinlan").get_data(as_text=True)) == [parent]
    assert references(client.get("/staff/cases?view=all&q=zoe+quinlan").get_data(as_text=True)) == []  # one person
    assert set(references(client.get("/staff/cases?view=all&q=quin").get_data(as_text=True))) == {parent, other}


def test_managers_land_on_approvals_and_everyone_sees_new_unassigned_requests(app, rt, world) -> None:  # type: ignore[no-untyped-def]
    from rights.web.auth import home_for

    with app.test_request_context():
        assert home_for(Role.MANAGER.value).endswith("/staff/cases?view=all&stage=awaiting_approval")
        assert home_for(Role.OFFICER.value).endswith("/staff/cases")
    waiting = add_case(rt, "Ivy", "Stone", date(2026, 3, 20), status="awaiting_approval")
    client = app.test_client()
    sign_in(client, world["manager"])
    html = client.get("/staff/cases?view=all&stage=awaiting_approval").get_data(as_text=True)
    assert references(html) == [waiting] and "1 response awaiting approval" in html
    sign_in(client, world["officer"])
    html = client.get("/staff/cases").get_data(as_text=True)
    assert "1 new request nobody is assigned to" in html  # B: received, unassigned (E is acknowledged)
    assert "awaiting approval" not in html  # officers do not approve
