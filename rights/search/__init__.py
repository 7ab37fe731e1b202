"""Searching the source systems for a request's subject: tasks, matches, gathered records and the log.

Shape (design.md, "Flow of one access request", step 3):

- :mod:`.run`: :func:`start_searches` writes one task per configured source and defers one job per task;
  the job (:func:`run_task`, in ``workers/search.py``) asks the connector for candidates, has
  :mod:`rights.matching` score each, and gathers records **only for accepted candidates**. A candidate
  sent to review waits for an officer (:func:`decide_candidate`); a rejected one is never fetched.
- :mod:`.resolution`: after every search save and officer decision, every candidate of the request is
  re-scored with what the other sources' accepted records confirm (:func:`rights.matching.resolve`),
  under the request row's lock; newly accepted candidates are fetched, withdrawn ones lose their records.
- :mod:`.records`: gathered records are stored once per (request, source, record id), the text
  encrypted in the database, any file in the encrypted store. Running a search again adds nothing twice.
- :mod:`.holders`: record holders confirm the search of their system, report that none is held, or
  upload what the connector cannot reach.
- :mod:`.terms` (what is searched for), :mod:`.outcomes` (match outcomes and their words),
  :mod:`.tasks` (reaching a task as the person acting may), :mod:`.panel` (the case page's values) and
  :mod:`.log` (the evidence of a reasonable and proportionate search).

Imports: models, matching, sources, permissions, errors, audit, jobs, security, workflow. Never
:mod:`rights.cases` (the case action "start the search" calls down into this package) nor the web layer.
"""

from rights.errors import SearchError
from rights.search.holders import add_record_upload, close_task, confirm_search, holder_tasks, report_none_held
from rights.search.log import london, render_search_log, search_log, summary
from rights.search.outcomes import (
    ACCEPT,
    ACCEPTED,
    OUTCOME_LABELS,
    REJECT,
    REJECTED,
    REVIEW,
    STATUS_LABELS,
    Score,
    effective_outcome,
    score_candidates,
)
from rights.search.panel import CandidateView, Panel, RecordView, TaskView, panel, record_views, task_views
from rights.search.records import (
    SYSTEM_ACTOR,
    involvement_lines,
    involvement_to_json,
    open_record,
    record_involved,
    record_text,
    store_records,
)
from rights.search.resolution import Changes, lock_request, resolve_request
from rights.search.run import (
    FETCH_JOB,
    SEARCH_JOB,
    call_with_timeout,
    decide_candidate,
    fetch_candidate_records,
    reopen_candidate,
    run_task,
    start_searches,
)
from rights.search.tasks import decidable_candidate, ensure_open, ensure_searched, find_task, view_task, visible_tasks
from rights.search.terms import (
    identity_from_json,
    identity_to_json,
    search_terms,
    subject_identity,
    subject_terms,
    terms_from_json,
    terms_summary,
    terms_to_json,
    terms_used,
)

__all__ = [
    "ACCEPT",
    "ACCEPTED",
    "FETCH_JOB",
    "OUTCOME_LABELS",
    "REJECT",
    "REJECTED",
    "REVIEW",
    "SEARCH_JOB",
    "STATUS_LABELS",
    "SYSTEM_ACTOR",
    "CandidateView",
    "Changes",
    "Panel",
    "RecordView",
    "Score",
    "SearchError",
    "TaskView",
    "add_record_upload",
    "call_with_timeout",
    "close_task",
    "confirm_search",
    "decidable_candidate",
    "decide_candidate",
    "effective_outcome",
    "ensure_open",
    "ensure_searched",
    "fetch_candidate_records",
    "find_task",
    "holder_tasks",
    "identity_from_json",
    "identity_to_json",
    "involvement_lines",
    "involvement_to_json",
    "lock_request",
    "london",
    "open_record",
    "panel",
    "record_involved",
    "record_text",
    "record_views",
    "render_search_log",
    "reopen_candidate",
    "report_none_held",
    "resolve_request",
    "run_task",
    "score_candidates",
    "search_log",
    "search_terms",
    "start_searches",
    "store_records",
    "subject_identity",
    "subject_terms",
    "summary",
    "task_views",
    "terms_from_json",
    "terms_summary",
    "terms_to_json",
    "terms_used",
    "view_task",
    "visible_tasks",
]
