"""User administration: create accounts, deactivate them, ask for and approve resets; sign-in alerts.

Administrators manage who can sign in; they never see case data (the access rules keep them off every
case page) and never see a password. A new account's first password, a password reset and an
authenticator reset are asked for by one administrator and made when a different one approves
(:mod:`rights.users.changes`); the holder is emailed a single-use link. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms import options
from forms.dashboard import ConfirmForm, CreateUserForm
from rights import audit, privacy_notice, users
from rights.models import AccountChange, Role, StaffSession, User, utcnow
from rights.users import throttle
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.helpers import actor, audit_denied, client_ip, rt

ROLE_NAMES = {
    Role.OFFICER.value: "Officer",
    Role.MANAGER.value: "Manager",
    Role.RECORD_HOLDER.value: "Record holder",
    Role.ADMIN.value: "Administrator",
}
ACTIONS = {
    "deactivate": "Deactivate this account",
    "reactivate": "Reactivate this account",
    "reset-password": "Ask to reset the password",
    "reset-mfa": "Ask to reset the authenticator (MFA)",
    "first-password": "Ask to send the link to choose a password",
}
CHANGE_OF_ACTION = {"reset-password": "password", "reset-mfa": "mfa", "first-password": "first_password"}
DECISIONS = ("approve", "decline", "cancel")


def _names(db_session: Any, changes: list[AccountChange]) -> dict[str, str]:
    """Display names for the accounts and the administrators a list of changes mentions."""
    ids = {c.user_id for c in changes} | {int(r.split(":")[1]) for c in changes
                                         for r in (c.requested_by, c.decided_by) if r and r.startswith("user:")}
    found = db_session.execute(select(User.id, User.name).where(User.id.in_(ids))).all() if ids else []
    return {f"user:{i}": name for i, name in found} | {"cli": "the server's command line"}


@bp.get("/admin/users")
@staff(Role.ADMIN)
def admin_users() -> Any:
    with rt().db.transaction() as db_session:
        people = db_session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
        waiting = users.waiting(db_session)
        alerts = throttle.recent(db_session)
        names = _names(db_session, waiting)
        audit.record(db_session, actor(), "users.listed", target="users", ip=client_ip())
    return render_template("dashboard/admin/users.html", people=people, role_names=ROLE_NAMES, waiting=waiting,
                           alerts=alerts, names=names, kinds=users.KINDS, me=actor(), unusable=users.UNUSABLE,
                           form=ConfirmForm(), title="Users", active_nav="admin")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@staff(Role.ADMIN)
def admin_create_user() -> Any:
    form = CreateUserForm()
    form.services.choices = options((s.key, s.label) for s in privacy_notice.load().services)
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                user = users.create_user(db_session, email=form.email.data or "", role=form.role.data or "",
                                         name=form.name.data, services=list(form.services.data or []),
                                         actor=actor())
                users.request_change(db_session, rt().queue, user.id, "first_password", actor=actor(),
                                     ip=client_ip())
                user_id, email = user.id, user.email
        except users.UserError as exc:
            target = form.services if "service" in str(exc).lower() else form.email
            target.errors = [*target.errors, str(exc)]
        else:
            flash(f"The account for {email} is created. When another administrator approves it, we will email "
                  f"{email} a link to choose a password.", "success")
            return redirect(url_for("dashboard.admin_user", user_id=user_id))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/admin/new_user.html", form=form, title="Create an account",
                           active_nav="admin"), status


@bp.get("/admin/users/<int:user_id>")
@staff(Role.ADMIN)
def admin_user(user_id: int) -> Any:
    with rt().db.transaction() as db_session:
        person = db_session.get(User, user_id)
        if person is None:
            abort(404)
        sessions = db_session.scalars(select(StaffSession).where(StaffSession.user_id == user_id,
                                                                 StaffSession.ended_at.is_(None))).all()
        history = users.history(db_session, user_id)
        waiting = {c.kind for c in history if c.status == "pending" and c.expires_at > utcnow()}
        names = _names(db_session, history)
        audit.record(db_session, actor(), "user.viewed", target=f"user:{user_id}", ip=client_ip())
    has_password = person.password_hash != users.UNUSABLE
    actions = [a for a in ("first-password", "reset-password", "reset-mfa")
               if person.active and person.id != current_user.id and CHANGE_OF_ACTION[a] not in waiting
               and (a == "first-password") != has_password and (a != "reset-mfa" or person.mfa_enrolled)]
    if not (person.active and person.id == current_user.id):
        actions.append("deactivate" if person.active else "reactivate")
    return render_template("dashboard/admin/user.html", person=person, sessions=sessions, history=history,
                           actions=[(a, ACTIONS[a]) for a in actions], role_names=ROLE_NAMES, names=names,
                           kinds=users.KINDS, has_password=has_password, me=actor(), now=utcnow(),
                           form=ConfirmForm(), title=person.name, active_nav="admin")


@bp.post("/admin/users/<int:user_id>/<action>")
@staff(Role.ADMIN)
def admin_user_action(user_id: int, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            person = db_session.get(User, user_id)
            if person is None:
                abort(404)
            email = person.email
            if action in CHANGE_OF_ACTION:
                users.request_change(db_session, rt().queue, user_id, CHANGE_OF_ACTION[action], actor=actor(),
                                     ip=client_ip())
            else:
                users.set_active(db_session, user_id, action == "reactivate", actor=actor(), ip=client_ip())
    except users.UserError as exc:
        flash(str(exc), "info")
        return redirect(url_for("dashboard.admin_user", user_id=user_id))
    flash({"reset-password": f"Another administrator must approve this. We have emailed {email} to tell them.",
           "reset-mfa": f"Another administrator must approve this. We have emailed {email} to tell them.",
           "first-password": f"When another administrator approves it, we will email {email} the link.",
           "deactivate": f"{email} is deactivated and signed out.",
           "reactivate": f"{email} is active again."}[action], "success")
    return redirect(url_for("dashboard.admin_user", user_id=user_id))


@bp.post("/admin/changes/<int:change_id>/<decision>")
@staff(Role.ADMIN)
def admin_change_decision(change_id: int, decision: str) -> Any:
    """Approve (a different administrator), decline (another one) or cancel (the asker) a waiting change."""
    if decision not in DECISIONS:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("dashboard.admin_users")
    try:
        with rt().db.transaction() as db_session:
            change = db_session.get(AccountChange, change_id)
            if change is None:
                abort(404)
            back = url_for("dashboard.admin_user", user_id=change.user_id)
            email = db_session.get(User, change.user_id).email  # type: ignore[union-attr]
            if decision == "approve":
                users.approve(db_session, rt().queue, change_id, actor=actor(), ip=client_ip())
            else:
                users.withdraw(db_session, change_id, actor=actor(), ip=client_ip())
            kind = change.kind
    except users.ApprovalRefused as exc:
        audit_denied(f"change {change_id}: {exc}")  # its own transaction: the refusal stays on the trail
        flash(str(exc), "info")
        return redirect(back)
    except users.UserError as exc:
        flash(str(exc), "info")
        return redirect(back)
    done = {"first_password": f"We have emailed {email} a link to choose a password.",
            "password": f"The password is reset. We have emailed {email} a link to choose a new one.",
            "mfa": f"The authenticator is reset and {email} is signed out. We have emailed them."}
    flash(done[kind] if decision == "approve" else f"Nothing has changed for {email}.", "success")
    return redirect(back)
