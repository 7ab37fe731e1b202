"""``rights clock``: work out a request's statutory deadline from the command line.

A thin wrapper over :mod:`rights.clock` so officers and engineers can check a date (and the steps behind
it) without the web app. Invalid input exits with code 2 and a one-line ``Error:`` message, as click does
for every usage error.

Example::

    rights clock --type access --received 2026-03-02 --pause 2026-03-05:2026-03-12 --extended --json
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click

from rights.clock import (
    LONDON,
    ClockError,
    ClockInput,
    Pause,
    RequestKind,
    compute,
    long_date,
    rag,
    received_date,
    working_days_left,
)

__all__ = ["clock_command"]


class DateType(click.ParamType):
    """A calendar date written as YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


class TimestampType(click.ParamType):
    """An ISO 8601 timestamp with a UTC offset or Z, e.g. 2026-06-30T23:30:00Z."""

    name = "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            ts = value
        else:
            try:
                ts = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not an ISO 8601 timestamp", param, ctx)
        if ts.tzinfo is None or ts.utcoffset() is None:
            self.fail(f"{value!r} has no UTC offset (add Z or +01:00, for example)", param, ctx)
        return ts


class PauseType(click.ParamType):
    """START:END (both days inclusive) or START: for a clarification still awaited."""

    name = "START:END"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pause:
        if isinstance(value, Pause):
            return value
        start_text, sep, end_text = str(value).partition(":")
        if not sep:
            self.fail(f"{value!r} should be START:END or START: (dates as YYYY-MM-DD)", param, ctx)
        start = DATE.convert(start_text, param, ctx)
        end = DATE.convert(end_text, param, ctx) if end_text.strip() else None
        if end is not None and end < start:
            self.fail(f"pause {value!r} ends before it starts", param, ctx)
        return Pause(start, end)


DATE = DateType()
TIMESTAMP = TimestampType()
PAUSE = PauseType()


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


class ClockInputError(click.ClickException):
    """Bad clock input: one ``Error:`` line and exit status 2, like a usage error without the usage."""

    exit_code = 2


def _refuse_future(
    today: date,
    received: date,
    id_received: date | None,
    authority_received: date | None,
    fee_paid: date | None,
    pauses: tuple[Pause, ...],
) -> None:
    """Refuse facts dated after ``today``: the clock replays what has happened, never what might.

    The workflow records each event on the day it happens, so it never holds a future date; a date after
    ``--today`` here is a typing slip, and answering it would print a confident deadline built on it. An
    answer still awaited is written ``START:`` (an open pause), which the clock marks provisional.
    """
    if received > today:
        raise ClockInputError(
            f"--today {today.isoformat()} is before the request was received ({received.isoformat()})"
        )
    for label, when in (
        ("--id-received", id_received),
        ("--authority-received", authority_received),
        ("--fee-paid", fee_paid),
    ):
        if when is not None and when > today:
            raise ClockInputError(f"{label} {when.isoformat()} is after today ({today.isoformat()})")
    for pause in pauses:
        if pause.start > today:
            raise ClockInputError(
                f"the clarification asked {pause.start.isoformat()} is after today ({today.isoformat()})"
            )
        if pause.end is not None and pause.end > today:
            raise ClockInputError(
                f"the clarification answered {pause.end.isoformat()} is after today ({today.isoformat()}); "
                f"an answer still awaited is written {pause.start.isoformat()}: (open, provisional)"
            )


@click.command("clock")
@click.option(
    "--type",
    "kind",
    type=click.Choice([k.value for k in RequestKind]),
    default=RequestKind.ACCESS.value,
    show_default=True,
    help="Kind of request.",
)
@click.option("--received", type=DATE, help="Date the request was received (London).")
@click.option(
    "--received-at",
    type=TIMESTAMP,
    help="Timestamp the request arrived (ISO 8601 with offset or Z); converted to the London date.",
)
@click.option("--id-received", type=DATE, help="Date identity evidence asked for arrived.")
@click.option("--authority-received", type=DATE, help="Date a representative's authority arrived.")
@click.option("--fee-paid", type=DATE, help="Date a fee that was charged was paid.")
@click.option("--id-requested", is_flag=True, help="ID, authority or a fee is still awaited.")
@click.option(
    "--pause",
    "pauses",
    type=PAUSE,
    multiple=True,
    help="Clarification asked START, answered END, both inclusive (access only; repeatable; START: if open).",
)
@click.option("--extended", is_flag=True, help="The request has been extended by two further months.")
@click.option("--today", type=DATE, help="Treat this as today (default: today in London).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of text.")
def clock_command(
    kind: str,
    received: date | None,
    received_at: datetime | None,
    id_received: date | None,
    authority_received: date | None,
    fee_paid: date | None,
    id_requested: bool,
    pauses: tuple[Pause, ...],
    extended: bool,
    today: date | None,
    as_json: bool,
) -> None:
    """Work out the statutory due date of a rights request or complaint, and explain it."""
    if (received is None) == (received_at is None):
        raise ClockInputError("give exactly one of --received and --received-at")
    if received is None:
        assert received_at is not None
        received = received_date(received_at)
    if today is None:
        today = datetime.now(LONDON).date()
    _refuse_future(today, received, id_received, authority_received, fee_paid, pauses)

    inp = ClockInput(
        kind=RequestKind(kind),
        received=received,
        id_received=id_received,
        authority_received=authority_received,
        fee_received=fee_paid,
        pauses=pauses,
        extended=extended,
        id_requested=id_requested,
    )
    try:
        result = compute(inp, today=today)
    except ClockError as exc:
        raise ClockInputError(str(exc)) from None

    left = working_days_left(result.due, today)
    if as_json:
        payload = {
            "type": result.kind.value,
            "received": _iso(result.received),
            "relevant_time": _iso(result.relevant_time),
            "due": _iso(result.due),
            "original_due": _iso(result.original_due),
            "extended": result.extended,
            "extension_notice_by": _iso(result.extension_notice_by),
            "acknowledge_by": _iso(result.acknowledge_by),
            "paused_days": result.paused_days,
            "provisional": result.provisional,
            "today": _iso(today),
            "working_days_left": left,
            "rag": rag(left),
            "explanation": list(result.explanation),
        }
        click.echo(json.dumps(payload, indent=2))
        return

    for line in result.explanation:
        if not line.startswith("Due: "):  # the due date is printed in full as the last line
            click.echo(line)
    if left < 0:
        status = f"{-left} working day{'s' if left < -1 else ''} overdue"
    else:
        status = f"{left} working day{'' if left == 1 else 's'} left"
    marker = rag(left)
    click.echo(f"Today is {long_date(today)}: {status}" + ("." if marker == "none" else f" ({marker})."))
    if result.provisional:
        click.echo("Provisional: this date will move.")
    click.echo(f"Due: {long_date(result.due)}")
