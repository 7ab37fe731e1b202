"""Request workflow: states, events, who may fire them, and their effect on the clock.

This module will hold the workflow table (see the dashboard issue). For now it owns the bridge from a
request's stored clock events to the pure statutory clock: the due date is always replayed from the
received date and the events, never patched.
"""

from __future__ import annotations

from datetime import date

from rights import clock
from rights.models import ClockEventKind, RightsRequest


def clock_input(request: RightsRequest) -> clock.ClockInput:
    """Translate stored clock events into the clock's input (latest evidence date wins)."""
    id_received = authority_received = fee_received = None
    awaiting = False
    pauses: list[clock.Pause] = []
    extended = False
    open_pause: date | None = None
    for ev in sorted(request.clock_events, key=lambda e: (e.on, e.id or 0)):
        kind = ClockEventKind(ev.kind)
        if kind in (ClockEventKind.ID_REQUESTED, ClockEventKind.AUTHORITY_REQUESTED, ClockEventKind.FEE_REQUESTED):
            awaiting = True
        elif kind is ClockEventKind.ID_RECEIVED:
            id_received, awaiting = ev.on, False
        elif kind is ClockEventKind.AUTHORITY_RECEIVED:
            authority_received, awaiting = ev.on, False
        elif kind is ClockEventKind.FEE_RECEIVED:
            fee_received, awaiting = ev.on, False
        elif kind is ClockEventKind.PAUSED:
            open_pause = ev.on
        elif kind is ClockEventKind.RESUMED and open_pause is not None:
            pauses.append(clock.Pause(open_pause, ev.on))
            open_pause = None
        elif kind is ClockEventKind.EXTENDED:
            extended = True
    if open_pause is not None:
        pauses.append(clock.Pause(open_pause, None))
    return clock.ClockInput(
        kind=clock.RequestKind(request.kind),
        received=request.received_on,
        id_received=id_received,
        authority_received=authority_received,
        fee_received=fee_received,
        pauses=tuple(pauses),
        extended=extended,
        id_requested=awaiting,
    )


def compute_clock(request: RightsRequest, today: date | None = None) -> clock.ClockResult:
    return clock.compute(clock_input(request), today=today)


def refresh_clock(request: RightsRequest, today: date | None = None) -> clock.ClockResult:
    """Recompute and store the due-date cache from the events; call after every clock event."""
    result = compute_clock(request, today)
    request.due_on = result.due
    request.original_due_on = result.original_due
    request.extension_notice_by = result.extension_notice_by
    request.clock_provisional = result.provisional
    return result
