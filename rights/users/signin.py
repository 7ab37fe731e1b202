"""Signing in: a password, then a TOTP code (enrolled by QR code the first time), held on the server between.

* **Two factors for everyone.** A password (argon2) alone never signs anyone in. A code's time step is
  remembered (``last_totp_step``) so a code seen over someone's shoulder cannot be replayed.
* **The step between is a server-side grant.** After the password, the browser gets a random token for a
  ``signin`` grant (:mod:`rights.tokens`) that names the account, the next step (``code`` or ``enrol``) and
  lasts ten minutes. The code step uses it up under a row lock, so a cookie copied after the password
  step cannot open a second session with the next code, and nothing about it can be forged with the
  secret key. Five wrong codes end it: back to the password.
* **One answer for every failure.** Wrong password, unknown email, deactivated account or one with no
  password yet all produce :data:`GENERIC_FAILURE` after the same argon2 work, so the page cannot be
  used to find out who works here. Failures slow the address, the typed email or the trusted device
  (:mod:`rights.users.throttle`); nothing locks an account.
* **Trusted devices.** A completed sign-in leaves a ``device`` grant (90 days) in its own cookie; the
  throttle counts that browser apart from everyone else, so nobody can slow the owner at their own desk.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, tokens
from rights.jobs import JobQueue
from rights.models import Grant, User, utcnow
from rights.security import cipher_for, hash_password, password_needs_rehash, verify_password
from rights.users import throttle
from rights.users.accounts import UNUSABLE, UserError, normalise_email

TOTP_ISSUER = "Rights Desk"
TOTP_WINDOW = 1  # accept the previous and next 30-second step, for clock drift
PENDING_LIFETIME = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5
DEVICE_LIFETIME = timedelta(days=90)
GENERIC_FAILURE = "Enter a correct email address and password."
GENERIC_CODE_FAILURE = "Enter a correct security code from your authenticator app."
RESTART = "Your sign-in has ended. Enter your email address and password again."


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    user_id: int | None = None
    next_step: str | None = None  # after the password: "enrol" (no authenticator yet) or "code"
    message: str | None = None
    pending: str | None = None  # the token of the pending sign-in (after the password)
    next_url: str | None = None  # where to go once signed in (after the code)
    wait: timedelta | None = None  # slowed down: how long before the next try
    restart: bool = False  # the pending sign-in is over: start again with the password


def wait_message(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    when = ("1 second" if seconds == 1 else f"{seconds} seconds") if seconds < 90 else f"{(seconds + 59) // 60} minutes"
    return f"There have been too many attempts to sign in. Wait {when} and try again."


@functools.cache
def _dummy_hash() -> str:
    """A hash to spend time on when there is no password to check, so timing does not say who has one."""
    return hash_password(secrets.token_urlsafe(16))


def unknown_target(typed: str) -> str:
    """What the audit trail keeps of a sign-in with an address nobody has: its domain, never the text.

    The trail is append-only and kept for years, and people type passwords into the email box; the
    domain is enough to see a campaign against the council (``unknown@council.example``).
    """
    local, at, domain = typed.rpartition("@")
    if not (at and local) or len(domain) > 253 or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
        return "unknown"
    return f"unknown@{domain}"


def _pack(keys: tuple[throttle.Key, ...]) -> list[list[str]]:
    return [[k.key, k.kind, k.label] for k in keys]


def _unpack(grant: Grant) -> tuple[throttle.Key, ...]:
    return tuple(throttle.Key(*k) for k in (grant.data or {}).get("keys", []))


def trusted_device(session: Session, device: object, user: User | None) -> str | None:
    """The device grant's id if this browser's device token belongs to ``user``; otherwise None."""
    grant = tokens.peek(session, device, "device") if user is not None and device else None
    return grant.id if grant is not None and user is not None and grant.user_id == user.id else None


def _failed(session: Session, queue: JobQueue | None, keys: tuple[throttle.Key, ...], actor: str, target: str,
            detail: dict[str, Any], ip: str | None, now: datetime) -> None:
    for row in throttle.record_failure(session, queue, keys, now=now):
        audit.record(session, "system", "auth.throttle_alert", target=row.label,
                     detail={"key": row.key.split(":", 1)[0], "failures": row.failures}, ip=ip)
    audit.record(session, actor, "auth.failed", target=target, detail=detail, ip=ip)


def _throttled(session: Session, keys: tuple[throttle.Key, ...], actor: str, target: str, step: str,
               ip: str | None, now: datetime) -> SignInResult | None:
    wait = throttle.wait_for(session, keys, now=now)
    if wait is None:
        return None
    audit.record(session, actor, "auth.throttled", target=target,
                 detail={"step": step, "wait_seconds": int(wait.total_seconds() + 0.999)}, ip=ip)
    return SignInResult(False, message=wait_message(wait), wait=wait)


def check_password(session: Session, queue: JobQueue | None, email: str, password: str, *, ip: str | None = None,
                   device: object = None, next_url: str | None = None, now: datetime | None = None) -> SignInResult:
    """First factor. Every failure gives the same message after the same work, whatever the reason."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    user = session.scalars(select(User).where(func.lower(User.email) == email)).first()
    actor, target = (f"user:{user.id}", email) if user is not None else ("anonymous", unknown_target(email))
    keys = throttle.keys_for(email, f"user:{user.id}" if user else target, ip, trusted_device(session, device, user))
    refused = _throttled(session, keys, actor, target, "password", ip, now)
    if refused is not None:
        return refused
    usable = user is not None and user.active and user.password_hash != UNUSABLE
    if not verify_password(user.password_hash if usable and user else _dummy_hash(), password) or not usable:
        detail = {"step": "password", "known": user is not None}
        if user is not None:
            detail.update(active=user.active, has_password=user.password_hash != UNUSABLE)
        _failed(session, queue, keys, actor, target, detail, ip, now)
        return SignInResult(False, message=GENERIC_FAILURE)
    assert user is not None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    step = "code" if user.mfa_enrolled else "enrol"
    pending = tokens.issue(session, "signin", user_id=user.id, scope=step, ttl=PENDING_LIFETIME, now=now,
                           data={"next": next_url, "keys": _pack(keys)})
    audit.record(session, actor, "auth.password_ok", target=email, ip=ip)
    return SignInResult(True, user_id=user.id, next_step=step, pending=pending)


def pending(session: Session, token: object, step: str, *, now: datetime | None = None) -> Grant | None:
    """The pending sign-in this token holds, if it is at ``step`` and still open."""
    return tokens.peek(session, token, "signin", scope=step, now=now)


def totp_secret(user: User, keys: list[str]) -> str | None:
    return cipher_for(keys).decrypt(user.totp_secret_enc).decode() if user.totp_secret_enc else None


def enrolment(session: Session, token: object, keys: list[str]) -> tuple[str, str]:
    """The secret and otpauth:// URI to show as a QR code; made once and kept until enrolment succeeds."""
    grant = pending(session, token, "enrol")
    user = session.get(User, grant.user_id) if grant is not None and grant.user_id else None
    if user is None or user.mfa_enrolled:
        raise UserError("This account already has an authenticator.")
    secret = totp_secret(user, keys)
    if secret is None:
        secret = pyotp.random_base32(32)
        user.totp_secret_enc = cipher_for(keys).encrypt(secret.encode())
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    return secret, uri


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second time step whose code equals ``code`` (within the drift window), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(session: Session, queue: JobQueue | None, token: object, code: str, keys: list[str], *,
               ip: str | None = None, now: datetime | None = None) -> SignInResult:
    """Second factor: a TOTP code from a step later than any used before, once per pending sign-in."""
    now = now or utcnow()
    grant = tokens.peek(session, token, "signin", scope=("code", "enrol"), now=now, lock=True)
    user = (session.get(User, grant.user_id, with_for_update=True, populate_existing=True)
            if grant is not None and grant.user_id else None)
    if grant is None or user is None or not user.active or (grant.scope == "enrol") == user.mfa_enrolled:
        if grant is not None:
            grant.used_at, grant.end_reason = now, "stale"
        return SignInResult(False, message=RESTART, restart=True)
    throttle_keys = _unpack(grant)
    refused = _throttled(session, throttle_keys, f"user:{user.id}", user.email, "code", ip, now)
    if refused is not None:
        return refused
    secret = totp_secret(user, keys)
    step = matching_step(secret, code, now) if secret else None
    if step is None or (user.last_totp_step is not None and step <= user.last_totp_step):
        grant.attempts += 1
        _failed(session, queue, throttle_keys, f"user:{user.id}", user.email,
                {"step": "code" if step is None else "code_replayed", "attempt": grant.attempts}, ip, now)
        if grant.attempts >= MAX_CODE_ATTEMPTS:
            grant.used_at, grant.end_reason = now, "attempts"
            return SignInResult(False, message=RESTART, restart=True)
        return SignInResult(False, message=GENERIC_CODE_FAILURE)
    grant.used_at, grant.end_reason = now, "used"
    user.last_totp_step = step
    if not user.mfa_enrolled:
        user.mfa_enrolled = True
        audit.record(session, f"user:{user.id}", "auth.mfa_enrolled", target=user.email, ip=ip)
    for key in throttle_keys:
        if key.kind == "device":
            throttle.clear(session, key)
    return SignInResult(True, user_id=user.id, next_url=(grant.data or {}).get("next"))


def trust_device(session: Session, user_id: int, previous: object = None, *, now: datetime | None = None) -> str:
    """A new device token for the browser that just signed in; the one it presented stops working."""
    old = tokens.peek(session, previous, "device", now=now) if previous else None
    if old is not None and old.user_id == user_id:
        old.used_at, old.end_reason = now or utcnow(), "renewed"
    return tokens.issue(session, "device", user_id=user_id, ttl=DEVICE_LIFETIME, now=now)


__all__ = ["DEVICE_LIFETIME", "GENERIC_CODE_FAILURE", "GENERIC_FAILURE", "MAX_CODE_ATTEMPTS", "PENDING_LIFETIME",
           "SignInResult", "check_code", "check_password", "enrolment", "matching_step", "pending", "totp_secret",
           "trust_device", "trusted_device", "unknown_target", "wait_message"]
