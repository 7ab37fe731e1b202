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

Modules: :mod:`.days` (working days, bank holidays, dates in words), :mod:`.period` (inputs, results,
the month around pauses), :mod:`.compute` (:func:`compute`). Imports nothing from ``rights``.
"""

from rights.clock.compute import compute
from rights.clock.days import (
    LONDON,
    add_calendar_months,
    bank_holiday_name,
    is_working_day,
    long_date,
    next_working_day,
    rag,
    received_date,
    short_date,
    working_days_left,
)
from rights.clock.period import (
    COMPLAINT_ACK_DAYS,
    COMPLAINTS_DUTY_FROM,
    STOP_THE_CLOCK_FROM,
    ClockError,
    ClockInput,
    ClockResult,
    Pause,
    RequestKind,
)

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
