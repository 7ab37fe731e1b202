"""The case list's due windows: the red, amber and green bands of :func:`rights.clock.rag` as due-date bounds,
so the database filters by due date instead of counting working days for every row."""

from __future__ import annotations

import enum
from datetime import date, timedelta

from rights import clock


class DueWindow(enum.StrEnum):
    """The filter's due windows; each is exactly one marker band of :func:`rights.clock.rag`."""

    OVERDUE = "overdue"  # red: fewer than 0 working days left
    WITHIN_5 = "within-5"  # amber: 0 to 5 working days left (0 = due today)
    WITHIN_10 = "within-10"  # green: 6 to 10
    LATER = "later"  # no marker: more than 10


DUE_WINDOW_LABELS: dict[DueWindow, str] = {
    DueWindow.OVERDUE: "Overdue",
    DueWindow.WITHIN_5: "Due in 5 working days or fewer",
    DueWindow.WITHIN_10: "Due in 6 to 10 working days",
    DueWindow.LATER: "Due in more than 10 working days",
}


def nth_working_day_after(today: date, n: int) -> date:
    """The ``n``-th working day after ``today`` (``n`` >= 1), by the clock's working-day rule."""
    if n < 1:
        raise ValueError("n must be at least 1")
    d = today
    for _ in range(n):
        d = clock.next_working_day(d + timedelta(days=1))
    return d


def due_bounds(window: DueWindow, today: date) -> tuple[date | None, date | None]:
    """Due-date bounds ``[low, high)`` of the cases in ``window`` on ``today``; ``None`` = unbounded.

    :func:`rights.clock.working_days_left` counts working days in ``(today, due]``, so a case has at most
    ``n`` days left exactly when its due date is before the ``(n+1)``-th working day after today (a due date
    on the weekend after the 5th working day still has 5 left). Overdue means due before today.
    """
    sixth = nth_working_day_after(today, 6)
    eleventh = nth_working_day_after(today, 11)
    if window is DueWindow.OVERDUE:
        return None, today
    if window is DueWindow.WITHIN_5:
        return today, sixth
    if window is DueWindow.WITHIN_10:
        return sixth, eleventh
    return eleventh, None
