"""Slowing down password and code guessing without letting anyone lock a member of staff out.

Why not the old lock (five failures locked the account for 15 minutes): anyone who knew an email address
could keep its owner out of Rights Desk for as long as they liked. Instead, failures are counted per key
and each key is slowed on its own, with a delay that doubles after a few free failures:

* **per address** (``ip:…``): one machine guessing at many accounts; up to 15 minutes at worst;
* **per typed email** (``email:<sha256>``): many machines guessing at one account; never more than a
  minute, so it stays a slowdown. The key is the same whether or not anyone has that address, so the
  delay says nothing about who works here, and it never holds the text typed;
* **per trusted device** (``device:…``): a browser that has completed a sign-in for this account before
  carries a device token (``rights.users.signin``). It is counted on its own and the address and email
  keys do not apply to it, so an attacker's failures elsewhere never slow the account's owner at their
  usual desk, even from the same office address.

A refusal does not count as a failure (that would let an attacker extend it forever), costs no argon2
hash, and says how long to wait. When a key passes its alert threshold within the hour, every active
administrator is emailed once and the users page shows it (:func:`recent`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights.jobs import JobQueue
from rights.models import Role, SignInThrottle, User, utcnow
from rights.notify import queue_email


@dataclass(frozen=True)
class Rule:
    """How one kind of key is slowed. Failures older than ``window`` are forgotten."""

    free: int  # failures within the window before any delay
    base: timedelta  # the delay after the first failure past ``free``; it doubles with each one after
    cap: timedelta  # the longest delay
    alert_at: int  # failures within the window that email the administrators (once per window)
    window: timedelta = timedelta(hours=1)


RULES: dict[str, Rule] = {
    "ip": Rule(free=20, base=timedelta(seconds=2), cap=timedelta(minutes=15), alert_at=40),
    "email": Rule(free=5, base=timedelta(seconds=2), cap=timedelta(minutes=1), alert_at=10),
    "device": Rule(free=5, base=timedelta(seconds=2), cap=timedelta(minutes=1), alert_at=10),
}


@dataclass(frozen=True)
class Key:
    key: str
    kind: str  # ip | email | device
    label: str  # what an administrator is shown


def delay(rule: Rule, failures: int) -> timedelta:
    """How long a key waits after its ``failures``-th failure in the window (pure; table-tested)."""
    over = failures - rule.free
    if over < 0:
        return timedelta(0)
    return min(rule.cap, rule.base * 2 ** min(over, 20))


def email_key(email: str, label: str) -> Key:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return Key(f"email:{digest}", "email", label)


def keys_for(email: str, label: str, ip: str | None, device: str | None) -> tuple[Key, ...]:
    """The keys one attempt counts against: a trusted device's own, or the address's and the email's."""
    if device:
        return (Key(f"device:{device[:64]}", "device", f"trusted device of {label}"),)
    keys = [email_key(email, label)]
    if ip:
        keys.insert(0, Key(f"ip:{ip[:45]}", "ip", ip[:45]))
    return tuple(keys)


def wait_for(session: Session, keys: tuple[Key, ...], *, now: datetime | None = None) -> timedelta | None:
    """How long this attempt must wait, or None: the longest block among its keys."""
    now = now or utcnow()
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_([k.key for k in keys]))).all()
    waits = [row.blocked_until - now for row in rows if row.blocked_until is not None and row.blocked_until > now]
    return max(waits) if waits else None


def _row(session: Session, key: Key, now: datetime) -> SignInThrottle:
    """The key's counter, locked; made on first use (a concurrent maker of the same key wins, we re-read)."""
    row = session.get(SignInThrottle, key.key, with_for_update=True, populate_existing=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = SignInThrottle(key=key.key, label=key.label[:254], failures=0, window_started_at=now,
                                 last_failure_at=now)
            session.add(row)
    except IntegrityError:
        row = session.get(SignInThrottle, key.key, with_for_update=True, populate_existing=True)
        assert row is not None
    return row


def record_failure(session: Session, queue: JobQueue | None, keys: tuple[Key, ...], *,
                   now: datetime | None = None) -> list[SignInThrottle]:
    """Count one failure against every key; block those past their free failures; alert when due.

    Returns the counters that reached their alert threshold just now (the caller audits them).
    """
    now = now or utcnow()
    alerted = []
    for key in sorted(keys, key=lambda k: k.key):  # one lock order, so two failures never deadlock
        rule = RULES[key.kind]
        row = _row(session, key, now)
        if now - row.window_started_at > rule.window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        row.last_failure_at = now
        row.label = key.label[:254]
        wait = delay(rule, row.failures)
        row.blocked_until = now + wait if wait else None
        if row.failures >= rule.alert_at and (row.alerted_at is None or row.alerted_at < row.window_started_at):
            row.alerted_at = now
            alerted.append(row)
            if queue is not None:
                _alert_administrators(session, queue, row, rule)
    return alerted


def clear(session: Session, key: Key) -> None:
    """A trusted device that completed a sign-in starts afresh (its failures were its owner's typos)."""
    row = session.get(SignInThrottle, key.key, with_for_update=True, populate_existing=True)
    if row is not None:
        row.failures, row.blocked_until = 0, None


def recent(session: Session, *, now: datetime | None = None) -> list[SignInThrottle]:
    """Counters past their alert threshold within the last hour, worst first: the users page's notice."""
    now = now or utcnow()
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.last_failure_at > now - timedelta(hours=1))
                           .order_by(SignInThrottle.failures.desc())).all()
    return [row for row in rows if row.failures >= RULES[row.key.split(":", 1)[0]].alert_at]


def _alert_administrators(session: Session, queue: JobQueue, row: SignInThrottle, rule: Rule) -> None:
    admins = session.scalars(select(User).where(User.role == Role.ADMIN.value, User.active.is_(True))
                             .order_by(User.id)).all()
    kind = row.key.split(":", 1)[0]
    what = {"ip": "from the address", "email": "for the account", "device": "from the"}[kind]
    for admin in admins:
        queue_email(session, queue, key=f"sign-in-alert:{row.key}:{row.window_started_at.isoformat()}:{admin.id}",
                    to=admin.email, template="staff_sign_in_alert",
                    context={"name": admin.name, "failures": row.failures, "what": f"{what} {row.label}",
                             "minutes": int(rule.window.total_seconds() // 60),
                             "longest": _minutes(rule.cap)})


def _minutes(span: timedelta) -> str:
    minutes = max(1, int(span.total_seconds() // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


__all__ = ["RULES", "Key", "Rule", "clear", "delay", "email_key", "keys_for", "recent", "record_failure", "wait_for"]
