"""The replay of a request's stored clock events (rights.workflow.clock_state / clock_input)."""

from __future__ import annotations

from datetime import date

import pytest

from rights import workflow
from rights.models import ClockEvent, RightsRequest

D = date(2026, 3, 2)


def _request(*events: tuple[str, date]) -> RightsRequest:
    return RightsRequest(kind="access", received_on=D,
                         clock_events=[ClockEvent(kind=k, on=on) for k, on in events])


@pytest.mark.parametrize(("events", "awaiting", "provisional"), [
    ((), frozenset(), False),
    ((("id_requested", D),), {"identity"}, True),
    ((("id_requested", D), ("id_received", date(2026, 3, 9))), frozenset(), False),
    # Identity arriving does not answer the request for a representative's authority: still provisional.
    ((("id_requested", D), ("authority_requested", D), ("id_received", date(2026, 3, 9))), {"authority"}, True),
    ((("fee_requested", D),), {"fee"}, True),
])
def test_awaited_evidence_is_tracked_per_kind(events: tuple[tuple[str, date], ...], awaiting: set[str],
                                              provisional: bool) -> None:
    request = _request(*events)
    assert workflow.clock_state(request).awaiting == awaiting
    assert workflow.clock_input(request).id_requested is provisional


def test_pauses_and_the_open_pause() -> None:
    state = workflow.clock_state(_request(("paused", date(2026, 3, 5)), ("resumed", date(2026, 3, 12)),
                                          ("paused", date(2026, 3, 20))))
    assert [(p.start, p.end) for p in state.pauses] == [(date(2026, 3, 5), date(2026, 3, 12)),
                                                       (date(2026, 3, 20), None)]
    assert state.pause_started == date(2026, 3, 20)
    assert workflow.clock_state(_request(("paused", date(2026, 3, 5)),
                                         ("resumed", date(2026, 3, 12)))).pause_started is None
