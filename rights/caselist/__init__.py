"""The officers' case list: filters, search, keyset pagination, capped counts, and the bulk actions.

Why it is shaped like this (the list must stay fast at 100,000 cases, ``bench/dashboard.py``):

* **Keyset pagination** on ``(due_on, id)``: a page is "the next 25 after this case", which PostgreSQL
  answers from an index however deep the page is; ``OFFSET 50000`` would read and throw away 50,000 rows.
  Cases without a due date (none are expected, the column is a cache) come after every dated case, in
  their own segment, so the index order is never broken by ``NULLS LAST`` tricks.
* **The database filters**: a due window ("5 or fewer working days left") is turned into due-date bounds
  with the clock's working-day rules (:func:`due_bounds`) instead of computing days left for every row.
* **Counts are capped** (:data:`COUNT_CAP`): "more than 1,000 cases" is as useful to an officer as the
  exact number and costs a bounded scan.
* **Open cases have their own index**: closed cases pile up year after year while the open ones stay a
  few thousand, so the default view ("any open stage") reads the partial index ``ix_requests_open_due``
  of open cases in due-date order rather than the whole table.
* **Search** is by reference when the text has a digit (references always do, names never): a
  case-insensitive ``ILIKE`` that PostgreSQL answers from a trigram index (migration ``0031``). Otherwise
  by the subject's or the requester's names, every word typed being the start of one of their names
  ("har" finds Hart): names are encrypted, so keyed digests of their prefixes answer it
  (:mod:`rights.models.people_index`, migration ``0067``).

Nothing here imports Flask: the views in ``rights/web/dashboard/lists.py`` parse the query string into a
:class:`CaseFilter` and render the :class:`CasePage` they get back.

Modules: :mod:`.query` (the list and its counts), :mod:`.due` (due windows as due-date bounds) and
:mod:`.bulk` (bulk assign, reminders). Imports: the case services (bulk assignment goes through the
workflow), models, workflow, permissions, notify.
"""

from rights.caselist.bulk import (
    AssignResult,
    BulkActionError,
    ReminderResult,
    assign,
    remind_record_holders,
    reminder_plan,
)
from rights.caselist.due import DUE_WINDOW_LABELS, DueWindow, due_bounds, nth_working_day_after
from rights.caselist.query import (
    CLOSED_STAGES,
    COUNT_CAP,
    PAGE_SIZE,
    CaseFilter,
    CasePage,
    CaseRow,
    Cursor,
    conditions,
    count_cases,
    is_reference_search,
    kind_label,
    known_services,
    list_cases,
    marker_for,
    open_condition,
    stage_label,
    stages,
    working_days_left_many,
)

__all__ = [
    "CLOSED_STAGES",
    "COUNT_CAP",
    "DUE_WINDOW_LABELS",
    "PAGE_SIZE",
    "AssignResult",
    "BulkActionError",
    "CaseFilter",
    "CasePage",
    "CaseRow",
    "Cursor",
    "DueWindow",
    "ReminderResult",
    "assign",
    "conditions",
    "count_cases",
    "due_bounds",
    "is_reference_search",
    "kind_label",
    "known_services",
    "list_cases",
    "marker_for",
    "nth_working_day_after",
    "open_condition",
    "remind_record_holders",
    "reminder_plan",
    "stage_label",
    "stages",
    "working_days_left_many",
]
