"""Searching the source systems for a request's subject: tasks, matches, gathered records and the log.

Shape (design.md, "Flow of one access request", step 3):

- :func:`start_searches` writes one :class:`SearchTask` per configured source and defers one job per
  task; the jobs (``workers/search.py``) run in parallel on RQ workers, with RQ's retries.
- A job (:func:`run_task`) asks the connector for candidates, has :mod:`rights.matching` score each,
  and gathers records **only for accepted candidates**. A candidate sent to review waits for an officer
  (:func:`decide_candidate`); a rejected one is never fetched. Nothing here fetches "everyone the
  source returned": the worst failure this product can have is handing over another child's records.
- Gathered records are stored once per (request, source, record id): the text encrypted in the
  database, any file in the encrypted store. Running a search again adds nothing twice.
- Record holders confirm the search of their system, report that none is held, or upload what the
  connector cannot reach. :func:`search_log` is the evidence of a reasonable and proportionate search.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights import audit, jobs
from rights.config import Settings
from rights.db import Database, after_commit
from rights.models import (
    GatheredRecord,
    Person,
    RightsRequest,
    Role,
    SearchCandidate,
    SearchStatus,
    SearchTask,
    User,
    utcnow,
)
from rights.security import Cipher, EncryptedStore, sha256_hex
from rights.sources import documents, registry
from rights.sources.base import (
    Address,
    Candidate,
    Identity,
    IncompleteRecords,
    Involvement,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

ACCEPT, REVIEW, REJECT = "accept", "review", "reject"
ACCEPTED, REJECTED = "accepted", "rejected"
SEARCH_JOB = "search_source"
FETCH_JOB = "search_fetch_candidate"
SYSTEM_ACTOR = "worker"


class SearchError(ValueError):
    """A search action that cannot be done as asked (the message says why, for the officer)."""


# ---------------------------------------------------------------------- terms
def subject_identity(person: Person) -> Identity:
    """The request's subject as a connector and the matcher see them."""
    identifiers = dict(person.identifiers or {})
    nhs = identifiers.pop("nhs_number", None)
    upn = identifiers.pop("upn", None)
    addresses = tuple(
        Address(lines=tuple(a.get("lines") or ()), postcode=a.get("postcode") or None, current=bool(a.get("current")))
        for a in (person.addresses or []) if isinstance(a, dict)
    )
    return Identity(
        given_names=person.given_names or "",
        family_name=person.family_name or "",
        date_of_birth=person.date_of_birth,
        previous_names=tuple(str(n) for n in (person.previous_names or []) if str(n).strip()),
        addresses=addresses,
        nhs_number=str(nhs).strip() if nhs else None,
        upn=str(upn).strip() if upn else None,
        other_ids=tuple(sorted((str(k), str(v).strip()) for k, v in identifiers.items() if v not in (None, ""))),
    )


def search_terms(request: RightsRequest) -> SearchTerms:
    return SearchTerms(identity=subject_identity(request.subject), date_from=request.period_from,
                       date_to=request.period_to)


def identity_to_json(identity: Identity) -> dict[str, Any]:
    return {
        "given_names": identity.given_names,
        "family_name": identity.family_name,
        "date_of_birth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "previous_names": list(identity.previous_names),
        "addresses": [{"lines": list(a.lines), "postcode": a.postcode, "current": a.current}
                      for a in identity.addresses],
        "nhs_number": identity.nhs_number,
        "upn": identity.upn,
        "other_ids": [list(pair) for pair in identity.other_ids],
    }


def identity_from_json(data: Mapping[str, Any]) -> Identity:
    dob = data.get("date_of_birth")
    return Identity(
        given_names=data.get("given_names") or "",
        family_name=data.get("family_name") or "",
        date_of_birth=date.fromisoformat(dob) if dob else None,
        previous_names=tuple(data.get("previous_names") or ()),
        addresses=tuple(Address(lines=tuple(a.get("lines") or ()), postcode=a.get("postcode"),
                                current=bool(a.get("current"))) for a in data.get("addresses") or ()),
        nhs_number=data.get("nhs_number"),
        upn=data.get("upn"),
        other_ids=tuple((str(s), str(v)) for s, v in data.get("other_ids") or ()),
    )


def terms_to_json(terms: SearchTerms) -> dict[str, Any]:
    return {**identity_to_json(terms.identity),
            "date_from": terms.date_from.isoformat() if terms.date_from else None,
            "date_to": terms.date_to.isoformat() if terms.date_to else None}


def terms_from_json(data: Mapping[str, Any]) -> SearchTerms:
    return SearchTerms(
        identity=identity_from_json(data),
        date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
        date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
    )


def terms_summary(terms: Mapping[str, Any]) -> dict[str, Any]:
    """Which terms a search used, without their values, plus a digest that ties them to the task row.

    The audit trail is append-only and outlives the request's retention period, so it records what
    kinds of terms were used (names, date of birth, which identifiers) rather than the values; the
    digest proves which values while the task row still exists.
    """
    used = sorted(k for k, v in terms.items() if v not in (None, "", [], {}) and k not in ("date_from", "date_to"))
    digest = hashlib.sha256(json.dumps(terms, sort_keys=True, default=str).encode()).hexdigest()
    return {"fields": used, "identifier_schemes": sorted({str(p[0]) for p in terms.get("other_ids") or ()}),
            "period": [terms.get("date_from"), terms.get("date_to")], "terms_sha256": digest}


# ---------------------------------------------------------------------- matching
@dataclass(frozen=True)
class Score:
    outcome: str
    score: float
    explanation: tuple[str, ...]
    deterministic_key: str | None


def score_candidate(subject: Identity, candidate: Candidate, confirmed_ids: Mapping[str, str] | None) -> Score:
    """Ask :mod:`rights.matching`; an outcome it does not name is treated as review, never accept."""
    return score_candidates(subject, [candidate], confirmed_ids)[0][1]


def score_candidates(subject: Identity, candidates: Sequence[Candidate], confirmed_ids: Mapping[str, str] | None
                     ) -> list[tuple[Candidate, Score]]:
    """Score one source's candidates together, so two automatic accepts in one source both go to review."""
    from rights import matching

    results = matching.guard_ambiguity([matching.match(subject, c, confirmed_ids) for c in candidates])
    scored = []
    for candidate, result in zip(candidates, results, strict=True):
        outcome = result.outcome if result.outcome in (ACCEPT, REVIEW, REJECT) else REVIEW
        scored.append((candidate, Score(outcome=outcome, score=float(result.score),
                                        explanation=tuple(result.explanation),
                                        deterministic_key=result.deterministic_key)))
    return scored


def effective_outcome(candidate: SearchCandidate) -> str:
    """An officer's decision wins over the matcher's outcome."""
    if candidate.decision == ACCEPTED:
        return ACCEPT
    if candidate.decision == REJECTED:
        return REJECT
    return candidate.outcome


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
        source_name = task.source
    try:
        source = registry.find(settings.sources_file, source_name)
        try:
            found = call_with_timeout(source.connector.find_candidates, terms, timeout=source.timeout_seconds,
                                      what=source_name)
        except NotSearchable as exc:
            return _finish(db, task_id, note=str(exc))
        scores = score_candidates(terms.identity, found, confirmed)
        with db.transaction() as session:
            task = session.get(SearchTask, task_id, with_for_update=True)  # two runs of one task take turns here
            assert task is not None
            rows = _save_candidates(session, task, scores)
            to_fetch = [(row.id, _candidate_of(row, source_name)) for row in rows if effective_outcome(row) == ACCEPT]
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


def _candidate_of(row: SearchCandidate, source: str) -> Candidate:
    return Candidate(source=source, person_id=row.person_id, identity=identity_from_json(row.identity),
                     extra=dict(row.extra or {}))


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
        task.status = SearchStatus.FAILED.value
        task.error = message[:4000]
        task.finished_at = utcnow()
        audit.record(session, task.run_by, "search.failed", request_id=task.request_id,
                     target=f"search_task:{task.id}",
                     detail={"source": task.source, "service": task.service, "attempt": task.attempts,
                             "error": message[:500], "executed_by": SYSTEM_ACTOR})


def _refresh_counts(session: Session, task: SearchTask) -> None:
    session.flush()
    task.candidate_count = session.scalar(
        select(func.count()).select_from(SearchCandidate).where(SearchCandidate.task_id == task.id)) or 0
    task.record_count = session.scalar(
        select(func.count()).select_from(GatheredRecord).where(GatheredRecord.task_id == task.id)) or 0


def _settle(task: SearchTask, *, finished: bool = False) -> None:
    """A finished search waits for review while any candidate awaits an officer; else it is done."""
    if finished or task.status in (SearchStatus.DONE.value, SearchStatus.NEEDS_REVIEW.value):
        waiting = any(c.decision is None and c.outcome == REVIEW for c in task.candidates)
        task.status = (SearchStatus.NEEDS_REVIEW if waiting else SearchStatus.DONE).value


def _finish(db: Database, task_id: int, *, new_records: int = 0, note: str | None = None) -> dict[str, Any]:
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        assert task is not None
        task.error = None
        task.result_note = note
        task.finished_at = utcnow()
        _refresh_counts(session, task)
        _settle(task, finished=True)
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


# ---------------------------------------------------------------------- storing records
def _insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    return insert


def store_records(db: Database, settings: Settings, task_id: int, candidate_id: int,
                  records: Sequence[SourceRecord]) -> int:
    """Store an accepted candidate's records, skipping any already gathered; returns how many are new.

    A record whose person id is not the accepted candidate's is dropped: a connector fault must not
    become a disclosure of someone else's record.
    """
    cipher = Cipher(settings.encryption_keys)
    store = EncryptedStore(settings.upload_dir, cipher)
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        candidate = session.get(SearchCandidate, candidate_id)
        assert task is not None and candidate is not None
        if effective_outcome(candidate) != ACCEPT:
            return 0  # decided against while the fetch was running: gather nothing
        own = [r for r in records if r.person_id == candidate.person_id]
        if len(own) != len(records):
            log.error("source %s returned %d record(s) of other people for %s; dropped",
                      task.source, len(records) - len(own), candidate.person_id)
        have = set(session.scalars(select(GatheredRecord.record_id).where(
            GatheredRecord.request_id == task.request_id, GatheredRecord.source == task.source)))
        rows: list[dict[str, Any]] = []
        for record in own:
            if record.record_id in have:
                continue
            have.add(record.record_id)
            rows.append(_row(task, candidate, record, cipher, store))
        candidate.records_fetched_at = utcnow()
        if not rows:
            return 0
        stored = _insert_skip_existing(session, rows)
        for row in rows:  # another run stored the same record first: drop our copy of its file
            if row["file_key"] and row["record_id"] not in stored:
                store.delete(row["file_key"])
        return len(stored)


def _row(task: SearchTask, candidate: SearchCandidate, record: SourceRecord, cipher: Cipher,
         store: EncryptedStore) -> dict[str, Any]:
    file_key = store.put(record.file_bytes) if record.file_bytes is not None else None
    return {
        "request_id": task.request_id, "task_id": task.id, "candidate_id": candidate.id, "source": task.source,
        "record_id": record.record_id[:300], "person_id": record.person_id, "record_date": record.date,
        "title": (record.title or record.record_id)[:500],
        "text_enc": cipher.encrypt(record.text.encode()) if record.text is not None else None,
        "file_key": file_key, "file_name": record.file_name, "content_type": record.content_type,
        "file_size": len(record.file_bytes) if record.file_bytes is not None else None,
        "file_sha256": sha256_hex(record.file_bytes) if record.file_bytes is not None else None,
        "metadata": json.loads(json.dumps(record.metadata, default=str)),
        "involved_enc": cipher.encrypt(json.dumps([involvement_to_json(i) for i in record.involved]).encode()),
        "match_score": candidate.score, "origin": "connector", "added_by": SYSTEM_ACTOR, "created_at": utcnow(),
    }


def involvement_to_json(involvement: Involvement) -> dict[str, Any]:
    return {"name": involvement.name, "role": involvement.role, "job_title": involvement.job_title,
            "person_id": involvement.person_id, "address": involvement.address}


def _insert_skip_existing(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert rows, skipping any (request, source, record id) already there; the record ids stored."""
    insert = _insert(session)
    table = GatheredRecord.__table__
    if insert is not None:
        statement = (insert(table).on_conflict_do_nothing(index_elements=["request_id", "source", "record_id"])
                     .returning(table.c.record_id))
        return set(session.scalars(statement, rows))
    stored: set[str] = set()
    for row in rows:  # other databases: one savepoint per row
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**row))
            stored.add(row["record_id"])
        except IntegrityError:
            continue
    return stored


# ---------------------------------------------------------------------- officer decisions
def decide_candidate(session: Session, queue: jobs.JobQueue, candidate_id: int, accept: bool, actor: str,
                     *, settings: Settings | None = None) -> SearchCandidate:
    """An officer settles a match: accepting defers fetching its records; rejecting removes any gathered."""
    candidate = session.get(SearchCandidate, candidate_id, with_for_update=True)
    if candidate is None:
        raise SearchError(f"no search candidate {candidate_id}")
    task = candidate.task
    candidate.decision = ACCEPTED if accept else REJECTED
    candidate.decided_by = actor
    candidate.decided_at = utcnow()
    removed = 0
    if accept:
        jobs.defer(session, queue, FETCH_JOB, candidate.id, request_id=candidate.request_id)
    else:
        gathered = session.scalars(select(GatheredRecord).where(GatheredRecord.candidate_id == candidate.id)).all()
        keys = [r.file_key for r in gathered if r.file_key]
        for record in gathered:
            session.delete(record)
        removed = len(gathered)
        if keys:
            settings = settings or _settings()
            store = EncryptedStore(settings.upload_dir, Cipher(settings.encryption_keys))

            def delete_files() -> None:
                for key in keys:
                    store.delete(key)

            after_commit(session, delete_files)
    _refresh_counts(session, task)
    _settle(task)
    audit.record(session, actor, "search.candidate_decided", request_id=candidate.request_id,
                 target=f"search_candidate:{candidate.id}",
                 detail={"source": task.source, "person_id": candidate.person_id, "matcher_outcome": candidate.outcome,
                         "score": candidate.score, "decision": candidate.decision, "records_removed": removed})
    return candidate


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
        candidate = _candidate_of(row, source_name)
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
            task.error = message
            audit.record(session, SYSTEM_ACTOR, "search.failed", request_id=task.request_id,
                         target=f"search_candidate:{candidate_id}",
                         detail={"source": source_name, "stage": "fetch", "error": message[:500]})
        raise
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        assert task is not None
        if task.error and task.error.startswith(stage):
            task.error = None
        _refresh_counts(session, task)
        _settle(task)
        audit.record(session, SYSTEM_ACTOR, "search.records_fetched", request_id=task.request_id,
                     target=f"search_candidate:{candidate_id}",
                     detail={"source": source_name, "person_id": candidate.person_id, "new_records": new,
                             "records": task.record_count})
        return {"candidate_id": candidate_id, "new_records": new, "records": task.record_count}


# ---------------------------------------------------------------------- record holders
def _holder(session: Session, task_id: int, user_id: int) -> tuple[SearchTask, User]:
    task = session.get(SearchTask, task_id, with_for_update=True)
    user = session.get(User, user_id)
    if task is None or user is None:
        raise SearchError("no such search task or user")
    if user.role in (Role.OFFICER.value, Role.MANAGER.value):
        return task, user
    if user.role == Role.RECORD_HOLDER.value and task.service in (user.services or []):
        return task, user
    raise PermissionError(f"user {user.id} does not hold records for {task.service}")


def confirm_search(session: Session, task_id: int, user_id: int, records_count_note: str | None = None
                   ) -> SearchTask:
    """The record holder confirms their system was searched ("searched, N records")."""
    task, user = _holder(session, task_id, user_id)
    task.confirmed_by_id = user.id
    task.confirmed_at = utcnow()
    task.none_held = False
    task.note = records_count_note
    audit.record(session, f"user:{user.id}", "search.confirmed", request_id=task.request_id,
                 target=f"search_task:{task.id}",
                 detail={"source": task.source, "records": task.record_count, "note": records_count_note})
    return task


def report_none_held(session: Session, task_id: int, user_id: int, note: str | None = None) -> SearchTask:
    """The record holder reports their system holds nothing about the subject."""
    task, user = _holder(session, task_id, user_id)
    if task.record_count:
        raise SearchError(f"{task.record_count} record(s) were gathered from {task.source}; "
                          "reject the match or confirm the search instead")
    task.none_held = True
    task.confirmed_by_id = user.id
    task.confirmed_at = utcnow()
    task.note = note
    audit.record(session, f"user:{user.id}", "search.none_held", request_id=task.request_id,
                 target=f"search_task:{task.id}", detail={"source": task.source, "note": note})
    return task


def add_record_upload(session: Session, settings: Settings, task_id: int, user_id: int, *, filename: str,
                      data: bytes, title: str | None = None, record_date: date | None = None,
                      content_type: str | None = None) -> GatheredRecord:
    """A record the connector cannot reach, added by the record holder and stored encrypted.

    The same file uploaded twice is stored once (its id is the file's digest).
    """
    task, user = _holder(session, task_id, user_id)
    if len(data) > settings.max_upload_bytes:
        raise SearchError(f"the file is larger than {settings.max_upload_bytes // (1024 * 1024)} MB")
    digest = sha256_hex(data)
    record_id = f"upload:{digest[:32]}"
    existing = session.scalars(select(GatheredRecord).where(
        GatheredRecord.request_id == task.request_id, GatheredRecord.source == task.source,
        GatheredRecord.record_id == record_id)).first()
    if existing is not None:
        return existing
    metadata: dict[str, Any] = {"uploaded_file": filename}
    try:
        text, found = documents.extract(filename, data)
        metadata.update(found)
    except Exception as exc:  # kept as a file; the officer reads it in its own format
        text = None
        metadata["problem"] = f"text could not be extracted: {exc}"[:300]
    cipher = Cipher(settings.encryption_keys)
    store = EncryptedStore(settings.upload_dir, cipher)
    key = store.put(data)
    record = GatheredRecord(
        request_id=task.request_id, task_id=task.id, candidate_id=None, source=task.source, record_id=record_id,
        person_id="upload", record_date=record_date, title=(title or filename)[:500],
        text_enc=cipher.encrypt(text.encode()) if text is not None else None, file_key=key, file_name=filename,
        content_type=content_type or documents.content_type_for(filename), file_size=len(data), file_sha256=digest,
        record_metadata=metadata, involved_enc=None, match_score=None, origin="upload", added_by=f"user:{user.id}",
    )
    session.add(record)
    session.flush()
    task.none_held = False
    _refresh_counts(session, task)
    audit.record(session, f"user:{user.id}", "search.record_uploaded", request_id=task.request_id,
                 target=f"gathered_record:{record.id}",
                 detail={"source": task.source, "file_name": filename, "size": len(data), "sha256": digest})
    return record


def record_text(record: GatheredRecord, cipher: Cipher) -> str | None:
    """The plain text of a gathered record (decrypted on read; never stored in the clear)."""
    return cipher.decrypt(record.text_enc).decode() if record.text_enc is not None else None


def record_involved(record: GatheredRecord, cipher: Cipher) -> list[dict[str, Any]]:
    """The people the source says a record involves (decrypted on read; never stored in the clear)."""
    if record.involved_enc is None:
        return []
    people: list[dict[str, Any]] = json.loads(cipher.decrypt(record.involved_enc))
    return people


# ---------------------------------------------------------------------- the search log
def search_log(session: Session, request_id: int) -> list[dict[str, Any]]:
    """Per source: what was searched, with which terms, by whom and when, what it found, who confirmed it."""
    tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)
                            .order_by(SearchTask.service, SearchTask.source)).all()
    uploads = dict(session.execute(
        select(GatheredRecord.task_id, func.count()).where(GatheredRecord.request_id == request_id,
                                                           GatheredRecord.origin == "upload")
        .group_by(GatheredRecord.task_id)).all())
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([t.confirmed_by_id for t in tasks if t.confirmed_by_id])))}
    entries = []
    for task in tasks:
        confirmer = users.get(task.confirmed_by_id) if task.confirmed_by_id else None
        entries.append({
            "task_id": task.id, "source": task.source, "service": task.service, "type": task.source_type,
            "status": task.status, "run_by": task.run_by, "queued_at": _iso(task.queued_at),
            "started_at": _iso(task.started_at), "finished_at": _iso(task.finished_at), "attempts": task.attempts,
            "terms": task.terms, "error": task.error, "result_note": task.result_note,
            "candidates": [{
                "candidate_id": c.id, "person_id": c.person_id, "score": round(c.score, 4), "outcome": c.outcome,
                "decision": c.decision, "decided_by": c.decided_by, "decided_at": _iso(c.decided_at),
                "effective": effective_outcome(c), "deterministic_key": c.deterministic_key,
                "explanation": list(c.explanation or []),
            } for c in task.candidates],
            "records": task.record_count, "uploads": uploads.get(task.id, 0),
            "confirmed_by": f"{confirmer.name} <{confirmer.email}>" if confirmer else None,
            "confirmed_at": _iso(task.confirmed_at), "none_held": task.none_held, "note": task.note,
        })
    return entries


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def render_search_log(entries: Sequence[Mapping[str, Any]], reference: str | None = None) -> str:
    """The search log as plain text, for the case file and for the ICO if the search is questioned."""
    lines = [f"Search log{f' for {reference}' if reference else ''}", "=" * 40]
    if not entries:
        lines.append("No systems have been searched yet.")
    for e in entries:
        terms = e.get("terms") or {}
        names = " ".join(filter(None, [terms.get("given_names"), terms.get("family_name")]))
        ids = ", ".join(f"{s}" for s, _ in terms.get("other_ids") or [])
        used = [f"name {names}" if names else None,
                f"previous names {', '.join(terms['previous_names'])}" if terms.get("previous_names") else None,
                f"date of birth {terms['date_of_birth']}" if terms.get("date_of_birth") else None,
                "NHS number" if terms.get("nhs_number") else None, "UPN" if terms.get("upn") else None,
                f"identifiers ({ids})" if ids else None,
                f"{len(terms.get('addresses') or [])} address(es)" if terms.get("addresses") else None]
        period = f"{terms.get('date_from') or 'any date'} to {terms.get('date_to') or 'any date'}"
        lines += [
            "",
            f"{e['source']} ({e['service']}, {e['type']})",
            f"  status: {e['status']}; run by {e['run_by']}; queued {e['queued_at']}; started {e['started_at']}; "
            f"finished {e['finished_at']}; attempts {e['attempts']}",
            f"  terms: {'; '.join(u for u in used if u) or 'none'}; period {period}",
        ]
        if e.get("result_note"):
            lines.append(f"  note: {e['result_note']}")
        if e.get("error"):
            lines.append(f"  error: {e['error']}")
        lines.append(f"  candidates: {len(e['candidates'])}")
        for c in e["candidates"]:
            decided = f"; officer {c['decision']} ({c['decided_by']}, {c['decided_at']})" if c["decision"] else ""
            lines.append(f"    - {c['person_id']}: {c['outcome']} at {c['score']:.2f}{decided}")
            lines.extend(f"        {line}" for line in c["explanation"])
        lines.append(f"  records gathered: {e['records']} (of which uploaded by the record holder: {e['uploads']})")
        if e.get("none_held"):
            lines.append(f"  record holder: none held ({e['confirmed_by']}, {e['confirmed_at']})")
        elif e.get("confirmed_by"):
            lines.append(f"  record holder: search confirmed ({e['confirmed_by']}, {e['confirmed_at']})")
        else:
            lines.append("  record holder: not yet confirmed")
        if e.get("note"):
            lines.append(f"  record holder's note: {e['note']}")
    return "\n".join(lines) + "\n"


def summary(session: Session, request_id: int, entries: Sequence[Mapping[str, Any]] | None = None
            ) -> dict[str, Any]:
    """The JSON summary ``rights process`` prints: records per source, matches with scores and outcomes.

    ``entries`` is the request's :func:`search_log` when the caller already has it (saves reading it twice).
    """
    request = session.get(RightsRequest, request_id)
    entries = search_log(session, request_id) if entries is None else entries
    return {
        "reference": request.reference if request else None,
        "records_total": sum(e["records"] for e in entries),
        "sources": [{
            "source": e["source"], "service": e["service"], "type": e["type"], "status": e["status"],
            "records": e["records"], "attempts": e["attempts"], "error": e["error"], "note": e["result_note"],
            "candidates": [{k: c[k] for k in ("person_id", "score", "outcome", "decision", "explanation")}
                           for c in e["candidates"]],
        } for e in entries],
    }
