"""The computation: validate a request's clock input, then work out its due date (or a complaint's
acknowledgement and response dates), each step explained.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from rights.clock.days import LONDON, _why_not_working, next_working_day, short_date
from rights.clock.period import (
    COMPLAINT_ACK_DAYS,
    COMPLAINTS_DUTY_FROM,
    STOP_THE_CLOCK_FROM,
    ClockError,
    ClockInput,
    ClockResult,
    Pause,
    RequestKind,
    _months_line,
    _pause_lines,
    _period,
    _roll_lines,
)


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
       see :func:`_period`. A clarification asked in the roll (after the one-month date fell on a weekend or
       bank holiday, by the working day it rolled to) is inside the period, so its days are excluded too:
       the period then ends on the first working day after the answer, never on a day the explanation
       says does not count.
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
