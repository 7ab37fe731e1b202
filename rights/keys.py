"""``rights keys rotate``: move every encrypted column, every stored file and the name index under the newest
key, so an older key can be removed from ``RIGHTS_ENCRYPTION_KEYS``.

What it walks: every column of every table whose type is one of :data:`rights.models.ENCRYPTED_TYPES`
(found from the models, so a new encrypted column is rotated without touching this module), the file
store (uploads, gathered records' files, letters and response bundles, every ``*.bin`` under
``RIGHTS_UPLOAD_DIR``), and the keyed digests of people's names (:mod:`rights.models.people_index`).

Why it is safe to interrupt and to run again:

- Each part (a table, the name index, the files) is walked in primary-key (or file-name) order in
  batches; a batch's changes and the part's ``position`` commit in one transaction
  (:class:`rights.models.KeyRotationStep`), so a run that dies resumes after the last batch it committed.
- A value already under the newest key is left alone (``current``), so a batch redone after a crash, or
  a second run, rotates nothing twice and counts it as current.
- Rows are locked while their batch is rewritten (``FOR UPDATE``) and the app only ever writes new values
  under the newest key, so rotating beside the running app loses no update.
- A value written before its column was encrypted (migration 0067) is encrypted here (``encrypted``).

A value no configured key opens is counted ``unreadable`` and left as it is (the report says where): the
run does not claim a rotation it could not do, and an old key must not be removed while any remain.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, LargeBinary, Table, Text, column, select, table, update
from sqlalchemy.orm import Session

from rights import audit, security
from rights.config import Settings
from rights.db import Database
from rights.models import (
    ENCRYPTED_TYPES,
    Base,
    KeyRotationStep,
    Person,
    PersonSearchKey,
    SealedBytes,
    utcnow,
)
from rights.models.people_index import match_keys, reindex, search_keys

BATCH = 200
FILE_BATCH = 50
INDEX_PART = "index:people"
FILES_PART = "files"
OUTCOMES = ("rotated", "encrypted", "current", "unreadable", "gone")


@dataclass(frozen=True)
class Encrypted:
    """One table's encrypted columns, and its one-column primary key (the walking order)."""

    table: Table
    key: Column[Any]
    columns: tuple[Column[Any], ...]

    @property
    def part(self) -> str:
        return f"table:{self.table.name}"


def encrypted_tables() -> list[Encrypted]:
    """Every table with an encrypted column, from the models (a composite primary key is refused)."""
    out = []
    for tbl in Base.metadata.sorted_tables:
        columns = tuple(c for c in tbl.columns if isinstance(c.type, ENCRYPTED_TYPES))
        if not columns:
            continue
        keys = list(tbl.primary_key.columns)
        if len(keys) != 1:
            raise RuntimeError(f"{tbl.name} has encrypted columns but no single-column primary key to walk")
        out.append(Encrypted(tbl, keys[0], columns))
    return out


def parts() -> list[str]:
    """The parts of a rotation, in the order they run (columns first: the index reads decrypted names)."""
    return [e.part for e in encrypted_tables()] + [INDEX_PART, FILES_PART]


@dataclass
class Report:
    key_id: str
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: bool = False
    already_done: bool = False

    def totals(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for counts in self.parts.values():
            total.update({k: v for k, v in counts.items() if k in OUTCOMES or k == "reindexed"})
        return dict(total)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key_id, "finished": self.finished, "already_done": self.already_done,
                "totals": self.totals(), "parts": self.parts}


def newest_key_id(settings: Settings) -> str:
    return security.key_id(settings.encryption_keys[0], "columns")


def _step(session: Session, key_id: str, part: str) -> KeyRotationStep:
    step = session.scalars(select(KeyRotationStep).where(KeyRotationStep.key_id == key_id,
                                                         KeyRotationStep.part == part).with_for_update()).first()
    if step is None:
        step = KeyRotationStep(key_id=key_id, part=part, counts={}, started_at=utcnow(), updated_at=utcnow())
        session.add(step)
        session.flush()
    return step


def _rekey(cipher: security.Cipher, value: Any, as_bytes: bool) -> tuple[Any, str]:
    """(new stored value or None to leave it, outcome) for one stored value."""
    if not as_bytes and not str(value).startswith(security.TOKEN_PREFIX):
        return cipher.encrypt(str(value).encode()).decode("ascii"), "encrypted"
    token = bytes(value) if as_bytes else str(value).encode("ascii")
    if cipher.is_current(token):
        return None, "current"
    try:
        rotated = cipher.rotate(token)
    except ValueError:
        return None, "unreadable"
    return (rotated if as_bytes else rotated.decode("ascii")), "rotated"


class _Budget:
    """How many rows (or files) this run may still touch: ``rights keys rotate --limit`` and the tests."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def take(self, n: int) -> int:
        if self.left is None:
            return n
        n = min(n, self.left)
        self.left -= n
        return n

    def refund(self, n: int) -> None:
        if self.left is not None:
            self.left += n

    @property
    def spent(self) -> bool:
        return self.left is not None and self.left <= 0


def _position(key: Column[Any], raw: str | None) -> Any:
    if raw is None:
        return None
    return int(raw) if isinstance(key.type, Integer) else raw


def _rotate_table(db: Database, cipher: security.Cipher, enc: Encrypted, key_id: str, budget: _Budget) -> bool:
    """Rotate one table's encrypted columns batch by batch; True when the table is done."""
    raw = table(enc.table.name, column(enc.key.name, enc.key.type),
                *(column(c.name, LargeBinary() if isinstance(c.type, SealedBytes) else Text()) for c in enc.columns))
    pk = raw.c[enc.key.name]
    while not budget.spent:
        with db.transaction() as session:
            step = _step(session, key_id, enc.part)
            if step.finished_at is not None:
                return True
            after = _position(enc.key, step.position)
            asked = budget.take(BATCH)
            query = select(raw).order_by(pk).limit(asked).with_for_update()
            rows = session.execute(query if after is None else query.where(pk > after)).mappings().all()
            budget.refund(asked - len(rows))
            counts = Counter(step.counts)
            if not rows:
                step.finished_at = step.updated_at = utcnow()
                return True
            for row in rows:
                changes = {}
                for col in enc.columns:
                    if row[col.name] is None:
                        continue
                    new, outcome = _rekey(cipher, row[col.name], isinstance(col.type, SealedBytes))
                    counts[outcome] += 1
                    if new is not None:
                        changes[col.name] = new
                if changes:
                    session.execute(update(raw).where(pk == row[enc.key.name]).values(**changes))
            step.position, step.counts, step.updated_at = str(rows[-1][enc.key.name]), dict(counts), utcnow()
    return False


def _reindex_people(db: Database, key_id: str, budget: _Budget) -> bool:
    """Re-digest people's names and duplicate keys under the newest tokens key where they differ."""
    while not budget.spent:
        with db.transaction() as session:
            step = _step(session, key_id, INDEX_PART)
            if step.finished_at is not None:
                return True
            after, asked = int(step.position or 0), budget.take(BATCH)
            people = session.scalars(select(Person).where(Person.id > after).order_by(Person.id)
                                     .limit(asked).with_for_update()).all()
            budget.refund(asked - len(people))
            counts = Counter(step.counts)
            if not people:
                step.finished_at = step.updated_at = utcnow()
                return True
            stored: dict[int, set[int]] = {}
            for pid, key in session.execute(select(PersonSearchKey.person_id, PersonSearchKey.key).where(
                    PersonSearchKey.person_id.in_([p.id for p in people]))):
                stored.setdefault(pid, set()).add(key)
            stale = []
            for person in people:
                keys = match_keys(person.given_names, person.family_name, person.date_of_birth)
                match = keys[0] if keys else None
                if match != person.match_key or stored.get(person.id, set()) != search_keys(
                        person.given_names, person.family_name):
                    session.execute(update(Person.__table__).where(Person.__table__.c.id == person.id)
                                    .values(match_key=match))
                    stale.append(person)
            reindex(session, stale)
            counts.update(reindexed=len(stale), current=len(people) - len(stale))
            step.position, step.counts, step.updated_at = str(people[-1].id), dict(counts), utcnow()
    return False


def _store_files(root: Path) -> Iterator[str]:
    """The store's files (``ab/abcdef….bin``) in name order: the walking order of the files part."""
    if root.is_dir():
        yield from sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.bin"))


def _rotate_file(cipher: security.Cipher, path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "gone"  # deleted (retention, a discarded upload) since the listing
    if cipher.is_current(data):
        return "current"
    try:
        rotated = cipher.rotate(data)
    except ValueError:
        return "unreadable"
    tmp = path.with_suffix(".rotating")
    tmp.write_bytes(rotated)
    if not path.exists():  # deleted while we worked: never bring it back
        tmp.unlink(missing_ok=True)
        return "gone"
    os.replace(tmp, path)
    return "rotated"


def _rotate_files(db: Database, settings: Settings, key_id: str, budget: _Budget) -> bool:
    store = security.store_for(settings.upload_dir, settings.encryption_keys)
    with db.transaction() as session:
        step = _step(session, key_id, FILES_PART)
        if step.finished_at is not None:
            return True
        after = step.position or ""
    todo = [name for name in _store_files(store.root) if name > after]
    while todo and not budget.spent:
        n = budget.take(FILE_BATCH)
        batch, todo = todo[:n], todo[n:]
        counts = Counter(_rotate_file(store.cipher, store.root / name) for name in batch)
        with db.transaction() as session:
            step = _step(session, key_id, FILES_PART)
            step.counts = dict(Counter(step.counts) + counts)
            step.position, step.updated_at = batch[-1], utcnow()
    if todo:
        return False
    with db.transaction() as session:
        step = _step(session, key_id, FILES_PART)
        step.finished_at = step.updated_at = utcnow()
    return True


def rotate(db: Database, settings: Settings, *, actor: str = "cli", limit: int | None = None,
           restart: bool = False) -> Report:
    """Rotate everything to the newest configured key; resumes an interrupted run for the same key.

    ``limit`` stops after that many rows and files (the next run carries on); ``restart`` walks every
    part again even if a run for this key finished (values already current are still left alone).
    """
    key_id = newest_key_id(settings)
    cipher = security.cipher_for(settings.encryption_keys, "columns")
    budget = _Budget(limit)
    with db.transaction() as session:
        steps = session.scalars(select(KeyRotationStep).where(KeyRotationStep.key_id == key_id)).all()
        if restart:
            for step in steps:
                session.delete(step)
            steps = []
    report = Report(key_id)
    if steps and all(s.finished_at is not None for s in steps) and {s.part for s in steps} >= set(parts()):
        report.parts = {s.part: dict(s.counts) for s in steps}
        report.finished = report.already_done = True
        return report
    done = []
    for enc in encrypted_tables():
        done.append(_rotate_table(db, cipher, enc, key_id, budget))
    done.append(_reindex_people(db, key_id, budget))
    done.append(_rotate_files(db, settings, key_id, budget))
    report.finished = all(done)
    with db.transaction() as session:
        steps = session.scalars(select(KeyRotationStep).where(KeyRotationStep.key_id == key_id)).all()
        report.parts = {s.part: {**s.counts, "done": s.finished_at is not None} for s in steps}
        audit.record(session, actor, "keys.rotated" if report.finished else "keys.rotation_paused",
                     target=f"key:{key_id}", detail={"totals": report.totals()})
    return report


def status(db: Database, settings: Settings) -> dict[str, Any]:
    """Where the rotation to the newest key stands, part by part (no value is read)."""
    key_id = newest_key_id(settings)
    with db.transaction() as session:
        steps = {s.part: s for s in session.scalars(select(KeyRotationStep).where(KeyRotationStep.key_id == key_id))}
    return {"key": key_id, "keys_configured": len(settings.encryption_keys),
            "parts": {p: ("done" if p in steps and steps[p].finished_at else
                          "in progress" if p in steps else "not started") for p in parts()}}


__all__ = ["OUTCOMES", "Report", "encrypted_tables", "newest_key_id", "parts", "rotate", "status"]
