"""The reports page and its CSV exports on PostgreSQL, through the Flask test client."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from rights.models import AuditEvent, RequestKind, Role
from tests.factories import make_request
from tests.integration.test_caselist import add_user, sign_in

TODAY = date(2026, 3, 16)


@pytest.fixture
def app(rt, settings):  # type: ignore[no-untyped-def]
    from rights.web import create_app

    app = create_app(settings, start_worker=False)
    app.config.update(WTF_CSRF_ENABLED=False, RIGHTS_TODAY=TODAY)
    return app


def add(rt, kind: RequestKind, status: str, received: date, due: date, responded: date | None = None) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = make_request(session, kind=kind)
        request.status, request.received_on, request.due_on, request.responded_on = status, received, due, responded


@pytest.fixture
def seeded(rt) -> None:  # type: ignore[no-untyped-def]
    a, e, c = RequestKind.ACCESS, RequestKind.ERASURE, RequestKind.COMPLAINT
    add(rt, a, "closed", date(2026, 1, 2), date(2026, 2, 2), date(2026, 1, 30))  # Feb: on time, 28 days
    add(rt, a, "closed", date(2026, 1, 5), date(2026, 2, 5), date(2026, 2, 9))  # Feb: late, 35 days
    add(rt, a, "searching", date(2026, 1, 20), date(2026, 2, 20))  # Feb: still open, overdue -> late
    add(rt, e, "closed", date(2026, 2, 10), date(2026, 3, 10), date(2026, 2, 20))  # Mar: on time, 10 days
    add(rt, a, "review", date(2026, 2, 25), date(2026, 3, 25))  # Mar: pending
    add(rt, c, "acknowledged", date(2026, 1, 8), date(2026, 2, 9))
    add(rt, c, "received", date(2026, 3, 2), date(2026, 4, 1))
    add(rt, c, "closed", date(2025, 6, 2), date(2025, 7, 2), date(2025, 6, 20))  # outside the range


def test_report_figures(app, rt, seeded) -> None:
    client = app.test_client()
    officer = add_user(rt, "Olu Officer", Role.OFFICER)
    sign_in(client, officer)
    response = client.get("/staff/reports?start=2026-01&end=2026-03&period=quarter")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "33.3% <span class=\"govuk-body-s app-nowrap\">(1 of 3)</span>" in html  # February, access
    assert "100.0% <span class=\"govuk-body-s app-nowrap\">(1 of 1)</span>" in html  # March, erasure
    assert "2026 Q1" in html
    with rt.db.transaction() as session:
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.viewed")).one()
        assert viewed.actor == f"user:{officer}"
        assert viewed.detail == {"start": "2026-01-01", "end": "2026-03-31", "period": "quarter"}


@pytest.mark.parametrize(("table", "expected_rows"), [
    ("on-time", [["2026-02", "Access", "3", "1", "2", "0", "33.3"], ["2026-03", "Access", "0", "0", "0", "1", ""]]),
    ("response-times", [["Access", "2", "31.5", "35"], ["Erasure", "1", "10.0", "10"],
                        ["All types", "3", "24.3", "35"]]),
    ("open-overdue", [["Access", "2", "1"], ["Complaint", "2", "1"], ["All types", "4", "2"]]),
    ("complaints", [["2026-01", "1"], ["2026-02", "0"], ["2026-03", "1"]]),
])
def test_csv_exports(app, rt, seeded, table: str, expected_rows: list[list[str]]) -> None:
    client = app.test_client()
    manager = add_user(rt, "Mina Manager", Role.MANAGER)
    sign_in(client, manager)
    response = client.get(f"/staff/reports/{table}.csv?start=2026-01&end=2026-03")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="rights-{table}-2026-01-to-2026-03.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    for row in expected_rows:
        assert row in rows, (row, rows)
    with rt.db.transaction() as session:
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "reports.exported")).one()
        assert exported.detail["table"] == table


def test_unknown_export_and_odd_ranges(app, rt) -> None:
    client = app.test_client()
    sign_in(client, add_user(rt, "Olu Officer", Role.OFFICER))
    assert client.get("/staff/reports/people.csv").status_code == 404
    # reversed, future and malformed months are corrected rather than failing
    for query in ("start=2026-03&end=2025-01", "start=2030-01&end=2031-01", "start=junk&end=2026-13"):
        assert client.get(f"/staff/reports?{query}").status_code == 200, query
    html = client.get("/staff/reports?start=2026-03&end=2025-01").get_data(as_text=True)
    assert "January 2025" in html and "February 2025" not in html.split("Responses on time")[1].split("</table>")[0]


def test_reports_page_draws_the_on_time_chart_as_svg_with_the_target_line(app, rt, seeded, settings) -> None:
    settings.ontime_target = 85
    client = app.test_client()
    sign_in(client, add_user(rt, "Mo Manager", Role.MANAGER))
    response = client.get("/staff/reports?start=2026-01&end=2026-03")
    html = response.get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<script" not in svg.lower() and "style=" not in svg  # nothing the CSP would block
    assert 'role="img"' in svg and "Target 85%" in svg
    assert "February 2026: 1 of 3 on time (33%)" in svg  # all types: the table's February "all" cell
    assert "January 2026: none due" in svg
    assert html.index("<svg") < html.index("On-time rate by month of the due date")  # the table follows
    assert "script-src" in response.headers["Content-Security-Policy"]
