"""Staff accounts: creation, sign-in with a password and a TOTP code, lockout, sessions and resets.

Why it is shaped like this:

* **Two factors for everyone.** A password (argon2) alone never signs anyone in; every account enrols
  a TOTP authenticator on first sign-in. A code's time step is remembered (``last_totp_step``) so a code
  seen over someone's shoulder cannot be replayed, even within its 30-second window.
* **One answer for every failure.** Wrong password, unknown email, locked or deactivated account all
  produce the same :data:`GENERIC_FAILURE` (and an unknown email still costs an argon2 hash), so the
  sign-in page cannot be used to find out who works here. Five failures (password or code) lock the
  account for 15 minutes; each failure and each lock is audited.
* **Server-side sessions.** The cookie holds a random token; :class:`~rights.models.StaffSession` keyed
  by its hash is what makes it valid. Sign-out, idle expiry and an administrator's reset end the row,
  so a copied cookie dies at once. Idle expiry is checked on every request (:func:`check_session`).
* **Issued passwords are single-use.** Passwords made by ``rights users create`` or an administrator's
  reset must be replaced at first sign-in (:class:`~rights.models.IssuedPassword`), and expire unused.

No Flask here: the views in ``rights/web/auth.py`` and ``rights/web/dashboard/admin.py`` and the
``rights users`` commands all call these functions.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rights import audit, privacy_notice
from rights.models import IssuedPassword, Role, StaffSession, User, utcnow
from rights.security import cipher_for, hash_password, password_needs_rehash, verify_password

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
ISSUED_PASSWORD_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Rights Desk"
TOTP_WINDOW = 1  # accept the previous and next 30-second step, for clock drift
LAST_SEEN_GRANULARITY = timedelta(seconds=60)  # idle tracking writes at most once a minute per session
GENERIC_FAILURE = "Enter a correct email address and password. If you have tried several times, wait 15 minutes."
GENERIC_CODE_FAILURE = "Enter a correct security code from your authenticator app."
_UNUSABLE = "!"  # replaced at once by the issued password; no hash verifies against it
_COMMON = frozenset({"password1234", "passwordpassword", "123456789012", "qwertyuiopas", "letmein12345",
                     "welcome12345", "council12345", "password123!"})


class UserError(ValueError):
    """A staff-account operation was refused; the message is safe to show to an administrator."""


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    user_id: int | None = None
    next_step: str | None = None  # "enrol" (no authenticator yet) or "code"
    message: str | None = None


@dataclass(frozen=True)
class SessionCheck:
    user_id: int | None
    reason: str | None = None  # why the session is no longer valid: idle, ended, inactive, unknown


@functools.cache
def _dummy_hash() -> str:
    """A hash to spend time on for unknown emails, so response time does not say who has an account."""
    return hash_password(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str = "") -> str | None:
    """Why a chosen password is not acceptable, or None (NCSC: length over complexity rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Your password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if len(password) > 200:
        return "Your password must be 200 characters or fewer."
    if password.lower() in _COMMON or len(set(password)) < 4:
        return "Choose a password that is harder to guess."
    if email and normalise_email(email).split("@")[0] in password.lower():
        return "Your password must not contain your email address."
    return None


def _issue_password(session: Session, user: User, issued_by: str, now: datetime) -> str:
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.password_hash = hash_password(password)
    existing = session.get(IssuedPassword, user.id)
    if existing is None:
        session.add(IssuedPassword(user_id=user.id, issued_by=issued_by, issued_at=now,
                                   expires_at=now + ISSUED_PASSWORD_LIFETIME))
    else:
        existing.issued_by, existing.issued_at = issued_by, now
        existing.expires_at = now + ISSUED_PASSWORD_LIFETIME
    return password


def validate_services(role: str, services: list[str] | tuple[str, ...]) -> list[str]:
    """Record holders must name the services they hold records for; other roles hold none."""
    known = {s.key for s in privacy_notice.load().services}
    cleaned = sorted({s.strip() for s in services if s.strip()})
    unknown = [s for s in cleaned if s not in known]
    if unknown:
        raise UserError(f"Unknown service(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")
    if role == Role.RECORD_HOLDER.value and not cleaned:
        raise UserError("A record holder needs at least one service.")
    if role != Role.RECORD_HOLDER.value and cleaned:
        raise UserError("Only record holders are limited to services; leave services empty for this role.")
    return cleaned


def create_user(session: Session, *, email: str, role: str, name: str | None = None,
                services: list[str] | tuple[str, ...] = (), actor: str, now: datetime | None = None,
                ) -> tuple[User, str]:
    """Create an account and return it with a one-time password the person must change at first sign-in."""
    now = now or utcnow()
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError("Enter a valid email address.")
    try:
        role = Role(role).value
    except ValueError:
        raise UserError(f"Role must be one of {', '.join(r.value for r in Role)}.") from None
    cleaned = validate_services(role, services)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise UserError("An account with that email address already exists.")
    user = User(email=email, name=(name or email.split("@")[0]).strip()[:200], role=role, services=cleaned,
                password_hash=_UNUSABLE, mfa_enrolled=False, active=True, failed_logins=0)
    session.add(user)
    session.flush()
    password = _issue_password(session, user, actor, now)
    audit.record(session, actor, "user.created", target=f"user:{user.id}",
                 detail={"email": email, "role": role, "services": cleaned})
    return user, password


# --------------------------------------------------------------------------------------------------
# Sign-in


def _locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _fail(session: Session, user: User, now: datetime, what: str, ip: str | None) -> None:
    """Count a failure (password or code); lock the account at the fifth."""
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(session, f"user:{user.id}", "auth.failed", target=user.email, detail={"step": what,
                 "failures": user.failed_logins}, ip=ip)
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0
        audit.record(session, f"user:{user.id}", "auth.locked", target=user.email,
                     detail={"until": user.locked_until.isoformat()}, ip=ip)


def unknown_target(typed: str) -> str:
    """What the audit trail keeps of a sign-in with an address nobody has: its domain, never the text.

    The trail is append-only and kept for years, and people type passwords into the email box; the
    domain is enough to see a campaign against the council (``unknown@council.example``).
    """
    local, at, domain = typed.rpartition("@")
    if not (at and local) or len(domain) > 253 or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
        return "unknown"
    return f"unknown@{domain}"


def check_password(session: Session, email: str, password: str, *, ip: str | None = None,
                   now: datetime | None = None) -> SignInResult:
    """First factor. Every failure gives the same message, whatever the reason."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    user = session.scalars(select(User).where(func.lower(User.email) == email).with_for_update()).first()
    if user is None:
        verify_password(_dummy_hash(), password)
        audit.record(session, "anonymous", "auth.failed", target=unknown_target(email),
                     detail={"step": "password", "known": False}, ip=ip)
        return SignInResult(False, message=GENERIC_FAILURE)
    if not user.active or _locked(user, now):
        verify_password(_dummy_hash(), password)
        audit.record(session, f"user:{user.id}", "auth.failed", target=email,
                     detail={"step": "password", "locked": _locked(user, now), "active": user.active}, ip=ip)
        return SignInResult(False, message=GENERIC_FAILURE)
    if not verify_password(user.password_hash, password):
        _fail(session, user, now, "password", ip)
        return SignInResult(False, message=GENERIC_FAILURE)
    issued = session.get(IssuedPassword, user.id)
    if issued is not None and issued.expires_at < now:
        audit.record(session, f"user:{user.id}", "auth.failed", target=email,
                     detail={"step": "password", "issued_password_expired": True}, ip=ip)
        return SignInResult(False, message=GENERIC_FAILURE)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, f"user:{user.id}", "auth.password_ok", target=email, ip=ip)
    return SignInResult(True, user_id=user.id, next_step="code" if user.mfa_enrolled else "enrol")


def totp_secret(user: User, keys: list[str]) -> str | None:
    return cipher_for(keys).decrypt(user.totp_secret_enc).decode() if user.totp_secret_enc else None


def enrolment(session: Session, user_id: int, keys: list[str]) -> tuple[str, str]:
    """The secret and otpauth:// URI to show as a QR code; made once and kept until enrolment succeeds."""
    user = session.get(User, user_id)
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


def check_code(session: Session, user_id: int, code: str, keys: list[str], *, ip: str | None = None,
               now: datetime | None = None) -> SignInResult:
    """Second factor: a TOTP code from a step later than any used before (no replay)."""
    now = now or utcnow()
    user = session.get(User, user_id, with_for_update=True)
    if user is None or not user.active or _locked(user, now):
        return SignInResult(False, message=GENERIC_CODE_FAILURE)
    secret = totp_secret(user, keys)
    step = matching_step(secret, code, now) if secret else None
    if step is None or (user.last_totp_step is not None and step <= user.last_totp_step):
        _fail(session, user, now, "code" if step is None else "code_replayed", ip)
        return SignInResult(False, message=GENERIC_CODE_FAILURE)
    user.last_totp_step = step
    if not user.mfa_enrolled:
        user.mfa_enrolled = True
        audit.record(session, f"user:{user.id}", "auth.mfa_enrolled", target=user.email, ip=ip)
    return SignInResult(True, user_id=user.id,
                        next_step="password" if must_change_password(session, user.id) else None)


def must_change_password(session: Session, user_id: int) -> bool:
    return session.get(IssuedPassword, user_id) is not None


def change_password(session: Session, user_id: int, current: str, new: str, *, ip: str | None = None) -> None:
    """Replace a password (an issued one at first sign-in, or one's own); refuses the current one again."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise UserError("This account cannot change its password.")
    if not verify_password(user.password_hash, current):
        raise UserError("Your current password is wrong.")
    problem = password_problem(new, user.email)
    if problem:
        raise UserError(problem)
    if verify_password(user.password_hash, new):
        raise UserError("Choose a password different from your current one.")
    user.password_hash = hash_password(new)
    issued = session.get(IssuedPassword, user_id)
    if issued is not None:
        session.delete(issued)
    audit.record(session, f"user:{user.id}", "auth.password_changed", target=user.email, ip=ip)


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user_id: int, *, ip: str | None = None, now: datetime | None = None) -> str:
    """Both factors passed: clear the failure count, open a server-side session, return its token."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise UserError("No such user.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_token_id(token), user_id=user_id, created_at=now, last_seen_at=now, ip=ip))
    audit.record(session, f"user:{user.id}", "auth.signed_in", target=user.email, ip=ip)
    return token


def check_session(session: Session, token: str, idle: timedelta, *, now: datetime | None = None,
                  ip: str | None = None) -> SessionCheck:
    """Is this session still valid? Ends it (audited) when idle too long or the account is deactivated."""
    now = now or utcnow()
    row = session.get(StaffSession, _token_id(token))
    if row is None:
        return SessionCheck(None, "unknown")
    if row.ended_at is not None:
        return SessionCheck(None, row.end_reason or "ended")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        _end(session, row, "inactive", now, ip)
        return SessionCheck(None, "inactive")
    if now - row.last_seen_at > idle:
        _end(session, row, "idle", now, ip)
        return SessionCheck(None, "idle")
    if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
    return SessionCheck(row.user_id)


def _end(session: Session, row: StaffSession, reason: str, now: datetime, ip: str | None) -> None:
    row.ended_at = now
    row.end_reason = reason
    action = {"signed_out": "auth.signed_out", "idle": "auth.idle_timeout"}.get(reason, "auth.session_ended")
    audit.record(session, f"user:{row.user_id}", action, target=f"user:{row.user_id}",
                 detail={"reason": reason}, ip=ip)


def end_session(session: Session, token: str, reason: str = "signed_out", *, ip: str | None = None) -> None:
    row = session.get(StaffSession, _token_id(token))
    if row is not None and row.ended_at is None:
        _end(session, row, reason, utcnow(), ip)


def end_all_sessions(session: Session, user_id: int, reason: str) -> int:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --------------------------------------------------------------------------------------------------
# Administration


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserError("No such user.")
    return user


def reset_password(session: Session, user_id: int, *, actor: str, ip: str | None = None) -> str:
    """Issue a new one-time password, unlock the account and sign it out everywhere."""
    user = _get(session, user_id)
    now = utcnow()
    password = _issue_password(session, user, actor, now)
    user.failed_logins, user.locked_until = 0, None
    end_all_sessions(session, user.id, "password_reset")
    audit.record(session, actor, "user.password_reset", target=f"user:{user.id}", ip=ip)
    return password


def reset_mfa(session: Session, user_id: int, *, actor: str, ip: str | None = None) -> None:
    """Forget the authenticator (lost phone): the person enrols a new one at next sign-in."""
    user = _get(session, user_id)
    user.totp_secret_enc = None
    user.mfa_enrolled = False
    user.last_totp_step = None
    end_all_sessions(session, user.id, "mfa_reset")
    audit.record(session, actor, "user.mfa_reset", target=f"user:{user.id}", ip=ip)


def set_active(session: Session, user_id: int, active: bool, *, actor: str, ip: str | None = None) -> None:
    user = _get(session, user_id)
    if actor == f"user:{user_id}" and not active:
        raise UserError("You cannot deactivate your own account.")
    user.active = active
    if not active:
        end_all_sessions(session, user.id, "deactivated")
    audit.record(session, actor, "user.activated" if active else "user.deactivated", target=f"user:{user.id}",
                 ip=ip)


def unlock(session: Session, user_id: int, *, actor: str, ip: str | None = None) -> None:
    user = _get(session, user_id)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.unlocked", target=f"user:{user.id}", ip=ip)


__all__ = [
    "GENERIC_FAILURE",
    "LOCKOUT",
    "MAX_FAILURES",
    "SessionCheck",
    "SignInResult",
    "UserError",
    "change_password",
    "check_code",
    "check_password",
    "check_session",
    "create_user",
    "end_all_sessions",
    "end_session",
    "enrolment",
    "matching_step",
    "must_change_password",
    "password_problem",
    "reset_mfa",
    "reset_password",
    "set_active",
    "start_session",
    "unlock",
]
