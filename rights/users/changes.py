"""Account changes that could let someone into another person's account need two administrators.

A password reset, an authenticator (MFA) reset, and the link that sets a new account's first password are
all *asked for* by one administrator (:func:`request_change`) and *made* only when a different one
approves (:func:`approve`), within three days. Why both steps: an administrator who could reset an
officer's password and authenticator alone, and read the officer's mailbox (many can), could sign in as
the officer and open case files. The rule covers administrators' accounts too, or one administrator
could take over another's and approve their own requests (:func:`rights.permissions.approval_refusal`).

The account holder is emailed when a reset is asked for (so a reset they did not expect is noticed
before it happens) and when it is made (the set-password link, or "your authenticator was reset").
Nobody is ever shown a password. ``rights users reset-password`` and ``reset-mfa`` on the server apply a
change at once (:func:`apply_now`): whoever runs them already holds the database and its keys.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, tokens
from rights.jobs import JobQueue
from rights.models import AccountChange, User, utcnow
from rights.notify import queue_email
from rights.permissions import approval_refusal
from rights.users.accounts import UNUSABLE, UserError, get, issue_link, staff_url
from rights.users.sessions import end_all_sessions

#: What each kind of change does, in the words the pages and emails use.
KINDS: dict[str, str] = {
    "first_password": "send the link to choose a first password",
    "password": "reset the password",
    "mfa": "reset the authenticator app",
}
#: The same, as the account holder's email says it.
YOUR = {"password": "reset your password", "mfa": "reset your authenticator app"}
APPROVAL_LIFETIME = timedelta(days=3)


class ApprovalRefused(UserError):
    """The two-person rule refused an approval; the caller audits it in a transaction of its own."""


def open_change(session: Session, user_id: int, kind: str | None = None, *,
                now: datetime | None = None) -> AccountChange | None:
    """The change of this kind (or any) still waiting for approval on this account, if there is one."""
    query = select(AccountChange).where(AccountChange.user_id == user_id, AccountChange.status == "pending",
                                        AccountChange.expires_at > (now or utcnow()))
    if kind is not None:
        query = query.where(AccountChange.kind == kind)
    return session.scalars(query.order_by(AccountChange.id)).first()


def request_change(session: Session, queue: JobQueue, user_id: int, kind: str, *, actor: str,
                   ip: str | None = None, now: datetime | None = None) -> AccountChange:
    """Ask for a change; nothing happens to the account until a different administrator approves it."""
    now = now or utcnow()
    if kind not in KINDS:
        raise UserError("Unknown kind of change.")
    user = get(session, user_id, lock=True)
    if actor == f"user:{user.id}":
        raise UserError("Ask another administrator to reset your own account.")
    if not user.active:
        raise UserError("Reactivate the account first.")
    if kind == "first_password" and user.password_hash != UNUSABLE:
        raise UserError("This account already has a password. Reset the password instead.")
    if kind == "mfa" and not user.mfa_enrolled and user.totp_secret_enc is None:
        raise UserError("This account has no authenticator app to reset yet.")
    if open_change(session, user.id, kind, now=now) is not None:
        raise UserError("This is already waiting for another administrator's approval.")
    change = AccountChange(user_id=user.id, kind=kind, status="pending", requested_by=actor, requested_at=now,
                           expires_at=now + APPROVAL_LIFETIME)
    session.add(change)
    session.flush()
    audit.record(session, actor, "user.change_requested", target=f"user:{user.id}",
                 detail={"change": change.id, "kind": kind}, ip=ip)
    if kind != "first_password":  # a new account's holder hears from us once, with the link
        queue_email(session, queue, key=f"staff-change-requested:{change.id}", to=user.email,
                    template="staff_change_requested",
                    context={"name": user.name, "what": YOUR[kind], "days": APPROVAL_LIFETIME.days})
    return change


def _pending(session: Session, change_id: int, now: datetime) -> AccountChange:
    change = session.get(AccountChange, change_id, with_for_update=True, populate_existing=True)
    if change is None or change.status != "pending" or change.expires_at <= now:
        raise UserError("This is no longer waiting for approval.")
    return change


def approve(session: Session, queue: JobQueue, change_id: int, *, actor: str, ip: str | None = None,
            now: datetime | None = None) -> AccountChange:
    """A second administrator approves: the change is made and the holder emailed."""
    now = now or utcnow()
    change = _pending(session, change_id, now)
    refusal = approval_refusal(actor, change.requested_by, f"user:{change.user_id}")
    if refusal is not None:
        raise ApprovalRefused(refusal)
    user = get(session, change.user_id, lock=True)
    if not user.active:
        raise UserError("This account has been deactivated since; reactivate it and ask again.")
    change.status, change.decided_by, change.decided_at = "done", actor, now
    audit.record(session, actor, "user.change_approved", target=f"user:{user.id}",
                 detail={"change": change.id, "kind": change.kind, "requested_by": change.requested_by}, ip=ip)
    _apply(session, queue, user, change.kind, actor=actor, ip=ip)
    return change


def withdraw(session: Session, change_id: int, *, actor: str, ip: str | None = None,
             now: datetime | None = None) -> AccountChange:
    """The asker cancels, or another administrator declines; the account is left as it was."""
    now = now or utcnow()
    change = _pending(session, change_id, now)
    change.status = "cancelled" if actor == change.requested_by else "declined"
    change.decided_by, change.decided_at = actor, now
    audit.record(session, actor, f"user.change_{change.status}", target=f"user:{change.user_id}",
                 detail={"change": change.id, "kind": change.kind}, ip=ip)
    return change


def apply_now(session: Session, queue: JobQueue, user_id: int, kind: str, *, actor: str,
              ip: str | None = None) -> str | None:
    """Make a change at once (``rights users`` on the server); returns the set-password link, if one was sent."""
    if kind not in KINDS:
        raise UserError("Unknown kind of change.")
    user = get(session, user_id, lock=True)
    if kind == "first_password" and user.password_hash != UNUSABLE:
        kind = "password"
    audit.record(session, actor, "user.change_made", target=f"user:{user.id}",
                 detail={"kind": kind, "approval": "server command line"}, ip=ip)
    return _apply(session, queue, user, kind, actor=actor, ip=ip)


def _apply(session: Session, queue: JobQueue, user: User, kind: str, *, actor: str, ip: str | None) -> str | None:
    reason = "mfa_reset" if kind == "mfa" else "password_reset"
    end_all_sessions(session, user.id, reason)
    tokens.end_for_user(session, user.id, ("signin", "device"), reason)
    if kind == "mfa":
        user.totp_secret_enc, user.mfa_enrolled, user.last_totp_step = None, False, None
        audit.record(session, actor, "user.mfa_reset", target=f"user:{user.id}", ip=ip)
        queue_email(session, queue, key=f"staff-mfa-reset:{user.id}:{utcnow().isoformat()}", to=user.email,
                    template="staff_mfa_reset", context={"name": user.name, "sign_in_url": staff_url("/sign-in")})
        return None
    if kind == "password":
        user.password_hash = UNUSABLE  # the old password stops working now; the holder chooses a new one
        audit.record(session, actor, "user.password_reset", target=f"user:{user.id}", ip=ip)
    return issue_link(session, queue, user, new_account=kind == "first_password", actor=actor, ip=ip)


def waiting(session: Session, *, now: datetime | None = None) -> list[AccountChange]:
    """Every change waiting for approval, oldest first (the users page lists them)."""
    return list(session.scalars(select(AccountChange).where(AccountChange.status == "pending",
                                                            AccountChange.expires_at > (now or utcnow()))
                                .order_by(AccountChange.id)))


def history(session: Session, user_id: int, limit: int = 10) -> list[AccountChange]:
    return list(session.scalars(select(AccountChange).where(AccountChange.user_id == user_id)
                                .order_by(AccountChange.id.desc()).limit(limit)))


__all__ = [
    "APPROVAL_LIFETIME",
    "KINDS",
    "ApprovalRefused",
    "apply_now",
    "approve",
    "history",
    "open_change",
    "request_change",
    "waiting",
    "withdraw",
]
