"""Dates as the clock and the pages use them: London time, working days and bank holidays (England and
Wales), calendar months, days left, and dates in words.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


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


