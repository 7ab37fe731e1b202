"""Report statistics and the CSV export: pure functions, table-driven."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from rights import reports
from rights.reports import CaseFacts, Timeliness

TODAY = date(2026, 3, 16)


def facts(kind: str = "access", status: str = "closed", received: date = date(2026, 1, 5),
          due: date | None = date(2026, 2, 5), responded: date | None = None, provisional: bool = False) -> CaseFacts:
    return CaseFacts(kind, status, received, due, responded, provisional)


@pytest.mark.parametrize(("case", "expected"), [
    (facts(responded=date(2026, 2, 5)), Timeliness.ON_TIME),  # on the due date is on time
    (facts(responded=date(2026, 1, 20)), Timeliness.ON_TIME),
    (facts(responded=date(2026, 2, 6)), Timeliness.LATE),
    (facts(status="searching"), Timeliness.LATE),  # unanswered after its due date counts against us now
    (facts(status="searching", due=date(2026, 3, 16)), Timeliness.PENDING),  # due today, not yet late
    (facts(status="searching", due=date(2026, 3, 20)), Timeliness.PENDING),
    (facts(status="refused", responded=date(2026, 1, 10)), Timeliness.ON_TIME),  # a refusal is a response
    (facts(status="withdrawn"), Timeliness.EXCLUDED),
    (facts(status="withdrawn", responded=date(2026, 3, 1)), Timeliness.EXCLUDED),
    (facts(status="awaiting_id", provisional=True), Timeliness.EXCLUDED),  # the month has not started
    (facts(status="closed", provisional=True), Timeliness.EXCLUDED),  # closed when no ID ever came
    (facts(status="released", provisional=True, responded=date(2026, 3, 1)), Timeliness.LATE),
    (facts(kind="complaint", responded=date(2026, 1, 6)), Timeliness.EXCLUDED),
    (facts(due=None), Timeliness.EXCLUDED),
])
def test_timeliness(case: CaseFacts, expected: Timeliness) -> None:
    assert reports.timeliness(case, TODAY) is expected


def test_on_time_rate_by_month_of_the_due_date_and_type() -> None:
    cases = [
        facts(due=date(2026, 1, 30), responded=date(2026, 1, 29)),  # Jan access on time
        facts(due=date(2026, 1, 30), responded=date(2026, 2, 2)),  # Jan access late (answered in Feb)
        facts(kind="erasure", due=date(2026, 1, 12), responded=date(2026, 1, 12)),
        facts(due=date(2026, 2, 27), status="searching"),  # Feb access overdue and open: late
        facts(due=date(2026, 3, 20), status="searching"),  # Mar pending
        facts(due=date(2026, 3, 2), responded=date(2026, 2, 25)),  # Mar on time
        facts(due=date(2026, 3, 2), status="withdrawn"),
        facts(due=date(2025, 12, 31), responded=date(2025, 12, 1)),  # outside the months asked for
    ]
    months = reports.months_between(date(2026, 1, 1), date(2026, 3, 31))
    rows = {(r.month.month, r.kind): r for r in reports.on_time_by_month_and_type(cases, months, TODAY)}
    assert len(rows) == 3 * 6  # every month and kind listed, even when empty
    assert (rows[(1, "access")].on_time, rows[(1, "access")].late, rows[(1, "access")].rate) == (1, 1, 0.5)
    assert rows[(1, "erasure")].rate == 1.0
    assert (rows[(1, "all")].due, rows[(1, "all")].on_time) == (3, 2)
    assert (rows[(2, "access")].rate, rows[(2, "access")].late) == (0.0, 1)
    assert (rows[(3, "access")].rate, rows[(3, "access")].pending, rows[(3, "access")].due) == (1.0, 1, 1)
    assert rows[(2, "objection")].rate is None  # nothing due: no rate, not 0%


@pytest.mark.parametrize(("values", "p90"), [
    ([], None),
    ([7], 7),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9),  # rank ceil(0.9 * 10) = 9
    ([10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 11], 10),  # rank ceil(9.9) = 10, order does not matter
    ([30, 30, 30, 90], 90),  # rank ceil(3.6) = 4
])
def test_nearest_rank_90th_percentile(values: list[int], p90: int | None) -> None:
    assert reports.nearest_rank_percentile(values, 90) == p90


def test_response_times_in_calendar_days_for_responses_in_the_period() -> None:
    cases = [
        facts(received=date(2026, 1, 1), responded=date(2026, 1, 31)),  # 30
        facts(received=date(2026, 1, 10), responded=date(2026, 1, 20)),  # 10
        facts(received=date(2026, 2, 1), responded=date(2026, 2, 1)),  # 0: answered the day it came
        facts(kind="erasure", received=date(2026, 1, 1), responded=date(2026, 2, 15)),  # 45
        facts(received=date(2025, 11, 1), responded=date(2025, 12, 31)),  # answered before the period
        facts(received=date(2026, 1, 1), responded=None),
    ]
    rows = {r.kind: r for r in reports.response_times(cases, date(2026, 1, 1), date(2026, 3, 31))}
    assert (rows["access"].count, rows["access"].mean_days, rows["access"].p90_days) == (3, 13.3, 30)
    assert (rows["erasure"].count, rows["erasure"].mean_days, rows["erasure"].p90_days) == (1, 45.0, 45)
    assert (rows["all"].count, rows["all"].mean_days, rows["all"].p90_days) == (4, 21.2, 45)
    assert (rows["objection"].count, rows["objection"].mean_days, rows["objection"].p90_days) == (0, None, None)


def test_open_and_overdue_counts() -> None:
    cases = [
        facts(status="searching", due=date(2026, 3, 13)),  # overdue
        facts(status="searching", due=date(2026, 3, 16)),  # due today: open, not overdue
        facts(status="awaiting_id", due=date(2026, 3, 1), provisional=True),  # clock not running
        facts(status="released", due=date(2026, 3, 1), responded=date(2026, 2, 27)),  # done, not open
        facts(kind="complaint", status="received", due=date(2026, 3, 2)),  # acknowledgement overdue
        facts(status="closed", due=date(2026, 1, 1)),
    ]
    rows = {r.kind: (r.open, r.overdue) for r in reports.open_and_overdue(cases, TODAY)}
    assert rows["access"] == (3, 1)
    assert rows["complaint"] == (1, 1)
    assert rows["all"] == (4, 2)


@pytest.mark.parametrize(("period", "expected"), [
    ("month", [("2026-01", 2), ("2026-02", 0), ("2026-03", 1), ("2026-04", 0)]),
    ("quarter", [("2026 Q1", 3), ("2026 Q2", 0)]),
])
def test_complaints_by_period(period: str, expected: list[tuple[str, int]]) -> None:
    received = [date(2026, 1, 2), date(2026, 1, 31), date(2026, 3, 5), date(2025, 12, 31), date(2026, 5, 1)]
    rows = reports.complaints_by_period(received, date(2026, 1, 1), date(2026, 4, 30), period)
    assert [(r.period, r.count) for r in rows] == expected


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tleading tab", "'\tleading tab"),
    ("\rcarriage", "'\rcarriage"),
    ("Amelia Hart", "Amelia Hart"),
    ("a=b", "a=b"),  # only the first character matters
    ("", ""),
    (None, ""),
    (42, 42),  # numbers stay numbers
    (-3, -3),
    (12.5, 12.5),
    (True, "yes"),
    (date(2026, 3, 16), "2026-03-16"),
])
def test_csv_cells_cannot_become_formulas(value: object, cell: object) -> None:
    assert reports.csv_cell(value) == cell


def test_csv_export_round_trips_with_quoting_and_escapes_every_cell() -> None:
    text = reports.to_csv(["=Type", "Count"], [["Access, by month", 3], ['-1 "quoted"', None], ["@x", 2.5]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=Type", "Count"], ["Access, by month", "3"], ["'-1 \"quoted\"", ""], ["'@x", "2.5"]]
    assert text.endswith("\r\n")


def test_csv_tables_match_the_report() -> None:
    months = reports.months_between(date(2026, 1, 1), date(2026, 2, 28))
    report = reports.Report(
        start=date(2026, 1, 1), end=date(2026, 2, 28), today=TODAY, period="quarter",
        on_time=reports.on_time_by_month_and_type([facts(due=date(2026, 1, 9), responded=date(2026, 1, 9))],
                                                  months, TODAY),
        response_times=[], open_counts=[reports.OpenCounts("all", 5, 2)],
        complaints=[reports.PeriodCount("2026 Q1", 4)],
    )
    header, rows = reports.csv_table(report, "on-time")
    assert header[0] == "Month due" and ["2026-01", "Access", 1, 1, 0, 0, 100.0] in rows
    assert ["2026-02", "All types", 0, 0, 0, 0, None] in rows
    assert reports.csv_table(report, "complaints") == (["Quarter received", "Complaints received"], [["2026 Q1", 4]])
    assert reports.csv_table(report, "open-overdue")[1] == [["All types", 5, 2]]
    with pytest.raises(KeyError):
        reports.csv_table(report, "nonsense")
