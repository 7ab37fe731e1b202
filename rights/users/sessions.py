"""Signed-in staff sessions, tracked on the server.

The cookie holds a random token; :class:`~rights.models.StaffSession` keyed by its hash is what makes it
valid. Sign-out, idle expiry, deactivation and a reset end the row, so a copied cookie dies at once.
Idle expiry is checked on every request: read alone (:func:`peek_session`) unless the check must write
(:func:`check_session`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from rights import audit
from rights.models import StaffSession, User, utcnow
from rights.tokens import token_id
from rights.users.accounts import UserError

LAST_SEEN_GRANULARITY = timedelta(seconds=60)  # idle tracking writes at most once a minute per session
#: Every staff page runs this: built once (building the statement cost more than running it).
_SESSION_AND_ACCOUNT = (select(StaffSession, User).outerjoin(User, User.id == StaffSession.user_id)
                        .where(StaffSession.id == bindparam("session_id")))


@dataclass(frozen=True)
class SessionCheck:
    user_id: int | None
    reason: str | None = None  # why the session is no longer valid: idle, ended, inactive, unknown
    #: The active account the session is for (when valid), read in the same transaction: the web layer hands
    #: it to Flask-Login instead of reading it again in a transaction of its own.
    user: User | None = None


def start_session(session: Session, user_id: int, *, ip: str | None = None, now: datetime | None = None) -> str:
    """Both factors passed: open a server-side session and return its token."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise UserError("No such user.")
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id=token_id(token), user_id=user_id, created_at=now, last_seen_at=now, ip=ip))
    audit.record(session, f"user:{user.id}", "auth.signed_in", target=user.email, ip=ip)
    return token


def peek_session(session: Session, token: str, idle: timedelta, *, now: datetime | None = None) -> SessionCheck | None:
    """The check of :func:`check_session` where it writes nothing, else None: then run that in a transaction.

    Why: every staff page checks its session, and on all but about one page a minute nothing changes (the last
    seen time moves at most once a minute; a session ends rarely). Read alone, the check needs no transaction
    of its own (``Database.reading``: no BEGIN and COMMIT round trips). None means the session's state calls
    for a write (the last seen time is due, or it must end as idle or inactive), which only
    :func:`check_session` makes.
    """
    opened = _open(session, token)
    if isinstance(opened, SessionCheck):
        return opened
    row, user = opened
    if _calls_for(row, user, idle, now or utcnow()) is None:
        return SessionCheck(row.user_id, user=user)
    return None


def check_session(session: Session, token: str, idle: timedelta, *, now: datetime | None = None,
                  ip: str | None = None) -> SessionCheck:
    """Is this session still valid? Ends it (audited) when idle too long or the account is deactivated."""
    now = now or utcnow()
    opened = _open(session, token)
    if isinstance(opened, SessionCheck):
        return opened
    row, user = opened
    calls_for = _calls_for(row, user, idle, now)
    if calls_for == "seen":
        row.last_seen_at = now
    elif calls_for is not None:
        _end(session, row, calls_for, now, ip)
        return SessionCheck(None, calls_for)
    return SessionCheck(row.user_id, user=user)


def _open(session: Session, token: str) -> tuple[StaffSession, User | None] | SessionCheck:
    """The token's open session and its account, read in one statement; else the answer for a token with no
    open session (unknown, or ended and why)."""
    found = session.execute(_SESSION_AND_ACCOUNT, {"session_id": token_id(token)}).first()
    if found is None:
        return SessionCheck(None, "unknown")
    row, user = found
    if row.ended_at is not None:
        return SessionCheck(None, row.end_reason or "ended")
    return row, user


def _calls_for(row: StaffSession, user: User | None, idle: timedelta, now: datetime) -> str | None:
    """What an open session's state calls for: None (valid, nothing to write), "seen" (valid, its last seen
    time is due to move) or why it ends ("inactive", "idle")."""
    if user is None or not user.active:
        return "inactive"
    if now - row.last_seen_at > idle:
        return "idle"
    if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
        return "seen"
    return None


def _end(session: Session, row: StaffSession, reason: str, now: datetime, ip: str | None) -> None:
    row.ended_at = now
    row.end_reason = reason
    action = {"signed_out": "auth.signed_out", "idle": "auth.idle_timeout"}.get(reason, "auth.session_ended")
    audit.record(session, f"user:{row.user_id}", action, target=f"user:{row.user_id}",
                 detail={"reason": reason}, ip=ip)


def end_session(session: Session, token: str, reason: str = "signed_out", *, ip: str | None = None) -> None:
    row = session.get(StaffSession, token_id(token))
    if row is not None and row.ended_at is None:
        _end(session, row, reason, utcnow(), ip)


def end_all_sessions(session: Session, user_id: int, reason: str) -> int:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["SessionCheck", "check_session", "end_all_sessions", "end_session", "peek_session", "start_session"]
