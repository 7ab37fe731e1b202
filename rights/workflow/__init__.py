"""Request workflow as data: states, events, who may fire them, guards, and the effect on the clock.

Why a table: the law and the council's policy decide which step may follow which, who may take it and
what it does to the statutory clock. Written as data, the rules can be read in one place, tested row by
row (``tests/unit/test_workflow.py``) and shown to officers as "the actions you can take now"; the
services in :mod:`rights.cases` only *apply* what :func:`fire` allows.

The module also owns the bridge from a request's stored clock events to the pure statutory clock
(:func:`clock_input`, :func:`compute_clock`, :func:`refresh_clock`): the due date is always replayed
from the received date and the events, never patched.

Nothing here touches the database or Flask: :func:`fire` takes the request's :class:`Facts` and the
officer's :class:`Firing` and either returns the :class:`Step` to apply or raises
:class:`WorkflowError` saying which rule refused it.

Modules: :mod:`.tables` (the tables, ``CLOSED_STAGES``, :func:`fire`), :mod:`.rules` (labels, facts,
guards and checks), :mod:`.clock_bridge` (stored clock events to the clock). Imports: clock, vocabulary,
permissions; the models only in type hints.
"""

from rights.workflow.clock_bridge import ClockState, clock_input, clock_state, compute_clock, refresh_clock
from rights.workflow.rules import (
    COMPLAINT_OUTCOMES,
    REFUSAL_GROUNDS,
    RIGHTS_OUTCOMES,
    STATE_LABELS,
    Check,
    Facts,
    Firing,
    Guard,
    Step,
    Transition,
    Workflow,
    WorkflowError,
    after_pause_start,
    approver_is_not_preparer,
    assignee_given,
    awaiting_authority,
    awaiting_identity,
    before_notice_deadline,
    complaint_outcome,
    date_in_range,
    extendable,
    not_awaiting_authority,
    not_awaiting_identity,
    not_extended,
    not_paused,
    not_restricted,
    not_verified,
    pause_allowed,
    paused,
    recipients_settled,
    records_decided,
    refusal_ground,
    restricted,
    rights_outcome,
)
from rights.workflow.tables import (
    ACCESS,
    CLOSED_STAGES,
    COMPLAINT,
    RIGHTS,
    WORKFLOWS,
    allowed_events,
    fire,
    is_open,
    label,
    workflow_for,
)

__all__ = [
    "ACCESS",
    "CLOSED_STAGES",
    "COMPLAINT",
    "COMPLAINT_OUTCOMES",
    "REFUSAL_GROUNDS",
    "RIGHTS",
    "RIGHTS_OUTCOMES",
    "STATE_LABELS",
    "WORKFLOWS",
    "Check",
    "ClockState",
    "Facts",
    "Firing",
    "Guard",
    "Step",
    "Transition",
    "Workflow",
    "WorkflowError",
    "after_pause_start",
    "allowed_events",
    "approver_is_not_preparer",
    "assignee_given",
    "awaiting_authority",
    "awaiting_identity",
    "before_notice_deadline",
    "clock_input",
    "clock_state",
    "complaint_outcome",
    "compute_clock",
    "date_in_range",
    "extendable",
    "fire",
    "is_open",
    "label",
    "not_awaiting_authority",
    "not_awaiting_identity",
    "not_extended",
    "not_paused",
    "not_restricted",
    "not_verified",
    "pause_allowed",
    "paused",
    "recipients_settled", "records_decided",
    "refresh_clock",
    "refusal_ground",
    "restricted",
    "rights_outcome",
    "workflow_for",
]
