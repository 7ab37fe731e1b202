"""The statutory clock for rights requests and complaints.

Pure functions only: no I/O, no Flask, no database. Everything that needs "today" takes it as an
argument, so a request's deadline can always be replayed from its recorded events rather than patched.

Sources (see ``shared/docs/legal-rules.md`` section 1):

* Art 12A UK GDPR (inserted by the Data (Use and Access) Act 2025): respond within one month beginning
  with the *relevant time*; extension by two further months (Art 12A(3)-(4)); "stop the clock" for access
  requests while the controller waits for clarification (Art 12A(5)-(6)).
* Art 4A UK GDPR applying Regulation 1182/71, as read by the ICO (Dec 2025): count from the actual day of
  receipt; the period ends on the same date in the following month, or the last day of that month if the
  date does not exist; an end on a Saturday, Sunday or bank holiday moves to the next working day.
* DPA 2018 s.164A: complaints to the controller must be acknowledged within 30 days, counted from the day
  after receipt (for complaints received on or after 19 June 2026).
"""

from __future__ import annotations

import calendar
import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "COMPLAINTS_DUTY_FROM",
    "COMPLAINT_ACK_DAYS",
    "LONDON",
    "STOP_THE_CLOCK_FROM",
    "ClockError",
    "ClockInput",
    "ClockResult",
    "Pause",
    "RequestKind",
    "add_calendar_months",
    "bank_holiday_name",
    "compute",
    "is_working_day",
    "long_date",
    "next_working_day",
    "rag",
    "received_date",
    "short_date",
    "working_days_left",
]

LONDON = ZoneInfo("Europe/London")

#: Art 12A(5)-(6) UK GDPR (stop the clock) applies to access requests received on or after this day,
#: when the relevant DUAA 2025 provisions commenced.
STOP_THE_CLOCK_FROM = date(2026, 2, 5)

#: DPA 2018 s.164A (complaints to the controller) applies to complaints received on or after this day.
COMPLAINTS_DUTY_FROM = date(2026, 6, 19)

#: DPA 2018 s.164A(3): acknowledge a complaint within 30 days, counted from the day after receipt.
COMPLAINT_ACK_DAYS = 30

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class ClockError(ValueError):
    """The clock's input is impossible or not allowed by law (the message says which rule)."""


class RequestKind(StrEnum):
    """The kinds of request the clock knows.

    Access, rectification, erasure, restriction and objection are rights requests under Arts 15-21 UK
    GDPR and share the Art 12A one-month clock; only access may be paused (Art 12A(5)). A complaint to
    the controller follows DPA s.164A instead (acknowledge within 30 days).
    """

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class Pause:
    """A stop-the-clock period under Art 12A(5)-(6) UK GDPR (access requests only).

    ``start`` is the day the council asked the requester for clarification and ``end`` the day the answer
    arrived; the law excludes both days ("beginning with the day it asks ... ending with the day it
    receives"), so both are inclusive here. ``end=None`` means the council is still waiting.
    """

    start: date
    end: date | None = None

    @property
    def is_open(self) -> bool:
        """True while the council is still waiting for the requester's answer."""
        return self.end is None


@dataclass(frozen=True)
class ClockInput:
    """The recorded facts of one request, from which its deadline is replayed.

    ``id_received``, ``authority_received`` and ``fee_received`` are the days the identity evidence, the
    evidence of a representative's authority, and a fee arrived, when the council asked for them:
    under Art 12A UK GDPR the month then begins again from the latest of them. ``id_requested`` says
    something of that kind has been asked for and has not arrived yet, so any date computed now is
    provisional.
    """

    kind: RequestKind
    received: date
    id_received: date | None = None
    authority_received: date | None = None
    fee_received: date | None = None
    pauses: tuple[Pause, ...] = ()
    extended: bool = False
    id_requested: bool = False

    def __post_init__(self) -> None:
        # Accept any iterable of pauses but store a tuple, so the input stays hashable and immutable.
        if not isinstance(self.pauses, tuple):
            object.__setattr__(self, "pauses", tuple(self.pauses))


@dataclass(frozen=True)
class ClockResult:
    """The outcome of :func:`compute`.

    ``due`` is the date the response (or, for a complaint, the acknowledgement) must be sent by.
    ``original_due`` is the one-month date including pauses, whether or not the request was extended;
    ``extension_notice_by`` is the same date, because Art 12A(4) requires the requester to be told of an
    extension before the first month ends (``None`` for complaints, which cannot be extended).
    ``paused_days`` is the number of paused days that moved ``due``. ``provisional`` is true while
    identity evidence, authority or a fee is awaited or a pause is still open: the date will move.
    ``explanation`` is the computation in plain English, one step per line, for officers.
    """

    kind: RequestKind
    received: date
    relevant_time: date
    due: date
    original_due: date
    extended: bool
    extension_notice_by: date | None
    paused_days: int
    provisional: bool
    explanation: tuple[str, ...]
    acknowledge_by: date | None = None


# --------------------------------------------------------------------------------------------------
# Dates, working days and wording


def short_date(d: date) -> str:
    """Format ``d`` as "Fri 10 Apr 2026" (locale-independent, for explanations)."""
    return f"{_DAY_NAMES[d.weekday()][:3]} {d.day} {_MONTH_NAMES[d.month - 1][:3]} {d.year}"


def long_date(d: date) -> str:
    """Format ``d`` as "Friday 10 April 2026" (locale-independent, for letters and the CLI)."""
    return f"{_DAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def _day_month(d: date, year: int) -> str:
    """Day and month, as "5 Mar", or "5 Mar 2027" when ``d`` is not in ``year`` (keeps pause lines short)."""
    text = f"{d.day} {_MONTH_NAMES[d.month - 1][:3]}"
    return text if d.year == year else f"{text} {d.year}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def received_date(ts: datetime) -> date:
    """The Europe/London calendar date of an aware timestamp.

    A request is received on the date it arrives in the UK (a web form sent at 00:30 BST on 1 July was
    received on 1 July, although that instant is 30 June in UTC), so timestamps are converted to London
    time before the date is taken. A naive timestamp is ambiguous and is rejected.
    """
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("received_date needs a timezone-aware timestamp (naive datetimes are ambiguous)")
    return ts.astimezone(LONDON).date()


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> Mapping[date, str]:
    """England & Wales bank holidays in ``year``, substitute days included.

    The ``holidays`` package's GB/ENG list is the GOV.UK ``england-and-wales`` division (Wales shares it),
    with "(observed)" substitute days such as Mon 28 Dec 2026. Council closure days are deliberately not
    here: they are not bank holidays and do not move a statutory deadline.
    """
    table = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return MappingProxyType({d: str(name) for d, name in table.items()})


def bank_holiday_name(d: date) -> str | None:
    """The name of the England & Wales bank holiday on ``d``, or ``None``."""
    return _bank_holidays(d.year).get(d)


def is_working_day(d: date) -> bool:
    """True unless ``d`` is a Saturday, Sunday or England & Wales bank holiday (Reg 1182/71 Art 3(4))."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def next_working_day(d: date) -> date:
    """``d`` itself if it is a working day, otherwise the first working day after it.

    A period ending on a Saturday, Sunday or bank holiday ends instead at the end of the next working day
    (Reg 1182/71 Art 3(4), applied by Art 4A UK GDPR).
    """
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def add_calendar_months(d: date, n: int) -> date:
    """The same date ``n`` calendar months later, clamped to the last day of a shorter month.

    Reg 1182/71 Art 3(2)(c) as read by the ICO: a month ends on the same date of the following month, or
    on that month's last day if the date does not exist (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap
    year). Negative ``n`` counts backwards with the same clamp.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def _why_not_working(d: date) -> str:
    name = bank_holiday_name(d)
    if name is not None:
        return f"a bank holiday ({name})"
    return f"a {_DAY_NAMES[d.weekday()]}"


def working_days_left(due: date, today: date) -> int:
    """Working days the council has left, counted from tomorrow through the due date inclusive.

    * ``today`` before ``due``: the number of working days in (today, due]; a request due tomorrow has 1.
    * ``today == due``: 0 (the last day; still on time, nothing left after today).
    * ``today`` after ``due`` (overdue): minus the number of working days in (due, today], and never more
      than -1, so a deadline that passed on a Friday reads -1 over the weekend rather than a misleading 0.
    """
    if today <= due:
        return _count_working_days(today, due)
    return -max(1, _count_working_days(due, today))


def _count_working_days(after: date, through: date) -> int:
    """Working days strictly after ``after`` up to and including ``through``.

    Arithmetic rather than a walk over the calendar: the case list computes this for every row, and an
    overdue case from years ago would otherwise cost thousands of steps. Weekdays come from the ordinal
    (day 1 of the proleptic calendar was a Monday); bank holidays falling on weekdays are subtracted.
    """
    if through <= after:
        return 0
    weekday_holidays = sum(
        1
        for year in range(after.year, through.year + 1)
        for day in _bank_holidays(year)
        if after < day <= through and day.weekday() < 5
    )
    return _weekdays_through(through) - _weekdays_through(after) - weekday_holidays


def _weekdays_through(d: date) -> int:
    """Mondays to Fridays from 1 Jan of year 1 (a Monday) through ``d`` inclusive."""
    weeks, extra = divmod(d.toordinal(), 7)
    return weeks * 5 + min(extra, 5)


def rag(working_days_left: int) -> str:
    """The dashboard marker for a number of working days left.

    The dashboard specification says "red, amber, green marker (overdue, 5 or fewer, 10 or fewer)", read
    as three bands plus no marker: ``"red"`` when overdue (< 0); ``"amber"`` for 0 to 5 (0 = due today);
    ``"green"`` for 6 to 10; ``"none"`` for more than 10 working days (nothing to flag yet).
    """
    if working_days_left < 0:
        return "red"
    if working_days_left <= 5:
        return "amber"
    if working_days_left <= 10:
        return "green"
    return "none"


# --------------------------------------------------------------------------------------------------
# The computation


@dataclass(frozen=True)
class _Period:
    """One period (one month, or three when extended) worked out with its pauses."""

    base: date  # n calendar months from the relevant time, before pauses and rolling
    counted: tuple[int, ...]  # paused days counted, per pause (sorted order)
    shifted: date  # base + counted days
    due: date  # shifted rolled to a working day

    @property
    def paused_days(self) -> int:
        return sum(self.counted)


def _period(start: date, months: int, pauses: tuple[Pause, ...], today: date | None) -> _Period:
    """Work out the period of ``months`` months from ``start`` with the paused days excluded.

    Order: add the months (with the month-end clamp), THEN add the paused days, THEN roll forward to a
    working day once. Art 12A(6) excludes the paused days from the period itself, so they lengthen the
    period; Reg 1182/71 Art 3(4) then moves the *end of the period* off a weekend or bank holiday. Rolling
    first and adding afterwards could land on a weekend again and double-count the roll.
    (Worked example: 2 Mar 2026 + 1 month = 2 Apr; + 8 paused days = Fri 10 Apr, a working day.)

    A pause counts only for the days within the period: days before ``start`` (asked before identity
    evidence arrived, when the clock was not running) do not count, and a pause begun after the period
    (as lengthened by earlier pauses) had already ended cannot lengthen it. This keeps the one-month date
    (and so the extension-notice deadline) from moving because of a pause in the second or third month.
    """
    base = add_calendar_months(start, months)
    counted: list[int] = []
    total = 0
    for pause in pauses:
        end_so_far = next_working_day(base + timedelta(days=total))
        last = pause.end if pause.end is not None else today
        first = max(pause.start, start)
        if pause.start > end_so_far or last is None or last < first:
            counted.append(0)
            continue
        days = (last - first).days + 1
        counted.append(days)
        total += days
    shifted = base + timedelta(days=total)
    return _Period(base=base, counted=tuple(counted), shifted=shifted, due=next_working_day(shifted))


def _check_date(name: str, value: object) -> None:
    # A datetime is a date subclass, but a timestamp here would skip the London conversion.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ClockError(f"{name} must be a date (use received_date() to convert a timestamp)")


def _validate(inp: ClockInput, kind: RequestKind, today: date | None) -> tuple[Pause, ...]:
    """Reject impossible or unlawful input; return the pauses sorted by start."""
    _check_date("received", inp.received)
    labels = {
        "id_received": "identity evidence",
        "authority_received": "the representative's authority",
        "fee_received": "the fee",
    }
    for attr, label in labels.items():
        value = getattr(inp, attr)
        if value is None:
            continue
        _check_date(attr, value)
        if value < inp.received:
            raise ClockError(
                f"{label} received {short_date(value)} is before the request was received "
                f"{short_date(inp.received)}"
            )
        if kind is RequestKind.COMPLAINT:
            raise ClockError(
                f"a complaint's acknowledgement deadline runs from receipt; {label} does not apply"
            )

    if kind is RequestKind.COMPLAINT and inp.extended:
        raise ClockError("a complaint cannot be extended (DPA s.164A has no extension)")

    for pause in inp.pauses:
        if not isinstance(pause, Pause):
            raise ClockError("pauses must be Pause objects")
        _check_date("pause start", pause.start)
        if pause.end is not None:
            _check_date("pause end", pause.end)
    if not inp.pauses:
        return ()

    if kind is not RequestKind.ACCESS:
        raise ClockError(
            f"only access requests can be paused (Art 12A(5) UK GDPR); this is a {kind.value} request"
        )
    if inp.received < STOP_THE_CLOCK_FROM:
        raise ClockError(
            f"access requests received before {short_date(STOP_THE_CLOCK_FROM)} cannot be paused "
            f"(Art 12A(5) UK GDPR applies from then); this one was received {short_date(inp.received)}"
        )
    pauses = tuple(sorted(inp.pauses, key=lambda p: p.start))
    for pause in pauses:
        if pause.start < inp.received:
            raise ClockError(
                f"a pause starting {short_date(pause.start)} is before the request was received "
                f"{short_date(inp.received)}"
            )
        if pause.end is not None and pause.end < pause.start:
            raise ClockError(
                f"a pause cannot end ({short_date(pause.end)}) before it starts ({short_date(pause.start)})"
            )
        if pause.end is None and today is not None and today < pause.start:
            raise ClockError(
                f"an open pause starting {short_date(pause.start)} is after today ({short_date(today)})"
            )
    for earlier, later in itertools.pairwise(pauses):
        # Both days of a pause are excluded, so a pause ending on the day the next starts overlaps it.
        # An open pause runs on indefinitely and so overlaps any pause after it.
        if earlier.end is None or later.start <= earlier.end:
            raise ClockError(
                f"pauses overlap: one starts {short_date(later.start)} before the previous one "
                f"(from {short_date(earlier.start)}) has ended"
            )
    return pauses


def compute(inp: ClockInput, *, today: date | None = None) -> ClockResult:
    """Replay a request's statutory deadline from its recorded facts.

    Rights requests (Art 12A UK GDPR):

    1. The relevant time is the latest of receipt and the arrival of any identity evidence, authority or
       fee asked for (asking for ID does not pause the clock: the month begins again when it arrives).
    2. One calendar month from the relevant time, clamped to the month end (Reg 1182/71 Art 3(2)(c)).
    3. Later by the paused days (Art 12A(5)-(6), access requests received from 5 Feb 2026), each pause
       counting both its first and last day; an open pause counts through ``today`` and makes the result
       provisional.
    4. Rolled forward to the next working day (Reg 1182/71 Art 3(4)). Pauses are added *before* rolling:
       see :func:`_period`.
    5. If extended (Art 12A(3)): three calendar months from the relevant time (not one month then two),
       plus the paused days, rolled the same way. The extension notice is due by the one-month date
       (Art 12A(4)), computed as in steps 2-4.

    Complaints (DPA s.164A): acknowledge within 30 days counted from the day after receipt, rolled to
    the next working day; ``due`` is that date. Complaints received before 19 Jun 2026, when s.164A
    commenced, get the same 30-day target as council policy, and the explanation says so.

    ``today`` is needed only for an open pause; it defaults to today's date in London.
    Raises :class:`ClockError` on invalid input.
    """
    try:
        kind = RequestKind(inp.kind)
    except ValueError:
        raise ClockError(f"unknown request type {inp.kind!r}") from None
    if today is not None:
        _check_date("today", today)
    if today is None and any(isinstance(p, Pause) and p.is_open for p in inp.pauses):
        # Only an open pause depends on the date; reading the clock here keeps callers that pass
        # ``today`` (tests, the dashboard) fully deterministic.
        today = datetime.now(LONDON).date()
    pauses = _validate(inp, kind, today)

    if kind is RequestKind.COMPLAINT:
        return _compute_complaint(inp)

    lines: list[str] = [f"Received {short_date(inp.received)}."]
    relevant = inp.received
    evidence = (
        ("Identity evidence", inp.id_received),
        ("Evidence of the representative's authority", inp.authority_received),
        ("Fee", inp.fee_received),
    )
    for label, when in evidence:
        if when is not None:
            lines.append(f"{label} received {short_date(when)}.")
            relevant = max(relevant, when)
    if relevant != inp.received:
        lines.append(f"The month starts again from {short_date(relevant)}, the latest of these dates.")

    one = _period(relevant, 1, pauses, today)
    three = _period(relevant, 3, pauses, today) if inp.extended else None
    governing = three if three is not None else one

    lines.append(_months_line(relevant, 1, one.base))
    lines.extend(_pause_lines(pauses, one, three, relevant, inp.received.year, today))
    lines.extend(_roll_lines(one, "the one-month date"))

    if three is not None:
        lines.append(
            f"The request was extended by two further months (Art 12A(3)): the period becomes "
            f"three months from {short_date(relevant)}."
        )
        lines.append(_months_line(relevant, 3, three.base))
        lines.extend(_roll_lines(three, "the extended date"))
        lines.append(
            f"The requester must have been told of the extension, with reasons, by {short_date(one.due)} "
            f"(the end of the first month)."
        )
    else:
        lines.append(
            f"If the request is complex or one of a number from this person, it can be extended by two "
            f"further months; the requester must be told, with reasons, by {short_date(one.due)}."
        )

    open_pause = any(p.is_open for p in pauses)
    provisional = inp.id_requested or open_pause
    if inp.id_requested:
        lines.append(
            "Identity evidence, authority or a fee has been asked for and has not arrived: the month will "
            "start again from the day it arrives, so this date is provisional."
        )
    if open_pause:
        lines.append(
            "A clarification request is still unanswered: the date moves one day later for each day "
            "until the answer arrives, so it is provisional."
        )
    lines.append(f"Due: {short_date(governing.due)}.")

    return ClockResult(
        kind=kind,
        received=inp.received,
        relevant_time=relevant,
        due=governing.due,
        original_due=one.due,
        extended=inp.extended,
        extension_notice_by=one.due,
        paused_days=governing.paused_days,
        provisional=provisional,
        explanation=tuple(lines),
    )


def _months_line(start: date, months: int, base: date) -> str:
    what = "One month" if months == 1 else "Three months"
    line = f"{what} from {short_date(start)} is {short_date(base)}"
    if base.day != start.day:
        month_name = _MONTH_NAMES[base.month - 1]
        line += f" ({start.day} {month_name} does not exist, so the last day of {month_name} is used)"
    return line + "."


def _roll_lines(period: _Period, what: str) -> list[str]:
    lines: list[str] = []
    if period.paused_days:
        days = _plural(period.paused_days, "paused day")
        lines.append(f"Adding the {days} to {what} gives {short_date(period.shifted)}.")
    if period.due != period.shifted:
        lines.append(
            f"{short_date(period.shifted)} is {_why_not_working(period.shifted)}, so the deadline moves to "
            f"the next working day, {short_date(period.due)}."
        )
    return lines


def _pause_lines(
    pauses: tuple[Pause, ...],
    one: _Period,
    three: _Period | None,
    relevant: date,
    year: int,
    today: date | None,
) -> list[str]:
    lines: list[str] = []
    for index, pause in enumerate(pauses):
        asked = _day_month(pause.start, year)
        if pause.end is None:
            assert today is not None
            through = _day_month(today, year)
            event = f"Clarification asked {asked} and not yet answered (counted through {through})"
        else:
            event = f"Clarification asked {asked} and answered {_day_month(pause.end, year)}"
        n_one = one.counted[index]
        n_three = three.counted[index] if three is not None else n_one
        n = max(n_one, n_three)
        if n == 0:
            last = pause.end if pause.end is not None else today
            if last is not None and last < relevant:
                lines.append(f"{event}, before the clock started on {short_date(relevant)}: no effect.")
            else:
                lines.append(f"{event}, after the period had ended: no effect on the date.")
            continue
        do = "does" if n == 1 else "do"
        line = f"{event}: {_plural(n, 'day')} {do} not count"
        if pause.start < relevant:
            line += f" (only the days from {_day_month(relevant, year)}, when the clock started)"
        line += "."
        if three is not None and n_one == 0:
            line += " The pause began after the first month ended, so it moves only the extended date."
        lines.append(line)
    return lines


def _compute_complaint(inp: ClockInput) -> ClockResult:
    """DPA s.164A: acknowledge within 30 days, counted from the day after receipt, on a working day.

    Day 1 is the day after receipt, so day 30 is ``received + 30 days``; a weekend or bank holiday moves
    it to the next working day (19 Jun 2026 -> Sun 19 Jul -> Mon 20 Jul 2026). For complaints received
    before s.164A commenced on 19 Jun 2026 there is no statutory duty; the council applies the same
    30-day target as policy, so officers see one rule, and the explanation says the duty is not
    statutory for that complaint.
    """
    lines = [f"Complaint received {short_date(inp.received)}."]
    if inp.received < COMPLAINTS_DUTY_FROM:
        lines.append(
            f"The statutory duty to acknowledge complaints (DPA s.164A) applies to complaints received "
            f"from {short_date(COMPLAINTS_DUTY_FROM)}; for this earlier complaint the same 30-day target "
            f"is council policy."
        )
    day30 = inp.received + timedelta(days=COMPLAINT_ACK_DAYS)
    ack = next_working_day(day30)
    lines.append(f"30 days counted from the day after receipt ends on {short_date(day30)}.")
    if ack != day30:
        lines.append(
            f"{short_date(day30)} is {_why_not_working(day30)}, so the deadline moves to the next working "
            f"day, {short_date(ack)}."
        )
    lines.append(f"Acknowledge by {short_date(ack)}, then investigate and tell the complainant the outcome.")
    return ClockResult(
        kind=RequestKind.COMPLAINT,
        received=inp.received,
        relevant_time=inp.received,
        due=ack,
        original_due=ack,
        extended=False,
        extension_notice_by=None,
        paused_days=0,
        provisional=False,
        explanation=tuple(lines),
        acknowledge_by=ack,
    )
