"""Signed checkpoints of the audit trail's head, published where the database cannot reach.

Why: the HMAC chain stops a database writer without the audit key; a checkpoint also stops someone who
has the key and the database (a compromised server), provided the operator keeps the published lines
somewhere else (a log shipper, a write-once bucket, a printout). Each checkpoint says "on this date the
trail had N entries and the newest was H", signed with the audit key. ``rights audit verify --checkpoints
FILE`` then refuses a trail that no longer contains that entry with that hash: rewritten or cut back.

The schedule publishes one an hour (``audit_checkpoint``): a JSON line appended to
``RIGHTS_AUDIT_CHECKPOINT_FILE`` and the same line logged on the ``rights.audit.checkpoint`` logger.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rights.audit import chain
from rights.models import AuditHead

log = logging.getLogger("rights.audit.checkpoint")
KIND = "rights-desk-audit-checkpoint"


def make(session: Session, now: datetime) -> dict[str, Any]:
    """A signed statement of the trail's head now (read, not locked: a later append changes nothing)."""
    head = session.get(AuditHead, 1)
    key_id, key_bytes = chain.signing_key()
    body: dict[str, Any] = {"kind": KIND, "at": now.isoformat(timespec="seconds"),
                            "last_id": head.last_id if head else 0,
                            "last_hash": head.last_hash if head else chain.GENESIS, "key": key_id}
    return {**body, "mac": chain.mac(key_bytes, body)}


def publish(session: Session, path: str | Path, now: datetime) -> dict[str, Any]:
    """Append a checkpoint line to ``path`` (made if missing, private to its owner) and log it."""
    point = make(session, now)
    line = json.dumps(point, sort_keys=True, separators=(",", ":"))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    log.info(line)
    return point


class CheckpointError(ValueError):
    """A checkpoint file that cannot be trusted; the message names the line and why."""


@dataclass(frozen=True)
class Expected:
    """What the checkpoints say the trail must contain: entry id -> hash."""

    hashes: dict[int, str]
    count: int


def read(lines: Iterable[str], source: str = "checkpoints") -> Expected:
    """Check each line's signature and gather the (id, hash) pairs it vouches for.

    A line that is not a checkpoint, is signed with an unknown key or does not match its signature is an
    error, not skipped: a forged or edited checkpoint must not pass silently.
    """
    hashes: dict[int, str] = {}
    count = 0
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            point = json.loads(raw)
            body = {k: point[k] for k in ("kind", "at", "last_id", "last_hash", "key")}
            signature = str(point["mac"])
            last_id = int(body["last_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{source} line {n} is not an audit checkpoint") from exc
        if body["kind"] != KIND:
            raise CheckpointError(f"{source} line {n} is not an audit checkpoint")
        key_bytes = chain.key(str(body["key"]))
        if key_bytes is None:
            raise CheckpointError(f"{source} line {n} was signed with audit key {body['key']}, which "
                                  "RIGHTS_AUDIT_KEYS does not hold")
        if not chain.same(chain.mac(key_bytes, body), signature):
            raise CheckpointError(f"{source} line {n} does not match its signature (edited or forged)")
        if last_id > 0:
            earlier = hashes.get(last_id)
            if earlier is not None and earlier != body["last_hash"]:
                raise CheckpointError(f"{source} line {n} names entry {last_id} with a different hash than an "
                                      "earlier line")
            hashes[last_id] = str(body["last_hash"])
        count += 1
    return Expected(hashes, count)


def read_file(path: str | Path) -> Expected:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckpointError(f"cannot read the checkpoint file {path}: {exc.strerror}") from exc
    return read(text.splitlines(), source=str(path))
