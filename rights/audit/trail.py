"""Appending to the audit trail, and walking it to prove nothing was changed, removed or slipped in.

Why appends wait for the commit: the chain is serialised through the single ``audit_head`` row, locked
``FOR UPDATE``. Taken when an entry is recorded, that lock was held for the rest of the transaction: a case
page took it before rendering, a submission while it rendered and encrypted its email, and every other
writer queued behind them. :func:`record` now only builds the entry and keeps it on the session;
:func:`_seal`, run by SQLAlchemy just before the outermost commit, takes the lock, numbers and signs the
pending entries and inserts them, and the commit releases the lock straight away. An entry still commits or
rolls back with the action it records (same transaction), and a rolled-back transaction leaves none.

Why ids are given, not drawn from a sequence: under the head lock the next id is ``last_id + 1``, so the
ids of a sound trail run 1, 2, 3 ... with no gap, the MAC covers the id, and an entry removed anywhere (the
newest included, see the head and :mod:`rights.audit.checkpoints`) shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from rights.audit import chain
from rights.models import AuditEvent, AuditHead, utcnow

_PENDING = "rights.audit.pending"


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    request_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Record one entry in the caller's transaction; it is numbered, signed and stored as that commits."""
    event_ = AuditEvent(at=utcnow(), actor=actor, action=action, request_id=request_id, target=target,
                        detail=json.loads(json.dumps(detail or {}, default=str)), ip=ip)
    _pending(session).append(event_)
    return event_


def _pending(session: Session) -> list[AuditEvent]:
    """This transaction's pending entries, begun if need be: they belong to one outermost transaction, so
    entries left by a transaction that ended without committing are never sealed by the next one."""
    if not session.in_transaction():
        session.begin()
    tx = session.get_transaction()
    held = session.info.get(_PENDING)
    if held is None or held[0] is not tx:
        held = session.info[_PENDING] = (tx, [])
    return held[1]


def pending(session: Session) -> list[AuditEvent]:
    """Entries recorded in this transaction and not yet committed (a page may show its own)."""
    held = session.info.get(_PENDING)
    return list(held[1]) if held and held[0] is session.get_transaction() else []


_HEAD = AuditHead.__table__
_EVENTS = AuditEvent.__table__
# Built once: the seal runs in every audited transaction (each case page and list view), and building these
# statements and flushing the entries through the ORM cost more than the three round trips themselves.
_LOCK_HEAD = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_START_HEAD = insert(_HEAD).values(id=1, last_id=bindparam("last_id"), last_hash=bindparam("last_hash"))
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(last_id=bindparam("last_id"),
                                                          last_hash=bindparam("last_hash"))
_APPEND = insert(_EVENTS)
#: Every column of an entry, from the mapping itself: a column added later is written without a change here.
_FIELDS = tuple(attr.key for attr in AuditEvent.__mapper__.column_attrs)
#: PostgreSQL, one entry (nearly every audited transaction): the entry inserted and the head moved in one
#: statement (the insert as a data-modifying WITH), one round trip fewer than the two statements.
_APPEND_ONE_AND_MOVE = _MOVE_HEAD.add_cte(insert(_EVENTS).values({
    column: bindparam(f"entry_{name}", type_=column.type)
    for name in _FIELDS for column in AuditEvent.__mapper__.column_attrs[name].columns}).cte("appended"))


def seal(session: Session, events: Iterable[AuditEvent]) -> None:
    """Number, link and sign ``events`` under the head lock, and insert them (with the head's move, for one
    entry on PostgreSQL).

    The session's other changes are flushed first, so the lock is held only for the append. The entries are
    written with plain inserts (the trail is append-only: nothing in the session edits them afterwards);
    each ``AuditEvent`` given keeps its id, links and MAC.
    """
    events = list(events)
    if not events:
        return
    session.flush()
    key_id, key_bytes = chain.signing_key()
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head is not None else (0, chain.GENESIS)
    rows = []
    for ev in events:
        ev.id = last_id + 1
        ev.prev_hash = last_hash
        ev.key_id = key_id
        ev.hash = chain.mac(key_bytes, _payload(ev))
        rows.append({name: getattr(ev, name) for name in _FIELDS})
        last_id, last_hash = ev.id, ev.hash
    moved = {"last_id": last_id, "last_hash": last_hash}
    if head is not None and len(rows) == 1 and connection.dialect.name == "postgresql":
        connection.execute(_APPEND_ONE_AND_MOVE, {**{f"entry_{k}": v for k, v in rows[0].items()}, **moved})
        return
    connection.execute(_APPEND, rows)
    connection.execute(_MOVE_HEAD if head is not None else _START_HEAD, moved)


def _payload(ev: AuditEvent) -> list[Any]:
    return chain.entry_payload(id=ev.id, prev_hash=ev.prev_hash, at=ev.at, actor=ev.actor, action=ev.action,
                               request_id=ev.request_id, target=ev.target, detail=ev.detail, ip=ev.ip,
                               key_id=ev.key_id or "")


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    # A SAVEPOINT's release fires before_commit too: entries wait for the outermost commit (and the lock
    # is then taken once, at the end).
    if session.in_nested_transaction():
        return
    held = session.info.pop(_PENDING, None)
    if held and held[0] is session.get_transaction():
        seal(session, held[1])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@dataclass
class Verification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    #: Entries written before the chain was keyed, checked by the old unkeyed rule.
    unkeyed: int = 0


def verify(session: Session, batch: int = 5000, expect: dict[int, str] | None = None) -> Verification:
    """Walk the chain in id order; report the first entry whose id, link or MAC does not hold.

    ``expect`` maps entry ids to the hash a checkpoint recorded for them: a trail rewritten with the key
    (or cut back) still disagrees with what was published before.
    """
    expect = dict(expect or {})
    prev, checked, unkeyed, last_id = chain.GENESIS, 0, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            broken = _check(ev, prev, last_id)
            if broken:
                return Verification(False, checked, ev.id, broken, unkeyed)
            if ev.key_id is None:
                unkeyed += 1
            wanted = expect.pop(ev.id, None)
            if wanted is not None and not chain.same(wanted, ev.hash):
                return Verification(False, checked, ev.id, "it differs from the checkpoint published for it",
                                    unkeyed)
            prev, last_id = ev.hash, ev.id
            checked += 1
        session.expunge_all()
    if expect:
        missing = min(expect)
        return Verification(False, checked, missing, "a checkpoint names this entry but the trail ends before "
                            "it (entries were deleted)", unkeyed)
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.last_id != last_id):
        return Verification(False, checked, None, "entries after the last one found were deleted", unkeyed)
    return Verification(True, checked, unkeyed=unkeyed)


def _check(ev: AuditEvent, prev: str, last_id: int) -> str | None:
    """Why this entry breaks the chain, or None."""
    if ev.prev_hash != prev:
        return "its previous-hash link does not match the entry before"
    if ev.key_id is None:  # written before the chain was keyed: the old rule, ids from a sequence
        expected = chain.legacy_digest(ev.prev_hash, ev.at, ev.actor, ev.action, ev.request_id, ev.target,
                                       ev.detail)
        return None if chain.same(expected, ev.hash) else "its contents no longer match its hash"
    if ev.id != last_id + 1 and last_id:
        return f"the entries numbered {last_id + 1} to {ev.id - 1} are missing"
    key_bytes = chain.key(ev.key_id)
    if key_bytes is None:
        return f"it was signed with audit key {ev.key_id}, which RIGHTS_AUDIT_KEYS no longer holds"
    return None if chain.same(chain.mac(key_bytes, _payload(ev)), ev.hash) else \
        "its contents no longer match its signature"
