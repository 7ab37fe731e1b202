"""Staff sign-in: password, then a TOTP code (enrolled by QR code the first time), then the dashboard.

The steps between password and code live in ``session["auth_pending"]`` (user id, next step, when),
never as a signed-in user: Flask-Login's ``login_user`` and ``session["mfa_ok"]`` are set only when both
factors have passed (and an issued password has been replaced). At that moment the session is cleared
and a new server-side :class:`~rights.models.StaffSession` token is issued, so no identifier from before
sign-in survives it. :func:`enforce_staff_session` then checks that token on every request, which is
how idle expiry, sign-out and an administrator's resets take effect at once.

Every view here is ``@public`` (it is how staff get in), rate-limited per address and per account, and
audited by ``rights.users``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from forms.auth import ChangePasswordForm, CodeForm, SignInForm, SignOutForm
from rights import users
from rights.models import Role, User, utcnow
from rights.web import ASSET_ENDPOINTS, limit, limiter
from rights.web.access import public, staff
from rights.web.helpers import client_ip, rt

bp = Blueprint("auth", __name__, url_prefix="/staff")

PENDING = "auth_pending"
PENDING_LIFETIME = timedelta(minutes=10)
ALL_STAFF = tuple(Role)


def _pending_key() -> str:
    pending = session.get(PENDING) or {}
    return f"pending:{pending.get('uid', 'none')}"


def _email_key() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths under /staff: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff") or target.startswith("//"):
        return None
    return target.rstrip("?")


def home_for(role: str) -> str:
    """Where a member of staff lands after signing in."""
    from flask import current_app

    if role == Role.ADMIN.value:
        return url_for("dashboard.admin_users")
    if role == Role.RECORD_HOLDER.value:
        return url_for("dashboard.my_cases")
    if "dashboard.case_list" in current_app.view_functions:
        if role == Role.MANAGER.value:  # a manager's first job: the responses waiting for their approval
            return url_for("dashboard.case_list", view="all", stage="awaiting_approval")
        return url_for("dashboard.case_list")
    return url_for("dashboard.my_cases")


def _start_pending(user_id: int, step: str, next_url: str | None) -> None:
    session.clear()  # rotate: nothing from before the password survives
    session[PENDING] = {"uid": user_id, "step": step, "at": utcnow().isoformat(), "next": next_url}


def _pending(step: str | tuple[str, ...]) -> dict[str, Any] | None:
    pending = session.get(PENDING)
    steps = (step,) if isinstance(step, str) else step
    if not pending or pending.get("step") not in steps:
        return None
    if utcnow() - datetime.fromisoformat(pending["at"]) > PENDING_LIFETIME:
        session.pop(PENDING, None)
        return None
    return dict(pending)


def _finish(user_id: int, next_url: str | None) -> Any:
    """Both factors passed: new session, Flask-Login user, server-side token."""
    with rt().db.transaction() as db_session:
        token = users.start_session(db_session, user_id, ip=client_ip())
        user = db_session.get(User, user_id)
        assert user is not None
    session.clear()
    login_user(user)
    session["mfa_ok"] = True
    session["staff_token"] = token
    return redirect(_safe_next(next_url) or home_for(user.role))


@bp.before_app_request
def enforce_staff_session() -> Any:
    """Check the server-side session on every request: idle expiry, sign-out elsewhere, deactivation."""
    if request.endpoint in ASSET_ENDPOINTS or request.endpoint == "healthz":
        return None
    token = session.get("staff_token")
    if not token:
        if session.get("_user_id"):  # a Flask-Login session without our token is not a staff session
            logout_user()
            session.clear()
        return None
    idle = timedelta(minutes=rt().settings.staff_idle_minutes)
    with rt().db.transaction() as db_session:
        check = users.check_session(db_session, token, idle, ip=client_ip())
    if check.user_id is not None and str(check.user_id) == session.get("_user_id"):
        return None
    logout_user()
    session.clear()
    if check.reason == "idle":
        flash("You were signed out because you were inactive for "
              f"{rt().settings.staff_idle_minutes} minutes. Sign in again.", "info")
    if request.path.startswith("/staff") and request.endpoint not in ("auth.sign_in", "auth.signed_out"):
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN"), methods=["POST"])
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN_ACCOUNT"), methods=["POST"], key_func=_email_key)
def sign_in() -> Any:
    if current_user.is_authenticated and session.get("mfa_ok"):
        return redirect(home_for(current_user.role))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        with rt().db.transaction() as db_session:
            result = users.check_password(db_session, form.email.data or "", form.password.data or "",
                                          ip=client_ip())
        if result.ok and result.user_id is not None:
            _start_pending(result.user_id, result.next_step or "code", _safe_next(request.args.get("next")))
            return redirect(url_for("auth.enrol" if result.next_step == "enrol" else "auth.code"))
        error = result.message
        form.password.errors = [error or users.GENERIC_FAILURE]
    status = 400 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form, error=error), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN"), methods=["POST"])
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN_ACCOUNT"), methods=["POST"], key_func=_pending_key)
def code() -> Any:
    pending = _pending("code")
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        return _check_code(pending, form, "auth/code.html", {})
    status = 400 if request.method == "POST" else 200
    return render_template("auth/code.html", form=form), status


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN"), methods=["POST"])
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN_ACCOUNT"), methods=["POST"], key_func=_pending_key)
def enrol() -> Any:
    pending = _pending("enrol")
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    keys = rt().settings.encryption_keys
    try:
        with rt().db.transaction() as db_session:
            secret, uri = users.enrolment(db_session, pending["uid"], keys)
    except users.UserError:
        return redirect(url_for("auth.sign_in"))
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    context = {"qr": qr, "secret": secret}
    form = CodeForm()
    if form.validate_on_submit():
        return _check_code(pending, form, "auth/enrol.html", context)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/enrol.html", form=form, **context), status


def _check_code(pending: dict[str, Any], form: CodeForm, template: str, context: dict[str, Any]) -> Any:
    with rt().db.transaction() as db_session:
        result = users.check_code(db_session, pending["uid"], form.code.data or "", rt().settings.encryption_keys,
                                  ip=client_ip())
    if not result.ok:
        form.code.errors = [result.message or users.GENERIC_CODE_FAILURE]
        return render_template(template, form=form, **context), 400
    if result.next_step == "password":
        _start_pending(pending["uid"], "password", pending.get("next"))
        return redirect(url_for("auth.change_password"))
    return _finish(pending["uid"], pending.get("next"))


@bp.route("/sign-in/new-password", methods=["GET", "POST"])
@public
@limiter.limit(limit("AUTH_LIMIT_SIGN_IN_ACCOUNT"), methods=["POST"], key_func=_pending_key)
def change_password() -> Any:
    """An issued password (new account or an administrator's reset) must be replaced before going on."""
    pending = _pending("password")
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                users.change_password(db_session, pending["uid"], form.current.data or "", form.new.data or "",
                                      ip=client_ip())
        except users.UserError as exc:
            target = form.current if "current password is wrong" in str(exc) else form.new
            target.errors = [str(exc)]
        else:
            flash("Your new password is saved.", "success")
            return _finish(pending["uid"], pending.get("next"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status


@bp.post("/sign-out")
@staff(*ALL_STAFF)
def sign_out() -> Any:
    form = SignOutForm()
    if not form.validate_on_submit():
        return redirect(home_for(current_user.role))
    token = session.get("staff_token")
    if token:
        with rt().db.transaction() as db_session:
            users.end_session(db_session, token, "signed_out", ip=client_ip())
    logout_user()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
@public
def signed_out() -> Any:
    return render_template("auth/signed_out.html")
