"""The bridge from a request's stored clock events to the pure statutory clock.

The due date is always replayed from the received date and the events, never patched: intake, the
workers and the case services call :func:`refresh_clock` after every clock event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from rights import clock
from rights.vocabulary import ClockEventKind

if TYPE_CHECKING:
    from rights.models import RightsRequest



# --------------------------------------------------------------------------------------------------
# The clock bridge (used by intake, the workers and the case services)


#: Evidence a clock event asks for or records, by event kind (Art 12A: the month restarts on its arrival).
_ASKED = {ClockEventKind.ID_REQUESTED: "identity", ClockEventKind.AUTHORITY_REQUESTED: "authority",
          ClockEventKind.FEE_REQUESTED: "fee"}
_ARRIVED = {ClockEventKind.ID_RECEIVED: "identity", ClockEventKind.AUTHORITY_RECEIVED: "authority",
            ClockEventKind.FEE_RECEIVED: "fee"}


@dataclass(frozen=True)
class ClockState:
    """A request's clock events replayed once, in date order: what the clock and the workflow guards need.

    ``received`` maps "identity", "authority" and "fee" to the latest day each arrived; ``awaiting`` holds
    those asked for and not arrived since (each tracked on its own: identity evidence arriving does not
    answer a request for a representative's authority); ``pauses`` ends with the open one, if any.
    """

    received: Mapping[str, date]
    awaiting: frozenset[str]
    pauses: tuple[clock.Pause, ...]
    extended: bool

    @property
    def pause_started(self) -> date | None:
        """The day an unanswered clarification request began, or None."""
        return self.pauses[-1].start if self.pauses and self.pauses[-1].is_open else None


def clock_state(request: RightsRequest) -> ClockState:
    """Replay the stored clock events (latest evidence date wins; a pause closes at the next resume)."""
    received: dict[str, date] = {}
    awaiting: set[str] = set()
    pauses: list[clock.Pause] = []
    extended = False
    open_pause: date | None = None
    for ev in sorted(request.clock_events, key=lambda e: (e.on, e.id or 0)):
        kind = ClockEventKind(ev.kind)
        if kind in _ASKED:
            awaiting.add(_ASKED[kind])
        elif kind in _ARRIVED:
            received[_ARRIVED[kind]] = ev.on
            awaiting.discard(_ARRIVED[kind])
        elif kind is ClockEventKind.PAUSED:
            open_pause = ev.on
        elif kind is ClockEventKind.RESUMED and open_pause is not None:
            pauses.append(clock.Pause(open_pause, ev.on))
            open_pause = None
        elif kind is ClockEventKind.EXTENDED:
            extended = True
    if open_pause is not None:
        pauses.append(clock.Pause(open_pause, None))
    return ClockState(received=MappingProxyType(received), awaiting=frozenset(awaiting), pauses=tuple(pauses),
                      extended=extended)


def clock_input(request: RightsRequest) -> clock.ClockInput:
    """Translate stored clock events into the clock's input (latest evidence date wins)."""
    state = clock_state(request)
    return clock.ClockInput(
        kind=clock.RequestKind(request.kind),
        received=request.received_on,
        id_received=state.received.get("identity"),
        authority_received=state.received.get("authority"),
        fee_received=state.received.get("fee"),
        pauses=state.pauses,
        extended=state.extended,
        id_requested=bool(state.awaiting),
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

