"""Grants a browser holds by a random token, kept on the server: single-use, short-lived, unforgeable.

Why this exists: sign-in between the password and the code, the authenticator set-up, and a requester's
access to their progress page or download once used to live in the signed session cookie. Anyone who
knows the secret key (the development one is public) could write such a cookie, and a cookie copied
after the password step opened a second session with the next code. Now the cookie carries only a random
token; the :class:`~rights.models.Grant` row keyed by its SHA-256 says what it allows, until when, and
whether it has been used. A stolen table row is no use without the token.

Three ways to use a grant:

* :func:`peek` reads it (a page showing a form);
* :func:`take` uses it up, once, under a row lock (a code accepted, a password set): two requests
  racing with the same token get one success between them;
* :func:`rotate` uses it up and hands back a successor token with the same rights and the same end
  (a requester moving between progress pages). The tokens of one grant share a ``family``: when a spent
  token comes back, someone else has a copy of it, and the whole family ends for both holders.

No Flask here; the views keep tokens in the session and call these functions.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rights.models import Grant, SignInThrottle, utcnow

#: What a grant allows. A token made for one purpose is worthless for every other.
PURPOSES = frozenset({"signin", "device", "set_password", "progress", "download"})
MAX_TOKEN_LENGTH = 100  # ``secrets.token_urlsafe(32)`` is 43 characters; anything longer is not ours


def token_id(token: str) -> str:
    """The row key for a token: its SHA-256, so the table alone cannot be used to act as anyone."""
    return hashlib.sha256(token.encode()).hexdigest()


def _usable(row: Grant | None, purpose: str, now: datetime, scope: str | tuple[str, ...] | None) -> bool:
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        return False
    if scope is None:
        return True
    return row.scope in ((scope,) if isinstance(scope, str) else scope)


def _row(session: Session, token: object, *, lock: bool) -> Grant | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.get(Grant, token_id(token), with_for_update=lock, populate_existing=lock)


def issue(session: Session, purpose: str, *, ttl: timedelta | None = None, expires_at: datetime | None = None,
          user_id: int | None = None, request_id: int | None = None, scope: str | None = None,
          data: dict[str, Any] | None = None, family: str | None = None, now: datetime | None = None) -> str:
    """Store a new grant and return its token (shown to the browser once, never stored)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown grant purpose {purpose!r}")
    now = now or utcnow()
    if expires_at is None:
        if ttl is None:
            raise ValueError("a grant needs a lifetime")
        expires_at = now + ttl
    token = secrets.token_urlsafe(32)
    session.add(Grant(id=token_id(token), purpose=purpose, family=family or secrets.token_hex(16),
                      user_id=user_id, request_id=request_id, scope=scope, data=dict(data or {}),
                      attempts=0, created_at=now, expires_at=expires_at))
    session.flush()
    return token


def peek(session: Session, token: object, purpose: str, *, scope: str | tuple[str, ...] | None = None,
         now: datetime | None = None, lock: bool = False) -> Grant | None:
    """The grant, if the token is one of ours for this purpose (and scope), unused and unexpired."""
    row = _row(session, token, lock=lock)
    return row if _usable(row, purpose, now or utcnow(), scope) else None


def take(session: Session, token: object, purpose: str, *, scope: str | tuple[str, ...] | None = None,
         now: datetime | None = None) -> Grant | None:
    """Use the grant up, once: the row is locked, so of two requests with one token only one succeeds."""
    now = now or utcnow()
    row = peek(session, token, purpose, scope=scope, now=now, lock=True)
    if row is not None:
        row.used_at, row.end_reason = now, "used"
    return row


class Rotation(enum.Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown, expired, ended, or for another purpose: nothing to say about it
    REUSED = "reused"  # a token already handed on came back: a copy exists; the family is ended


@dataclass(frozen=True)
class Rotated:
    outcome: Rotation
    grant: Grant | None = None
    token: str | None = None


def rotate(session: Session, token: object, purpose: str, *, scope: str | tuple[str, ...] | None = None,
           now: datetime | None = None) -> Rotated:
    """Use the token up and return a successor with the same rights and the same expiry."""
    now = now or utcnow()
    row = _row(session, token, lock=True)
    if row is None or row.purpose != purpose:
        return Rotated(Rotation.INVALID)
    if row.used_at is not None and row.end_reason == "rotated":
        end_family(session, row.family, "reused", now=now)
        return Rotated(Rotation.REUSED, row)
    if not _usable(row, purpose, now, scope):
        return Rotated(Rotation.INVALID)
    row.used_at, row.end_reason = now, "rotated"
    successor = issue(session, purpose, expires_at=row.expires_at, user_id=row.user_id, request_id=row.request_id,
                      scope=row.scope, data=row.data, family=row.family, now=now)
    return Rotated(Rotation.OK, row, successor)


def end(session: Session, token: object, purpose: str, reason: str = "ended", *, now: datetime | None = None) -> None:
    """End a grant and every token handed on from it (signing out of the progress page, say)."""
    row = _row(session, token, lock=False)
    if row is not None and row.purpose == purpose:
        end_family(session, row.family, reason, now=now)


def end_family(session: Session, family: str, reason: str, *, now: datetime | None = None) -> int:
    result = session.execute(update(Grant).where(Grant.family == family, Grant.used_at.is_(None))
                             .values(used_at=now or utcnow(), end_reason=reason[:20]))
    return int(getattr(result, "rowcount", 0) or 0)


def end_for_user(session: Session, user_id: int, purposes: tuple[str, ...], reason: str, *,
                 now: datetime | None = None) -> int:
    """End a member of staff's open grants of these purposes (a reset ends pending sign-ins and links)."""
    result = session.execute(update(Grant).where(Grant.user_id == user_id, Grant.purpose.in_(purposes),
                                                 Grant.used_at.is_(None))
                             .values(used_at=now or utcnow(), end_reason=reason[:20]))
    return int(getattr(result, "rowcount", 0) or 0)


def open_for_user(session: Session, user_id: int, purpose: str, *, now: datetime | None = None) -> list[Grant]:
    now = now or utcnow()
    return list(session.scalars(select(Grant).where(Grant.user_id == user_id, Grant.purpose == purpose,
                                                    Grant.used_at.is_(None), Grant.expires_at > now)))


def purge(session: Session, *, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> dict[str, int]:
    """Delete grants a day past their end, and sign-in counters nobody has added to for a day.

    Part of the portal's daily clean-up (``rights portal cleanup``); safe at any time.
    """
    cutoff = (now or utcnow()) - keep
    grants = session.execute(delete(Grant).where(Grant.expires_at < cutoff))
    counters = session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < cutoff))
    return {"grants": int(getattr(grants, "rowcount", 0) or 0),
            "sign_in_counters": int(getattr(counters, "rowcount", 0) or 0)}


__all__ = ["PURPOSES", "Rotated", "Rotation", "end", "end_family", "end_for_user", "issue", "open_for_user", "peek",
           "purge", "rotate", "take", "token_id"]
