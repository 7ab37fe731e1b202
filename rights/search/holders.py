"""What a record holder does with a search of their service's system: confirm it, report that no records
are held, or upload a record the connector cannot reach; and their list of tasks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, workflow
from rights.config import Settings
from rights.errors import SearchError
from rights.models import (
    GatheredRecord,
    RightsRequest,
    SearchTask,
    User,
    utcnow,
)
from rights.permissions import Actor, has_service_cases, holds_records_for, is_caseworker
from rights.search.resolution import refresh_counts
from rights.security import cipher_for, sha256_hex, store_for
from rights.sources import documents


# ---------------------------------------------------------------------- record holders
def _holder(session: Session, task_id: int, user_id: int) -> tuple[SearchTask, User]:
    task = session.get(SearchTask, task_id, with_for_update=True)
    user = session.get(User, user_id)
    if task is None or user is None:
        raise SearchError("no such search task or user")
    if holds_records_for(user.role, user.services, task.service):
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
                 detail={"source": task.source, "records": task.record_count,
                         "note_fingerprint": audit.fingerprint(records_count_note)})
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
                 target=f"search_task:{task.id}",
                 detail={"source": task.source, "note_fingerprint": audit.fingerprint(note)})
    return task


def close_task(session: Session, task_id: int, actor: Actor, reason: str | None) -> SearchTask:
    """An officer closes a search task its record holder has not confirmed (away, the system retired, a
    failed search repeated elsewhere), with the reason: it then counts as settled for the release checks."""
    if not is_caseworker(actor.role):
        raise PermissionError("only officers and managers close a search")
    reason = (reason or "").strip() or None
    if reason is None:
        raise SearchError("Say why this search is closed without the record holder's confirmation.")
    task = session.get(SearchTask, task_id, with_for_update=True)
    if task is None:
        raise SearchError("no such search task")
    if task.confirmed_at is not None:
        raise SearchError("This search is already confirmed or closed.")
    task.closed_reason = reason
    task.confirmed_by_id = actor.id
    task.confirmed_at = utcnow()
    audit.record(session, actor.ref, "search.closed_by_officer", request_id=task.request_id,
                 target=f"search_task:{task.id}",
                 detail={"source": task.source, "reason_fingerprint": audit.fingerprint(reason)})
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
        text, found = documents.extract(filename, data, documents.DocumentLimits.from_settings(settings))
        metadata.update(found)
    except documents.DocumentRefused as exc:  # a hostile or absurd file: the uploader is told, nothing is kept
        raise SearchError(str(exc)) from exc
    except Exception as exc:  # kept as a file; the officer reads it in its own format
        text = None
        metadata["problem"] = f"text could not be extracted: {exc}"[:300]
    cipher = cipher_for(settings.encryption_keys)
    store = store_for(settings.upload_dir, settings.encryption_keys)
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
    refresh_counts(session, task)
    audit.record(session, f"user:{user.id}", "search.record_uploaded", request_id=task.request_id,
                 target=f"gathered_record:{record.id}",
                 detail={"source": task.source, "size": len(data), "sha256": digest})  # no file name: it names people
    return record

def holder_tasks(session: Session, actor: Actor, limit: int = 200) -> list[SearchTask]:
    """A record holder's search tasks on open requests, the soonest due first (their "my tasks" list)."""
    if not has_service_cases(actor):
        return []
    return list(session.scalars(
        select(SearchTask).join(RightsRequest, SearchTask.request_id == RightsRequest.id)
        .where(SearchTask.service.in_(actor.services),
               RightsRequest.status.not_in(workflow.CLOSED_STAGES))
        .order_by(RightsRequest.due_on, RightsRequest.id, SearchTask.source).limit(limit)
    ).all())

