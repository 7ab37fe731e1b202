"""Unfinished portal requests: answers kept server-side, encrypted, until the idle timeout.

The browser's session cookie holds only a random token; the answers live in ``portal_drafts`` (see
:class:`rights.models.PortalDraft` for why not in the cookie). Every save pushes the expiry back by the
idle timeout (reading a page does too, at most once a minute), so answers are kept as long as the
session is, less a minute at most, and :func:`purge_expired` deletes what was abandoned;
:func:`purge_abandoned` also clears expired progress codes and unclaimed uploads.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from rights import tokens, uploads
from rights.db import Database
from rights.models import PortalDraft, ProgressCode, utcnow
from rights.security import Cipher, store_for

#: Reading a page pushes the expiry back at most once a minute (like staff sessions' ``LAST_SEEN_GRANULARITY``):
#: a page read right after a save, or a form sent right after its page was read, writes nothing.
TOUCH_GRANULARITY = timedelta(seconds=60)


_DRAFTS = PortalDraft.__table__
# Built once: every portal page reads its draft and every answer writes it, and building a statement (and its
# cache key) costs more than running it.
_READ = select(_DRAFTS.c.answers_enc, _DRAFTS.c.expires_at).where(_DRAFTS.c.id == bindparam("row_id"))
_READ_LOCKED = _READ.with_for_update()
_WRITE = update(_DRAFTS).where(_DRAFTS.c.id == bindparam("row_id")).values(
    answers_enc=bindparam("data"), updated_at=bindparam("now"), expires_at=bindparam("expires"))
_CREATE = insert(_DRAFTS).values(id=bindparam("row_id"), answers_enc=bindparam("data"), created_at=bindparam("now"),
                                 updated_at=bindparam("now"), expires_at=bindparam("expires"))
_MOVE_EXPIRY = update(_DRAFTS).where(_DRAFTS.c.id == bindparam("row_id")).values(expires_at=bindparam("expires"))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Drafts:
    def __init__(self, cipher: Cipher, idle: timedelta) -> None:
        self.cipher = cipher
        self.idle = idle

    def load(self, session: Session | Connection, token: str | None, now: datetime | None = None, *,
             lock: bool = False, keep_alive: bool = False) -> dict[str, Any] | None:
        """The answers for ``token``; None when there is no such draft or it has expired.

        ``lock`` holds the row until the transaction ends: submission uses it so a double click cannot
        submit one draft twice (the second waits, then finds the draft gone). ``keep_alive`` also moves its
        expiry as :meth:`touch` does. Two columns are read, not a mapped row: a page read is one plain SELECT
        (and an UPDATE at most once a minute).
        """
        if not token:
            return None
        now = now or utcnow()
        row_id = _row_id(token)
        found = session.execute(_READ_LOCKED if lock else _READ, {"row_id": row_id}).first()
        if found is None or found.expires_at <= now:
            return None
        answers: dict[str, Any] = json.loads(self.cipher.decrypt(found.answers_enc))
        if keep_alive:
            self._keep_alive(session, row_id, found.expires_at, now)
        return answers

    def save(self, session: Session | Connection, token: str, answers: dict[str, Any],
             now: datetime | None = None) -> None:
        """Store the answers: an UPDATE of the draft's row, or an INSERT for the first answer (no read first)."""
        now = now or utcnow()
        values = {"row_id": _row_id(token), "now": now, "expires": now + self.idle,
                  "data": self.cipher.encrypt(json.dumps(answers, separators=(",", ":"), default=str).encode())}
        if not session.execute(_WRITE, values).rowcount:  # type: ignore[attr-defined]
            session.execute(_CREATE, values)

    def touch(self, session: Session, token: str, now: datetime | None = None) -> None:
        """Keep a draft alive while its pages are being read (the session's idle clock restarts too).

        The expiry moves only when it is more than ``TOUCH_GRANULARITY`` behind: a draft is kept at least
        the idle timeout less a minute after its last page, and most pages write nothing.
        """
        row_id = _row_id(token)
        expires = session.scalar(select(PortalDraft.expires_at).where(PortalDraft.id == row_id))
        if expires is not None:
            self._keep_alive(session, row_id, expires, now or utcnow())

    def _keep_alive(self, session: Session | Connection, row_id: str, expires_at: datetime, now: datetime) -> None:
        expires = now + self.idle
        if expires_at < expires - TOUCH_GRANULARITY:
            session.execute(_MOVE_EXPIRY, {"row_id": row_id, "expires": expires})

    def discard(self, session: Session, token: str) -> None:
        session.execute(delete(PortalDraft).where(PortalDraft.id == _row_id(token)))


def purge_expired(session: Session, now: datetime | None = None) -> int:
    result = session.execute(delete(PortalDraft).where(PortalDraft.expires_at <= (now or utcnow())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_abandoned(db: Database, upload_dir: str, encryption_keys: list[str], *,
                    orphan_after: timedelta = uploads.ORPHAN_AFTER) -> dict[str, int]:
    """Delete expired drafts, expired progress codes, uploads no submitted request claimed, and grants and
    sign-in counters a day past their end (``rights.tokens.purge``).

    Safe to run at any time and as often as wanted (the ``portal_cleanup`` job and ``rights portal cleanup``).
    """
    store = store_for(upload_dir, encryption_keys)
    now = utcnow()
    with db.transaction() as session:
        expired_drafts = purge_expired(session, now)
        codes = session.execute(delete(ProgressCode).where(ProgressCode.expires_at < now - timedelta(days=1)))
        orphans = uploads.purge_orphans(session, store, older_than=orphan_after, now=now)
        server_state = tokens.purge(session, now=now)
    return {"drafts": expired_drafts, "codes": int(codes.rowcount or 0), "uploads": orphans,  # type: ignore[attr-defined]
            **server_state}
