"""Starting and running searches: one task and one job per source system, each with a time limit.

:func:`start_searches` writes the tasks and defers the jobs (they run after commit, in parallel, with
RQ's retries); :func:`run_task` is the job body: ask the connector for candidates, score them with
:mod:`rights.matching`, and gather records **only for accepted candidates**.

Also the officer's decision on a candidate sent to review, whose records are fetched by a job here.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, jobs
from rights.config import Settings
from rights.db import Database
from rights.errors import SearchError
from rights.models import (
    RightsRequest,
    SearchCandidate,
    SearchStatus,
    SearchTask,
    utcnow,
)
from rights.search.outcomes import (
    ACCEPT,
    ACCEPTED,
    REJECT,
    REJECTED,
    REVIEW,
    Score,
    effective_outcome,
    score_candidates,
)
from rights.search.records import SYSTEM_ACTOR, store_records
from rights.search.resolution import (
    FETCH_JOB,
    candidate_of,
    current_queue,
    lock_request,
    refresh_counts,
    remove_records,
    resolve_request,
    settle,
)
from rights.search.terms import (
    identity_to_json,
    search_terms,
    terms_from_json,
    terms_summary,
    terms_to_json,
)
from rights.sources import registry
from rights.sources.base import (
    Candidate,
    IncompleteRecords,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
SEARCH_JOB = "search_source"
# ---------------------------------------------------------------------- starting searches
def start_searches(
    session: Session,
    queue: jobs.JobQueue,
    request_id: int,
    actor: str,
    *,
    settings: Settings | None = None,
    only_services: Collection[str] | None = None,
) -> list[SearchTask]:
    """Queue a search of every configured source (or those of ``only_services``) for this request.

    Re-running reuses each source's task (one per source per request) and defers a fresh job; the
    job is idempotent, so records already gathered are not gathered again.
    """
    settings = settings or _settings()
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise SearchError(f"no request {request_id}")
    sources = [s for s in registry.configured(settings.sources_file)
               if not only_services or s.service in only_services]
    if not sources:
        raise SearchError("no source systems are configured for this search")
    terms = terms_to_json(search_terms(request))
    existing = {t.source: t for t in session.scalars(select(SearchTask).where(SearchTask.request_id == request_id))}
    tasks = []
    for source in sources:
        task = existing.get(source.name)
        if task is None:
            task = SearchTask(request_id=request_id, source=source.name, service=source.service,
                              source_type=source.type, run_by=actor, terms=terms)
            session.add(task)
        task.status = SearchStatus.QUEUED.value
        task.run_by = actor
        task.queued_at = utcnow()
        task.error = None
        task.terms = terms
        tasks.append(task)
    session.flush()
    for task in tasks:
        jobs.defer(session, queue, SEARCH_JOB, task.id, request_id=request_id)
    audit.record(session, actor, "search.requested", request_id=request_id, target=request.reference,
                 detail={"sources": [t.source for t in tasks], "terms": terms_summary(terms)})
    return tasks


def _settings() -> Settings:
    from rights import runtime

    return runtime.current().settings


# ---------------------------------------------------------------------- running one search
def call_with_timeout(fn: Callable[..., T], *args: Any, timeout: float, what: str) -> T:
    """Run a connector call with a deadline; a source that hangs becomes a SourceError, not a stuck job.

    The call runs on a daemon thread: Python cannot kill it, but the job moves on and the connector's
    own timeouts (HTTP, statement_timeout) end it soon after.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"source-call-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise SourceError(f"{what}: no answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def run_task(db: Database, settings: Settings, task_id: int) -> dict[str, Any]:
    """Search one source for one request (the ``search_source`` job). Safe to run again at any time."""
    with db.transaction() as session:
        task = session.get(SearchTask, task_id, with_for_update=True)
        if task is None:
            return {"skipped": "no such search task"}
        request = session.get(RightsRequest, task.request_id)
        assert request is not None
        terms = search_terms(request)
        task.status = SearchStatus.RUNNING.value
        task.attempts += 1
        task.started_at = utcnow()
        task.finished_at = None
        task.terms = terms_to_json(terms)
        # A person id an officer already confirmed in this source is a deterministic key for the matcher.
        accepted = [c.person_id for c in task.candidates if c.decision == ACCEPTED]
        confirmed = {task.source: accepted[-1]} if accepted else {}
        source_name, request_id = task.source, task.request_id
    try:
        source = registry.find(settings.sources_file, source_name)
        try:
            found = call_with_timeout(source.connector.find_candidates, terms, timeout=source.timeout_seconds,
                                      what=source_name)
        except NotSearchable as exc:
            return _finish(db, task_id, note=str(exc))
        scores = score_candidates(terms.identity, found, confirmed)
        with db.transaction() as session:
            lock_request(session, request_id)  # one save and resolution per request at a time; request first
            task = session.get(SearchTask, task_id, with_for_update=True)  # two runs of one task take turns here
            assert task is not None
            rows = _save_candidates(session, task, scores)
            # What this source's accepted records confirm helps the others, and theirs helps this one.
            resolve_request(session, current_queue(), request_id, settings=settings, fetching_task=task_id)
            to_fetch = [(row.id, candidate_of(row, source_name)) for row in rows if effective_outcome(row) == ACCEPT]
        new_records = 0
        for candidate_id, candidate in to_fetch:
            records = _fetch_keeping_partial(db, settings, task_id, candidate_id, source, candidate, terms)
            new_records += store_records(db, settings, task_id, candidate_id, records)
    except Exception as exc:  # recorded on the task, then re-raised so RQ retries the job
        _fail(db, task_id, exc)
        raise
    return _finish(db, task_id, new_records=new_records)


def _fetch_keeping_partial(db: Database, settings: Settings, task_id: int, candidate_id: int,
                           source: registry.Source, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
    """A candidate's records; when some parts failed, what did arrive is stored before the error is raised.

    The error then fails the task visibly and the job is retried; records already stored are not stored twice.
    """
    try:
        return call_with_timeout(source.connector.fetch_records, candidate, terms,
                                 timeout=source.timeout_seconds, what=source.name)
    except IncompleteRecords as exc:
        store_records(db, settings, task_id, candidate_id, exc.records)
        raise


def _save_candidates(session: Session, task: SearchTask, scores: Sequence[tuple[Candidate, Score]]
                     ) -> list[SearchCandidate]:
    """Insert or refresh each candidate's row; an officer's earlier decision is kept."""
    existing = {c.person_id: c for c in task.candidates}
    rows = []
    for candidate, score in scores:
        row = existing.get(candidate.person_id)
        if row is None:
            row = SearchCandidate(task_id=task.id, request_id=task.request_id, person_id=candidate.person_id)
            session.add(row)
            existing[candidate.person_id] = row
        row.identity = identity_to_json(candidate.identity)
        row.extra = json.loads(json.dumps(candidate.extra, default=str))
        row.score = score.score
        row.outcome = score.outcome
        row.explanation = list(score.explanation)
        row.deterministic_key = score.deterministic_key
        rows.append(row)
    session.flush()
    return rows


def _fail(db: Database, task_id: int, exc: BaseException) -> None:
    message = f"{exc.__class__.__name__}: {exc}" if not isinstance(exc, SourceError) else str(exc)
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        if task is None:
            return
        lock_request(session, task.request_id)
        task.status = SearchStatus.FAILED.value
        task.error = message[:4000]
        task.finished_at = utcnow()
        audit.record(session, task.run_by, "search.failed", request_id=task.request_id,
                     target=f"search_task:{task.id}",
                     detail={"source": task.source, "service": task.service, "attempt": task.attempts,
                             "error": message[:500], "executed_by": SYSTEM_ACTOR})


def _finish(db: Database, task_id: int, *, new_records: int = 0, note: str | None = None) -> dict[str, Any]:
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        assert task is not None
        lock_request(session, task.request_id)
        task.error = None
        task.result_note = note
        task.finished_at = utcnow()
        refresh_counts(session, task)
        settle(task, finished=True)
        outcomes = [effective_outcome(c) for c in task.candidates]
        result = {"task_id": task.id, "source": task.source, "status": task.status,
                  "candidates": task.candidate_count, "accepted": outcomes.count(ACCEPT),
                  "review": outcomes.count(REVIEW), "rejected": outcomes.count(REJECT),
                  "records": task.record_count, "new_records": new_records, "note": note}
        audit.record(session, task.run_by, "search.completed", request_id=task.request_id,
                     target=f"search_task:{task.id}",
                     detail={**result, "service": task.service, "terms": terms_summary(task.terms),
                             "attempt": task.attempts, "executed_by": SYSTEM_ACTOR})
        return result


# ---------------------------------------------------------------------- officer decisions
def decide_candidate(session: Session, queue: jobs.JobQueue, candidate_id: int, accept: bool | None, actor: str,
                     *, settings: Settings | None = None, reason: str | None = None) -> SearchCandidate:
    """An officer settles a match: accepting defers fetching its records; rejecting removes any gathered.

    ``accept=None`` reopens it (the matcher's outcome applies again). An officer's decision is evidence
    for the other sources, so the request is resolved again: undoing an acceptance sends back to review
    what was accepted only through it, and removes the records gathered for those. Rejecting needs a
    reason: a person the matcher proposed is left out of the response, and a reviewer must see why.
    """
    reason = (reason or "").strip() or None
    if accept is False and reason is None:
        raise SearchError("Say why this is not the person the request is about.")
    found = session.get(SearchCandidate, candidate_id)
    if found is None:
        raise SearchError(f"no search candidate {candidate_id}")
    lock_request(session, found.request_id)  # lock order: the request, then the candidate
    candidate = session.get(SearchCandidate, candidate_id, with_for_update=True, populate_existing=True)
    assert candidate is not None
    task = candidate.task
    candidate.decision = None if accept is None else ACCEPTED if accept else REJECTED
    candidate.decision_reason = reason
    candidate.decided_by = actor
    candidate.decided_at = utcnow()
    removed = 0
    if effective_outcome(candidate) == ACCEPT:
        jobs.defer(session, queue, FETCH_JOB, candidate.id, request_id=candidate.request_id)
    else:
        removed = remove_records(session, candidate, settings)
    changes = resolve_request(session, queue, candidate.request_id, settings=settings)
    refresh_counts(session, task)
    settle(task)
    audit.record(session, actor, "search.candidate_decided", request_id=candidate.request_id,
                 target=f"search_candidate:{candidate.id}",
                 detail={"source": task.source, "person_id": candidate.person_id, "matcher_outcome": candidate.outcome,
                         "score": candidate.score, "decision": candidate.decision or "reopened",
                         "records_removed": removed + changes.records_removed,
                         "others_accepted": len(changes.accepted), "others_withdrawn": len(changes.withdrawn),
                         "reason_fingerprint": audit.fingerprint(reason)})
    return candidate


def reopen_candidate(session: Session, queue: jobs.JobQueue, candidate_id: int, actor: str,
                     reason: str | None = None, *, settings: Settings | None = None) -> SearchCandidate:
    """Undo an officer's decision on a match (audited as a decision "reopened", with the reason)."""
    candidate = session.get(SearchCandidate, candidate_id)
    if candidate is None:
        raise SearchError(f"no search candidate {candidate_id}")
    if candidate.decision is None:
        raise SearchError("This match has not been decided: there is nothing to reopen.")
    return decide_candidate(session, queue, candidate_id, None, actor, settings=settings, reason=reason)


def fetch_candidate_records(db: Database, settings: Settings, candidate_id: int) -> dict[str, Any]:
    """Gather the records of a candidate an officer accepted (the ``search_fetch_candidate`` job)."""
    with db.transaction() as session:
        row = session.get(SearchCandidate, candidate_id)
        if row is None:
            return {"skipped": "no such candidate"}
        if effective_outcome(row) != ACCEPT:
            return {"skipped": "candidate is not accepted"}
        task = row.task
        task_id, source_name = task.id, task.source
        terms = terms_from_json(task.terms)
        candidate = candidate_of(row, source_name)
    stage = f"fetching the records of {candidate.person_id}"
    try:
        source = registry.find(settings.sources_file, source_name)
        records = _fetch_keeping_partial(db, settings, task_id, candidate_id, source, candidate, terms)
        new = store_records(db, settings, task_id, candidate_id, records)
    except Exception as exc:  # noted on the task (its search itself stands), then retried by RQ
        message = f"{stage}: {exc}"[:4000]
        with db.transaction() as session:
            task = session.get(SearchTask, task_id)
            assert task is not None
            lock_request(session, task.request_id)
            task.error = message
            audit.record(session, SYSTEM_ACTOR, "search.failed", request_id=task.request_id,
                         target=f"search_candidate:{candidate_id}",
                         detail={"source": source_name, "stage": "fetch", "error": message[:500]})
        raise
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        assert task is not None
        lock_request(session, task.request_id)
        if task.error and task.error.startswith(stage):
            task.error = None
        refresh_counts(session, task)
        settle(task)
        audit.record(session, SYSTEM_ACTOR, "search.records_fetched", request_id=task.request_id,
                     target=f"search_candidate:{candidate_id}",
                     detail={"source": source_name, "person_id": candidate.person_id, "new_records": new,
                             "records": task.record_count})
        return {"candidate_id": candidate_id, "new_records": new, "records": task.record_count}

