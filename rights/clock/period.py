"""The clock's inputs and results, the statutory dates they depend on, and the month counted around pauses
(with the explanation lines that show an officer how each date was reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rights.clock.days import (
    _MONTH_NAMES,
    _day_month,
    _plural,
    _why_not_working,
    add_calendar_months,
    next_working_day,
    short_date,
)

#: Art 12A(5)-(6) UK GDPR (stop the clock) applies to access requests received on or after this day,
#: when the relevant DUAA 2025 provisions commenced.
STOP_THE_CLOCK_FROM = date(2026, 2, 5)

#: DPA 2018 s.164A (complaints to the controller) applies to complaints received on or after this day.
COMPLAINTS_DUTY_FROM = date(2026, 6, 19)

#: DPA 2018 s.164A(3): acknowledge a complaint within 30 days, counted from the day after receipt.
COMPLAINT_ACK_DAYS = 30

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
# The computation


@dataclass(frozen=True)
class _Period:
    """One period (one month, or three when extended) worked out with its pauses."""

    base: date  # n calendar months from the relevant time, before pauses and rolling
    counted: tuple[int, ...]  # paused days counted, per pause (sorted order)
    shifted: date  # the last counted day: base + counted days, or the day after a pause begun in the roll
    due: date  # shifted rolled to a working day
    in_roll: tuple[bool, ...] = ()  # per pause: it began after ``base + days so far`` but by the rolled end
    rolled_end: date | None = None  # the rolled end a pause began in (for the explanation)

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

    A pause begun in the roll (after the counted end fell on a weekend or bank holiday, on or before the
    working day the period was rolled to) is *inside* the period: Art 3(4) made those days part of it, and
    the council asked while the period was running. Its days are excluded, so the period cannot end on one
    of them: it ends on the first working day after the answer (received 28 Feb 2026 → Sat 28 Mar, rolled
    to Mon 30 Mar; asked 30 Mar, answered 31 Mar → due Wed 1 Apr). Adding the days to the unrolled date
    instead would give 30 Mar, a day the explanation says does not count.
    """
    base = add_calendar_months(start, months)
    counted: list[int] = []
    in_roll: list[bool] = []
    end = base
    rolled_end: date | None = None
    for pause in pauses:
        end_so_far = next_working_day(end)
        last = pause.end if pause.end is not None else today
        first = max(pause.start, start)
        if pause.start > end_so_far or last is None or last < first:
            counted.append(0)
            in_roll.append(False)
            continue
        days = (last - first).days + 1
        counted.append(days)
        if first > end:
            in_roll.append(True)
            rolled_end = end_so_far
            end = last + timedelta(days=1)
        else:
            in_roll.append(False)
            end = end + timedelta(days=days)
    return _Period(
        base=base,
        counted=tuple(counted),
        shifted=end,
        due=next_working_day(end),
        in_roll=tuple(in_roll),
        rolled_end=rolled_end,
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
    if period.paused_days and period.rolled_end is not None:
        days = _plural(period.paused_days, "paused day")
        lines.append(
            f"The period had been rolled to {short_date(period.rolled_end)} when a clarification was "
            f"asked; the {days} do not count, so the period runs to the day after the answer, "
            f"{short_date(period.shifted)}."
        )
    elif period.paused_days:
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


