"""Staff accounts: creating them, (de)activating them, and the emailed link that sets a password.

Nobody but the account holder ever knows a password. A new account, and a password reset, both end in
an email to the holder with a single-use link to choose one (:func:`issue_link`); an administrator
never sees it. Who may cause such a link to be sent is :mod:`rights.users.changes` (two administrators)
or ``rights users`` on the server.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, privacy_notice, runtime, tokens
from rights.jobs import JobQueue
from rights.models import Role, User, utcnow
from rights.notify import queue_email
from rights.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 12
LINK_LIFETIME = timedelta(days=3)
#: The password hash of an account with no password yet: no argon2 hash verifies against it.
UNUSABLE = "!"
_COMMON = frozenset({"password1234", "passwordpassword", "123456789012", "qwertyuiopas", "letmein12345",
                     "welcome12345", "council12345", "password123!"})


class UserError(ValueError):
    """A staff-account operation was refused; the message is safe to show to an administrator."""


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
                services: list[str] | tuple[str, ...] = (), actor: str) -> User:
    """Create an account with no password yet: its holder sets one through an emailed link.

    The link is sent by whoever may send it: ``rights users create`` at once, the dashboard once a second
    administrator approves (:func:`rights.users.changes.request_change` with ``first_password``).
    """
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
                password_hash=UNUSABLE, mfa_enrolled=False, active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", target=f"user:{user.id}",
                 detail={"email": email, "role": role, "services": cleaned})
    return user


def get(session: Session, user_id: int, *, lock: bool = False) -> User:
    user = session.get(User, user_id, with_for_update=lock, populate_existing=lock)
    if user is None:
        raise UserError("No such user.")
    return user


def set_active(session: Session, user_id: int, active: bool, *, actor: str, ip: str | None = None) -> None:
    from rights.users.sessions import end_all_sessions

    user = get(session, user_id)
    if actor == f"user:{user_id}" and not active:
        raise UserError("You cannot deactivate your own account.")
    user.active = active
    if not active:
        end_all_sessions(session, user.id, "deactivated")
        tokens.end_for_user(session, user.id, ("signin", "device", "set_password"), "deactivated")
    audit.record(session, actor, "user.activated" if active else "user.deactivated", target=f"user:{user.id}",
                 ip=ip)


# --------------------------------------------------------------------------------------------------
# The set-password link


def staff_url(path: str) -> str:
    return f"{runtime.current().settings.public_base_url}/staff{path}"


def issue_link(session: Session, queue: JobQueue, user: User, *, new_account: bool, actor: str,
               ip: str | None = None) -> str:
    """Email the holder a single-use link to choose a password; earlier links stop working.

    Returns the link, for ``rights users ... --print-link`` (the server's operator setting up the first
    administrator before mail works); the dashboard never shows it.
    """
    tokens.end_for_user(session, user.id, ("set_password",), "superseded")
    token = tokens.issue(session, "set_password", user_id=user.id, ttl=LINK_LIFETIME)
    url = staff_url(f"/set-password/{token}")
    queue_email(session, queue, key=f"staff-set-password:{tokens.token_id(token)}", to=user.email,
                template="staff_set_password",
                context={"name": user.name, "url": url, "new_account": new_account,
                         "days": LINK_LIFETIME.days, "sign_in_url": staff_url("/sign-in")})
    audit.record(session, actor, "user.password_link_sent", target=f"user:{user.id}",
                 detail={"new_account": new_account, "expires_days": LINK_LIFETIME.days}, ip=ip)
    return url


def link_holder(session: Session, token: object) -> User | None:
    """Whose link this is, while it can still be used (the page asks for the password only then)."""
    grant = tokens.peek(session, token, "set_password")
    if grant is None or grant.user_id is None:
        return None
    user = session.get(User, grant.user_id)
    return user if user is not None and user.active else None


def set_password_with_link(session: Session, queue: JobQueue, token: object, new: str, *,
                           ip: str | None = None) -> User:
    """Set the holder's password and use the link up; a refused password leaves the link working.

    The holder is emailed that their password changed: if it was not them, they hear of it at once.
    """
    from rights.users.sessions import end_all_sessions

    grant = tokens.peek(session, token, "set_password", lock=True)
    user = (session.get(User, grant.user_id, with_for_update=True, populate_existing=True)
            if grant is not None and grant.user_id else None)
    if grant is None or user is None or not user.active:
        raise UserError("This link has expired or has already been used. Ask an administrator for a new one.")
    problem = password_problem(new, user.email)
    if problem:
        raise UserError(problem)
    if user.password_hash != UNUSABLE and verify_password(user.password_hash, new):
        raise UserError("Choose a password different from your current one.")
    user.password_hash = hash_password(new)
    grant.used_at, grant.end_reason = utcnow(), "used"
    end_all_sessions(session, user.id, "password_set")
    tokens.end_for_user(session, user.id, ("signin",), "password_set")
    audit.record(session, f"user:{user.id}", "auth.password_set", target=user.email, ip=ip)
    queue_email(session, queue, key=f"staff-password-set:{grant.id}", to=user.email, template="staff_password_set",
                context={"name": user.name, "sign_in_url": staff_url("/sign-in")})
    return user


__all__ = ["LINK_LIFETIME", "MIN_PASSWORD_LENGTH", "UNUSABLE", "UserError", "create_user", "get", "issue_link",
           "link_holder", "normalise_email", "password_problem", "set_active", "set_password_with_link",
           "staff_url", "validate_services"]
