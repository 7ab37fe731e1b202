"""Gathered records: storing them once per (request, source, record id), and reading one back (its text
and the people it involves, decrypted) for the person acting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights import audit
from rights.config import Settings
from rights.db import Database
from rights.errors import CaseAccessDenied, CaseNotFound
from rights.models import (
    GatheredRecord,
    RightsRequest,
    SearchCandidate,
    SearchTask,
    utcnow,
)
from rights.permissions import Actor, can_see_task
from rights.search.outcomes import ACCEPT, effective_outcome
from rights.security import Cipher, EncryptedStore, cipher_for, sha256_hex, store_for
from rights.sources.base import (
    Involvement,
    SourceRecord,
)

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "worker"
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


def lock_request(session: Session, request_id: int) -> RightsRequest | None:
    """Take the request row's lock before writing its search tasks, candidates or gathered records.

    Search jobs of one request run at once and identity resolution rewrites every candidate of the
    request, so every writer takes this lock first (then tasks, then candidates): writes never
    interleave and never deadlock.
    """
    return session.get(RightsRequest, request_id, with_for_update=True, populate_existing=True)


def store_records(db: Database, settings: Settings, task_id: int, candidate_id: int,
                  records: Sequence[SourceRecord]) -> int:
    """Store an accepted candidate's records, skipping any already gathered; returns how many are new.

    A record whose person id is not the accepted candidate's is dropped: a connector fault must not
    become a disclosure of someone else's record.
    """
    cipher = cipher_for(settings.encryption_keys)
    store = store_for(settings.upload_dir, settings.encryption_keys)
    with db.transaction() as session:
        task = session.get(SearchTask, task_id)
        assert task is not None
        lock_request(session, task.request_id)
        candidate = session.get(SearchCandidate, candidate_id, populate_existing=True)
        assert candidate is not None
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
        "metadata": json.loads(json.dumps(record.metadata, default=str)), "keep_days": keep_days(record.metadata),
        "involved_enc": cipher.encrypt(json.dumps([involvement_to_json(i) for i in record.involved]).encode()),
        "match_score": candidate.score, "origin": "connector", "added_by": SYSTEM_ACTOR, "created_at": utcnow(),
    }


def keep_days(metadata: dict[str, Any]) -> int | None:
    """The source's own retention of what a record copies (``retention_days``, as the CCTV log gives it)."""
    value = metadata.get("retention_days")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


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



def record_text(record: GatheredRecord, cipher: Cipher) -> str | None:
    """The plain text of a gathered record (decrypted on read; never stored in the clear)."""
    return cipher.decrypt(record.text_enc).decode() if record.text_enc is not None else None


def record_involved(record: GatheredRecord, cipher: Cipher) -> list[dict[str, Any]]:
    """The people the source says a record involves (decrypted on read; never stored in the clear)."""
    if record.involved_enc is None:
        return []
    people: list[dict[str, Any]] = json.loads(cipher.decrypt(record.involved_enc))
    return people


# --------------------------------------------------------------------------------------------------
# Opening a gathered record


def open_record(session: Session, task: SearchTask, record_id: int, actor: Actor, *, cipher: Cipher,
                as_file: bool = False, ip: str | None = None) -> tuple[GatheredRecord, str | None]:
    """A gathered record of a task this member of staff reaches, decrypted; each opening is audited."""
    if not can_see_task(actor, task):
        raise CaseAccessDenied(f"search_task:{task.id}")
    record = session.get(GatheredRecord, record_id)
    if record is None:
        raise CaseNotFound(str(record_id))
    if record.task_id != task.id:  # another task's record reached through this one: a probe, not a typo
        raise CaseAccessDenied(f"gathered_record:{record_id}")
    if as_file and record.file_key is None:
        raise CaseNotFound(str(record_id))
    text = None if as_file else record_text(record, cipher)
    audit.record(session, actor.ref, "record.viewed", request_id=record.request_id,
                 target=f"gathered_record:{record.id}",
                 detail={"source": record.source, "record_id": record.record_id, "as": "file" if as_file else "text"},
                 ip=ip)
    return record, text


def involvement_lines(record: GatheredRecord, cipher: Cipher) -> list[str]:
    """The people the source says were involved, as an officer reads them ("Sam Okafor, professional: ...")."""
    lines = []
    for person in record_involved(record, cipher):
        role = str(person.get("role") or "").replace("_", " ")
        title = f": {person['job_title']}" if person.get("job_title") else ""
        lines.append(f"{person.get('name') or 'Unnamed'} ({role}{title})" if role else str(person.get("name")))
    return lines

