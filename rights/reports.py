"""Performance statistics for managers: on-time rate, open and overdue cases, days to respond, complaints.

The rules are pure functions over :class:`CaseFacts` (a few columns of one request), so each reading
below is table-tested without a database; the ``load_*`` functions fetch just those columns.

**On-time rate (the ICO's measure).** For each calendar month, the requests whose response fell *due*
in that month, and of those the share answered on or before the due date:

    on-time rate(month) = answered on or before due date / (answered on time + late)

where a request is *late* if it was answered after its due date **or is still unanswered after it**.
Why by month of the due date rather than month of response: the ICO judges a council on whether each
request was answered within its statutory period (Art 12(3), 12A UK GDPR) and, in its enforcement against
councils (Bristol 2025: 42% of 961 requests on time), counts requests that are overdue and still open
against the council. Grouping by the month of response would leave the backlog out until it is answered
and flatter the months in which it builds up; grouping by due month counts every request exactly once, as
soon as its outcome is known, in the month the duty fell due. Requests whose due date has not yet arrived
and that are unanswered are *pending* and left out of the rate (their outcome is not known). Left out
altogether: withdrawn requests (no response is due), requests whose clock never properly started because
the council is still waiting for identity or authority evidence (``clock_provisional``: the month runs
from when the evidence arrives), and complaints (their deadline is an acknowledgement under DPA s.164A,
reported separately). A refusal sent in time is on time: it is the response.

**Days to respond**: calendar days from the date of receipt to the date the response was sent, for
requests answered in the period (by month of response), with the mean and the 90th percentile by the
nearest-rank method (always a value that actually occurred; no interpolation to explain).

**Complaints received** (DPA s.164B lets the Secretary of State require controllers to report how many
complaints they received in each period): complaints counted by month or quarter of receipt, every period
in the range listed even when it had none.
"""

from __future__ import annotations

import csv
import enum
import io
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from rights.caselist import open_condition
from rights.clock import add_calendar_months
from rights.models import RequestKind, RightsRequest
from rights.vocabulary import KIND_SHORT_LABELS
from rights.workflow import CLOSED_STAGES

ALL = "all"
WITHDRAWN = "withdrawn"
RIGHTS_KINDS: tuple[str, ...] = tuple(k.value for k in RequestKind if k is not RequestKind.COMPLAINT)


class CaseFacts(NamedTuple):
    """The columns of one request the statistics need (a tuple: reports read tens of thousands)."""

    kind: str
    status: str
    received_on: date
    due_on: date | None
    responded_on: date | None
    provisional: bool = False


class Timeliness(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"  # unanswered, due date not passed: not known yet
    EXCLUDED = "excluded"  # not part of the measure (see the module docstring)


def timeliness(case: CaseFacts, today: date) -> Timeliness:
    """Where one request stands on the ICO measure on ``today``."""
    if case.kind == RequestKind.COMPLAINT.value or case.status == WITHDRAWN or case.due_on is None:
        return Timeliness.EXCLUDED
    if case.responded_on is not None:
        return Timeliness.ON_TIME if case.responded_on <= case.due_on else Timeliness.LATE
    if case.provisional:
        return Timeliness.EXCLUDED
    if case.due_on < today:
        return Timeliness.LATE
    return Timeliness.PENDING


# --------------------------------------------------------------------------------------------------
# Months and periods


def month_of(d: date) -> date:
    return d.replace(day=1)


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from ``start``'s month to ``end``'s month, inclusive."""
    months = []
    m = month_of(start)
    while m <= end:
        months.append(m)
        m = add_calendar_months(m, 1)
    return months


def month_end(m: date) -> date:
    return add_calendar_months(month_of(m), 1) - timedelta(days=1)


def period_label(d: date, period: str) -> str:
    """``2026-03`` for a month, ``2026 Q1`` for a quarter."""
    if period == "quarter":
        return f"{d.year} Q{(d.month - 1) // 3 + 1}"
    return f"{d.year}-{d.month:02d}"


def month_name(m: date) -> str:
    return m.strftime("%B %Y")


# --------------------------------------------------------------------------------------------------
# The statistics


@dataclass(frozen=True)
class OnTimeRow:
    month: date
    kind: str  # a request kind, or "all"
    on_time: int
    late: int
    pending: int

    @property
    def due(self) -> int:
        """Requests whose outcome is known in this month: the rate's denominator."""
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Share on time, 0 to 1; ``None`` when nothing fell due (not 0%, which would read as failure)."""
        return self.on_time / self.due if self.due else None


def on_time_by_month_and_type(cases: Iterable[CaseFacts], months: Sequence[date], today: date,
                              kinds: Sequence[str] = RIGHTS_KINDS) -> list[OnTimeRow]:
    """On-time rows for every month and kind (plus ``"all"``), by month of the due date."""
    wanted = set(months)
    tally: Counter[tuple[date, str, Timeliness]] = Counter()
    for case in cases:
        outcome = timeliness(case, today)
        if outcome is Timeliness.EXCLUDED or case.due_on is None:
            continue
        month = month_of(case.due_on)
        if month not in wanted:
            continue
        tally[(month, case.kind, outcome)] += 1
        tally[(month, ALL, outcome)] += 1
    return [
        OnTimeRow(m, k, tally[(m, k, Timeliness.ON_TIME)], tally[(m, k, Timeliness.LATE)],
                  tally[(m, k, Timeliness.PENDING)])
        for m in months
        for k in (*kinds, ALL)
    ]


def nearest_rank_percentile(values: Sequence[int], pct: float) -> int | None:
    """The smallest value with at least ``pct`` percent of the values at or below it (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ResponseTimes:
    kind: str
    count: int
    mean_days: float | None
    p90_days: int | None


def days_to_respond(case: CaseFacts) -> int | None:
    """Calendar days from receipt to the response being sent (0 = answered the day it arrived)."""
    if case.responded_on is None:
        return None
    return (case.responded_on - case.received_on).days


def response_times(cases: Iterable[CaseFacts], start: date, end: date,
                   kinds: Sequence[str] = RIGHTS_KINDS) -> list[ResponseTimes]:
    """Mean and 90th-percentile days to respond, by kind and overall, for responses sent in [start, end]."""
    days: dict[str, list[int]] = {k: [] for k in (*kinds, ALL)}
    for case in cases:
        n = days_to_respond(case)
        if n is None or case.kind not in days or not (start <= case.responded_on <= end):  # type: ignore[operator]
            continue
        days[case.kind].append(n)
        days[ALL].append(n)
    return [
        ResponseTimes(k, len(v), round(sum(v) / len(v), 1) if v else None, nearest_rank_percentile(v, 90))
        for k, v in days.items()
    ]


@dataclass(frozen=True)
class OpenCounts:
    kind: str
    open: int
    overdue: int


def is_open(case: CaseFacts) -> bool:
    return case.status not in CLOSED_STAGES


def is_overdue(case: CaseFacts, today: date) -> bool:
    """Open, unanswered, on a running clock, and past its due date."""
    return (is_open(case) and case.responded_on is None and not case.provisional
            and case.due_on is not None and case.due_on < today)


def open_and_overdue(cases: Iterable[CaseFacts], today: date,
                     kinds: Sequence[str] = tuple(k.value for k in RequestKind)) -> list[OpenCounts]:
    """Open and overdue cases on ``today``, by kind and overall (complaints included: they are work too)."""
    opened: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    for case in cases:
        if not is_open(case):
            continue
        opened[case.kind] += 1
        opened[ALL] += 1
        if is_overdue(case, today):
            overdue[case.kind] += 1
            overdue[ALL] += 1
    return [OpenCounts(k, opened[k], overdue[k]) for k in (*kinds, ALL)]


@dataclass(frozen=True)
class PeriodCount:
    period: str
    count: int


def complaints_by_period(received: Iterable[date], start: date, end: date, period: str = "month") -> list[PeriodCount]:
    """Complaints received per month or quarter in [start, end]; periods with none are listed as 0."""
    labels: list[str] = []
    for m in months_between(start, end):
        label = period_label(m, period)
        if label not in labels:
            labels.append(label)
    counts = Counter(period_label(d, period) for d in received if start <= d <= end)
    return [PeriodCount(label, counts[label]) for label in labels]


# --------------------------------------------------------------------------------------------------
# CSV export, safe to open in a spreadsheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str | int | float:
    """A cell that a spreadsheet will not run as a formula (CSV injection, OWASP).

    Text starting with ``= + - @``, a tab or a carriage return gets a leading single quote, which
    spreadsheets show as text. Numbers stay numbers (they cannot carry a formula); ``None`` is empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with every cell passed through :func:`csv_cell` (header included)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def kind_label(kind: str) -> str:
    return "All types" if kind == ALL else KIND_SHORT_LABELS.get(kind, kind)


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


# --------------------------------------------------------------------------------------------------
# Loading facts (the only database code here)

RR = RightsRequest
_FACT_COLUMNS = (RR.kind, RR.status, RR.received_on, RR.due_on, RR.responded_on, RR.clock_provisional)


def _facts(session: Session, *where: Any) -> list[CaseFacts]:
    rows = session.execute(select(*_FACT_COLUMNS).where(*where))
    return [CaseFacts(k, st, rec, due, resp, bool(prov)) for k, st, rec, due, resp, prov in rows]


def load_period(session: Session, start: date, end: date) -> list[CaseFacts]:
    """Rights requests (not complaints) due or answered in [start, end]: both measures' populations."""
    return _facts(session, RR.kind != RequestKind.COMPLAINT.value,
                  or_(and_(RR.due_on >= start, RR.due_on <= end),
                      and_(RR.responded_on >= start, RR.responded_on <= end)))


def load_open(session: Session) -> list[CaseFacts]:
    return _facts(session, open_condition())  # the partial index of open cases


def load_complaints_received(session: Session, start: date, end: date) -> list[date]:
    return list(session.scalars(
        select(RR.received_on).where(RR.kind == RequestKind.COMPLAINT.value, RR.received_on >= start,
                                     RR.received_on <= end)
    ).all())


@dataclass
class Report:
    """Everything the reports page shows for a range of months."""

    start: date
    end: date
    today: date
    period: str
    on_time: list[OnTimeRow]
    response_times: list[ResponseTimes]
    open_counts: list[OpenCounts]
    complaints: list[PeriodCount]

    @property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    def on_time_for(self, month: date, kind: str) -> OnTimeRow:
        return next(r for r in self.on_time if r.month == month and r.kind == kind)


def build_report(session: Session, first_month: date, last_month: date, today: date,
                 period: str = "month") -> Report:
    """The statistics for the months ``first_month`` to ``last_month`` inclusive, as known on ``today``."""
    start, end = month_of(first_month), month_end(month_of(last_month))
    months = months_between(start, end)
    period_facts = load_period(session, start, end)
    return Report(
        start=start, end=end, today=today, period=period,
        on_time=on_time_by_month_and_type(period_facts, months, today),
        response_times=response_times(period_facts, start, end),
        open_counts=open_and_overdue(load_open(session), today),
        complaints=complaints_by_period(load_complaints_received(session, start, end), start, end, period),
    )


# --------------------------------------------------------------------------------------------------
# The CSV tables

CSV_TABLES = ("on-time", "response-times", "open-overdue", "complaints")


def csv_table(report: Report, table: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one exported table (the same figures the page shows)."""
    if table == "on-time":
        return (["Month due", "Type", "Due (outcome known)", "On time", "Late", "Pending", "On-time rate (%)"],
                [[period_label(r.month, "month"), kind_label(r.kind), r.due, r.on_time, r.late, r.pending,
                  None if r.rate is None else round(r.rate * 100, 1)] for r in report.on_time])
    if table == "response-times":
        return (["Type", "Responses sent", "Mean days to respond", "90th percentile days"],
                [[kind_label(r.kind), r.count, r.mean_days, r.p90_days] for r in report.response_times])
    if table == "open-overdue":
        return (["Type", f"Open on {report.today.isoformat()}", "Overdue"],
                [[kind_label(r.kind), r.open, r.overdue] for r in report.open_counts])
    if table == "complaints":
        return ([f"{'Quarter' if report.period == 'quarter' else 'Month'} received", "Complaints received"],
                [[r.period, r.count] for r in report.complaints])
    raise KeyError(table)
