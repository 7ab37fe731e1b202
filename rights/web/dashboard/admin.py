"""User administration for administrators: create accounts, deactivate, reset passwords and MFA, unlock.

Administrators manage who can sign in; they never see case data (the access rules keep them off every
case page). A new or reset password is shown once, on the page that made it, and must be changed at
first sign-in. Every change ends the person's sessions where it matters and is audited by
:mod:`rights.users`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms import options
from forms.dashboard import ConfirmForm, CreateUserForm
from rights import audit, privacy_notice, users
from rights.models import IssuedPassword, Role, StaffSession, User, utcnow
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.helpers import actor, client_ip, rt

ROLE_NAMES = {
    Role.OFFICER.value: "Officer",
    Role.MANAGER.value: "Manager",
    Role.RECORD_HOLDER.value: "Record holder",
    Role.ADMIN.value: "Administrator",
}
ACTIONS = {
    "deactivate": "Deactivate this account",
    "reactivate": "Reactivate this account",
    "reset-password": "Reset the password",
    "reset-mfa": "Reset the authenticator (MFA)",
    "unlock": "Unlock the account",
}


@bp.get("/admin/users")
@staff(Role.ADMIN)
def admin_users() -> Any:
    with rt().db.transaction() as db_session:
        people = db_session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
        audit.record(db_session, actor(), "users.listed", target="users", ip=client_ip())
    return render_template("dashboard/admin/users.html", people=people, role_names=ROLE_NAMES, now=utcnow(),
                           title="Users", active_nav="admin")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@staff(Role.ADMIN)
def admin_create_user() -> Any:
    form = CreateUserForm()
    form.services.choices = options((s.key, s.label) for s in privacy_notice.load().services)
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                user, password = users.create_user(
                    db_session, email=form.email.data or "", role=form.role.data or "", name=form.name.data,
                    services=list(form.services.data or []), actor=actor())
                user_id, email = user.id, user.email
        except users.UserError as exc:
            target = form.services if "service" in str(exc).lower() else form.email
            target.errors = [*target.errors, str(exc)]
        else:
            return render_template("dashboard/admin/password.html", email=email, password=password,
                                   user_id=user_id, title="Account created", created=True, active_nav="admin")
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
        issued = db_session.get(IssuedPassword, user_id)
        audit.record(db_session, actor(), "user.viewed", target=f"user:{user_id}", ip=client_ip())
    actions = ["reset-password", "reset-mfa", "unlock", "deactivate" if person.active else "reactivate"]
    if person.id == current_user.id:
        actions = [a for a in actions if a != "deactivate"]
    return render_template("dashboard/admin/user.html", person=person, sessions=sessions, issued=issued,
                           actions=[(a, ACTIONS[a]) for a in actions], role_names=ROLE_NAMES, now=utcnow(),
                           form=ConfirmForm(), title=person.name, active_nav="admin")


@bp.post("/admin/users/<int:user_id>/<action>")
@staff(Role.ADMIN)
def admin_user_action(user_id: int, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    ip = client_ip()
    try:
        with rt().db.transaction() as db_session:
            person = db_session.get(User, user_id)
            if person is None:
                abort(404)
            email = person.email
            password = None
            if action == "reset-password":
                password = users.reset_password(db_session, user_id, actor=actor(), ip=ip)
            elif action == "reset-mfa":
                users.reset_mfa(db_session, user_id, actor=actor(), ip=ip)
            elif action == "unlock":
                users.unlock(db_session, user_id, actor=actor(), ip=ip)
            else:
                users.set_active(db_session, user_id, action == "reactivate", actor=actor(), ip=ip)
    except users.UserError as exc:
        flash(str(exc), "info")
        return redirect(url_for("dashboard.admin_user", user_id=user_id))
    if password is not None:
        return render_template("dashboard/admin/password.html", email=email, password=password, user_id=user_id,
                               title="Password reset", created=False, active_nav="admin")
    flash({"reset-mfa": f"{email} will set up a new authenticator at their next sign-in.",
           "unlock": f"{email} is unlocked.",
           "deactivate": f"{email} is deactivated and signed out.",
           "reactivate": f"{email} is active again."}[action], "success")
    return redirect(url_for("dashboard.admin_user", user_id=user_id))
