"""The append-only, hash-chained audit trail of who saw and did what.

Each entry stores the previous entry's hash and its own hash over (previous hash, time, actor, action,
request, target, detail). Editing or deleting any entry breaks every later link, and
:func:`verify` names the first broken one. Appends are serialised through the single ``audit_head``
row (locked ``FOR UPDATE``), so concurrent writers never fork the chain. On PostgreSQL a trigger also
refuses UPDATE and DELETE on ``audit_events`` (see the migration), so the trail is append-only in the
database itself, not only by convention.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None,
            target: str | None, detail: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, request_id, target, detail],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
    """Append one entry in the caller's transaction (it commits or rolls back with the action)."""
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, last_id=0)
        session.add(head)
        session.flush()
    at = utcnow()
    detail = json.loads(json.dumps(detail or {}, default=str))
    digest = _digest(head.last_hash, at, actor, action, request_id, target, detail)
    event = AuditEvent(at=at, actor=actor, action=action, request_id=request_id, target=target,
                       detail=detail, ip=ip, prev_hash=head.last_hash, hash=digest)
    session.add(event)
    session.flush()
    head.last_hash = digest
    head.last_id = event.id
    return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the chain in id order; report the first entry whose link or hash does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            if ev.prev_hash != prev:
                return Verification(False, checked, ev.id, "its previous-hash link does not match the entry before")
            expected = _digest(ev.prev_hash, ev.at, ev.actor, ev.action, ev.request_id, ev.target, ev.detail)
            if expected != ev.hash:
                return Verification(False, checked, ev.id, "its contents no longer match its hash")
            prev = ev.hash
            checked += 1
            last_id = ev.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return Verification(False, checked, None, "entries after the last one found were deleted")
    return Verification(True, checked)
