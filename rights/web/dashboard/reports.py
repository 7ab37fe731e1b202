"""Reports: on-time rate, open and overdue cases, days to respond, complaints, and their CSV exports.

Officers and managers may see them (officers manage their own workload against the same measure the
ICO applies); record holders and administrators may not. Every view and export is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from forms import options
from forms.lists import ReportPeriodForm
from rights import audit, reports
from rights.permissions import CASEWORKERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.helpers import actor, client_ip, download, rt, today

MONTHS_OFFERED = 36
DEFAULT_MONTHS = 12


def _month_choices(day: date) -> list[tuple[str, str]]:
    months = reports.months_between(_shift_months(day, -(MONTHS_OFFERED - 1)), day)
    return [(m.strftime("%Y-%m"), reports.month_name(m)) for m in reversed(months)]


def _shift_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _parse_month(raw: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(f"{raw}-01") if raw else fallback
    except ValueError:
        return fallback


def parse_range(args: MultiDict[str, str], day: date) -> tuple[date, date, str]:
    """First and last month and the complaints grouping; out-of-range or reversed input is corrected."""
    this_month = reports.month_of(day)
    earliest = _shift_months(this_month, -(MONTHS_OFFERED - 1))
    end = min(max(_parse_month(args.get("end"), this_month), earliest), this_month)
    start = min(max(_parse_month(args.get("start"), _shift_months(end, -(DEFAULT_MONTHS - 1))), earliest), end)
    period = "quarter" if args.get("period") == "quarter" else "month"
    return start, end, period


@bp.get("/reports")
@staff(*CASEWORKERS)
def reports_page() -> Any:
    """On-time performance and workload for a range of months."""
    day = today()
    start, end, period = parse_range(request.args, day)
    with rt().db.transaction() as session:
        report = reports.build_report(session, start, end, day, period)
        audit.record(session, actor(), "reports.viewed", target=request.path,
                     detail={"start": report.start.isoformat(), "end": report.end.isoformat(), "period": period},
                     ip=client_ip())
    form = ReportPeriodForm(formdata=MultiDict({"start": start.strftime("%Y-%m"), "end": end.strftime("%Y-%m"),
                                                "period": period}))
    form.start.choices = form.end.choices = options(_month_choices(day))
    params = {"start": start.strftime("%Y-%m"), "end": end.strftime("%Y-%m"), "period": period}
    return render_template(
        "dashboard/reports.html",
        title="Reports",
        form=form,
        report=report,
        kinds=reports.RIGHTS_KINDS,
        kind_label=reports.kind_label,
        percent=reports.percent,
        month_name=reports.month_name,
        csv_urls={t: url_for(".reports_csv", table=t, **params) for t in reports.CSV_TABLES},
        chart=_ontime_chart(report),
    )


def _ontime_chart(report: reports.Report) -> Any:
    """The on-time rate of all types by month, against the council's target (RIGHTS_ONTIME_TARGET)."""
    from rights.charts import ontime_chart

    rows = [report.on_time_for(m, reports.ALL) for m in report.months]
    return ontime_chart([(r.month, r.on_time, r.due) for r in rows], rt().settings.ontime_target)


@bp.get("/reports/<table>.csv")
@staff(*CASEWORKERS)
def reports_csv(table: str) -> Response:
    """One report table as CSV, with cells that cannot run as spreadsheet formulas."""
    if table not in reports.CSV_TABLES:
        abort(404)
    day = today()
    start, end, period = parse_range(request.args, day)
    with rt().db.transaction() as session:
        report = reports.build_report(session, start, end, day, period)
        header, rows = reports.csv_table(report, table)
        audit.record(session, actor(), "reports.exported", target=request.path,
                     detail={"table": table, "start": report.start.isoformat(), "end": report.end.isoformat(),
                             "period": period},
                     ip=client_ip())
    filename = f"rights-{table}-{start:%Y-%m}-to-{end:%Y-%m}.csv"
    return download("\ufeff" + reports.to_csv(header, rows), "text/csv", filename, "report")
