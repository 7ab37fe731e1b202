"""Identity resolution for one request, in the database: every source's candidates re-scored together.

:func:`rights.matching.resolve` lends what one source's accepted record confirms (NHS number, ids,
surnames, addresses) to the other sources' candidates. This module runs it over a request's stored
candidates and applies the result: a candidate newly accepted has its records fetched (a job), one no
longer accepted loses the records gathered for it (as an officer's rejection removes them), and the
explanation stored with each candidate names the system and record behind every piece of evidence, so the
case page's searches panel and the search log show it.

When it runs: after a search job saves its candidates, and after an officer's decision. Search jobs for
one request run as separate RQ jobs, possibly at once, so every caller first takes the request row's
lock (:func:`~rights.search.records.lock_request`) and then re-scores from what is stored: the result does
not depend on which source answered first, running it again changes nothing, and two jobs never interleave their writes.
Lock order, to avoid deadlocks: the request row, then search tasks, then candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, jobs
from rights.config import Settings
from rights.db import after_commit
from rights.matching import resolve
from rights.models import GatheredRecord, RightsRequest, SearchCandidate, SearchStatus, SearchTask
from rights.search.outcomes import ACCEPT, ACCEPTED, REJECTED, REVIEW, effective_outcome
from rights.search.records import SYSTEM_ACTOR, lock_request
from rights.search.terms import identity_from_json, search_terms
from rights.security import store_for
from rights.sources.base import Candidate

__all__ = ["FETCH_JOB", "Changes", "candidate_of", "current_queue", "lock_request", "refresh_counts",
           "remove_records", "resolve_request", "settle"]
FETCH_JOB = "search_fetch_candidate"


@dataclass
class Changes:
    """What one resolution pass changed (empty when nothing did: the pass is idempotent)."""

    accepted: list[int] = field(default_factory=list)  # candidate ids now accepted that were not
    withdrawn: list[int] = field(default_factory=list)  # candidate ids no longer accepted
    records_removed: int = 0


def candidate_of(row: SearchCandidate, source: str) -> Candidate:
    return Candidate(source=source, person_id=row.person_id, identity=identity_from_json(row.identity),
                     extra=dict(row.extra or {}))


def remove_records(session: Session, candidate: SearchCandidate, settings: Settings | None) -> int:
    """Delete the records gathered for a candidate (rows now, encrypted files after commit)."""
    gathered = session.scalars(select(GatheredRecord).where(GatheredRecord.candidate_id == candidate.id)).all()
    keys = [r.file_key for r in gathered if r.file_key]
    for record in gathered:
        session.delete(record)
    if keys:
        settings = settings or _runtime().settings
        store = store_for(settings.upload_dir, settings.encryption_keys)

        def delete_files() -> None:
            for key in keys:
                store.delete(key)

        after_commit(session, delete_files)
    return len(gathered)


def refresh_counts(session: Session, task: SearchTask) -> None:
    session.flush()
    task.candidate_count = session.scalar(
        select(func.count()).select_from(SearchCandidate).where(SearchCandidate.task_id == task.id)) or 0
    task.record_count = session.scalar(
        select(func.count()).select_from(GatheredRecord).where(GatheredRecord.task_id == task.id)) or 0


def settle(task: SearchTask, *, finished: bool = False) -> None:
    """A finished search waits for review while any candidate awaits an officer; else it is done."""
    if finished or task.status in (SearchStatus.DONE.value, SearchStatus.NEEDS_REVIEW.value):
        waiting = any(c.decision is None and c.outcome == REVIEW for c in task.candidates)
        task.status = (SearchStatus.NEEDS_REVIEW if waiting else SearchStatus.DONE).value


def resolve_request(session: Session, queue: jobs.JobQueue | None, request_id: int, *,
                    settings: Settings | None = None, fetching_task: int | None = None) -> Changes:
    """Re-score every candidate of the request with the evidence of the others; apply what changed.

    The caller holds the request's lock (:func:`~rights.search.records.lock_request`). ``fetching_task``
    is the task whose job fetches its own accepted candidates itself, so no fetch job is deferred for them.
    """
    request = session.get(RightsRequest, request_id)
    if request is None:
        return Changes()
    rows = session.scalars(select(SearchCandidate).where(SearchCandidate.request_id == request_id)
                           .order_by(SearchCandidate.id)).all()
    if not rows:
        return Changes()
    tasks = {t.id: t for t in session.scalars(select(SearchTask).where(SearchTask.request_id == request_id))}
    candidates = [candidate_of(r, tasks[r.task_id].source) for r in rows]
    decisions: dict[tuple[str, str], str | bool] = {}
    for row, cand in zip(rows, candidates, strict=True):
        if row.decision == ACCEPTED:
            decisions[(cand.source, cand.person_id)] = row.decided_by or True
        elif row.decision == REJECTED:
            decisions[(cand.source, cand.person_id)] = False
    results = resolve(search_terms(request).identity, candidates, decisions)
    changes = Changes()
    touched: set[int] = set()
    for row, (cand, result) in zip(rows, results, strict=True):
        before = effective_outcome(row)
        explanation = list(result.explanation)
        if (row.outcome, row.explanation, row.deterministic_key) == (result.outcome.value, explanation,
                                                                    result.deterministic_key):
            continue
        row.outcome = result.outcome.value
        row.score = float(result.score)
        row.explanation = explanation
        row.deterministic_key = result.deterministic_key
        after = effective_outcome(row)
        if before == after:
            continue
        touched.add(row.task_id)
        if after == ACCEPT:
            changes.accepted.append(row.id)
            if queue is not None and row.task_id != fetching_task:
                jobs.defer(session, queue, FETCH_JOB, row.id, request_id=request_id)
        elif before == ACCEPT:
            changes.withdrawn.append(row.id)
            changes.records_removed += remove_records(session, row, settings)
        audit.record(session, SYSTEM_ACTOR, "search.candidate_resolved", request_id=request_id,
                     target=f"search_candidate:{row.id}",
                     detail={"source": cand.source, "person_id": cand.person_id, "from": before, "to": after,
                             "evidence_lines": sum(line.startswith("evidence") for line in explanation)})
    for task_id in touched:
        refresh_counts(session, tasks[task_id])
        settle(tasks[task_id])
    return changes


def _runtime():  # type: ignore[no-untyped-def]
    from rights import runtime

    return runtime.current()


def current_queue() -> jobs.JobQueue:
    """The process's job queue (a search job defers fetches for other sources' newly accepted candidates)."""
    return _runtime().queue  # type: ignore[no-any-return]
