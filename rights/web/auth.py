"""Staff sign-in: password, then a TOTP code (enrolled by QR code the first time), then the dashboard.

Between the password and the code the browser holds only the token of a server-side ``signin`` grant
(``session["auth_pending"]``, see :mod:`rights.tokens`): the account, the step and its ten minutes live in
the database, the code step uses the grant up, and nothing in the cookie can be forged with the secret
key. Flask-Login's ``login_user`` and ``session["mfa_ok"]`` are set only when both factors have passed;
the session is then cleared and a new server-side :class:`~rights.models.StaffSession` token issued, so no
identifier from before sign-in survives it. :func:`enforce_staff_session` checks that token on every
request, which is how idle expiry, sign-out and an administrator's resets take effect at once.

A completed sign-in also leaves a device token in its own cookie (``rd_device``, 90 days): the throttle
counts that browser apart from everyone else (:mod:`rights.users.throttle`).

Every view here is ``@public`` (it is how staff get in): the sign-in steps and the page an emailed
set-password link opens. All are audited by ``rights.users``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import segno
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from forms.auth import CodeForm, NewPasswordForm, SignInForm, SignOutForm
from rights import users
from rights.models import Role, User
from rights.users.signin import DEVICE_LIFETIME
from rights.web import ASSET_ENDPOINTS, rate_limit
from rights.web.access import public, staff
from rights.web.helpers import client_ip, rt

bp = Blueprint("auth", __name__, url_prefix="/staff")

PENDING = "auth_pending"
LINK = "set_password_link"
DEVICE_COOKIE = "rd_device"
ALL_STAFF = tuple(Role)
#: The pages someone not yet signed in may use under /staff (the route walker's list: every other /staff
#: route must be @staff).
SIGN_IN_ENDPOINTS = frozenset({"auth.sign_in", "auth.code", "auth.enrol", "auth.signed_out", "auth.set_password",
                               "auth.set_password_link"})


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
    if role == Role.ADMIN.value:
        return url_for("dashboard.admin_users")
    if role == Role.RECORD_HOLDER.value:
        return url_for("dashboard.my_cases")
    if "dashboard.case_list" in current_app.view_functions:
        if role == Role.MANAGER.value:  # a manager's first job: the responses waiting for their approval
            return url_for("dashboard.case_list", view="all", stage="awaiting_approval")
        return url_for("dashboard.case_list")
    return url_for("dashboard.my_cases")


def _pending_token() -> str | None:
    token = session.get(PENDING)
    return token if isinstance(token, str) else None


def _finish(user_id: int, next_url: str | None) -> Any:
    """Both factors passed: new session, Flask-Login user, server-side token, a fresh device token."""
    with rt().db.transaction() as db_session:
        token = users.start_session(db_session, user_id, ip=client_ip())
        device = users.trust_device(db_session, user_id, request.cookies.get(DEVICE_COOKIE))
        user = db_session.get(User, user_id)
        assert user is not None
    session.clear()
    login_user(user)
    session["mfa_ok"] = True
    session["staff_token"] = token
    response = redirect(_safe_next(next_url) or home_for(user.role))
    response.set_cookie(DEVICE_COOKIE, device, max_age=int(DEVICE_LIFETIME.total_seconds()), path="/staff",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True,
                        samesite="Strict")
    return response


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
    with rt().db.reading() as db_session:  # most pages: a read, no transaction (see users.peek_session)
        check = users.peek_session(db_session, token, idle)
    if check is None:  # the last seen time is due, or the session ends: written in a transaction
        with rt().db.transaction() as db_session:
            check = users.check_session(db_session, token, idle, ip=client_ip())
    if check.user_id is not None and str(check.user_id) == session.get("_user_id"):
        g.staff_user = check.user  # Flask-Login's user loader takes it from here (one transaction, not two)
        return None
    logout_user()
    session.clear()
    if check.reason == "idle":
        flash("You were signed out because you were inactive for "
              f"{rt().settings.staff_idle_minutes} minutes. Sign in again.", "info")
    if request.path.startswith("/staff") and request.endpoint not in SIGN_IN_ENDPOINTS:
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@rate_limit("AUTH_LIMIT_SIGN_IN", methods=["POST"])
def sign_in() -> Any:
    if current_user.is_authenticated and session.get("mfa_ok"):
        return redirect(home_for(current_user.role))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        with rt().db.transaction() as db_session:
            result = users.check_password(db_session, rt().queue, form.email.data or "", form.password.data or "",
                                          ip=client_ip(), device=request.cookies.get(DEVICE_COOKIE),
                                          next_url=_safe_next(request.args.get("next")))
        if result.ok and result.pending:
            session.clear()  # rotate: nothing from before the password survives
            session[PENDING] = result.pending
            return redirect(url_for("auth.enrol" if result.next_step == "enrol" else "auth.code"))
        form.password.errors = [result.message or users.GENERIC_FAILURE]
        status = 429 if result.wait else 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


def _check_code(form: CodeForm, template: str, context: dict[str, Any]) -> Any:
    with rt().db.transaction() as db_session:
        result = users.check_code(db_session, rt().queue, _pending_token(), form.code.data or "",
                                  rt().settings.encryption_keys, ip=client_ip())
    if result.ok and result.user_id is not None:
        return _finish(result.user_id, result.next_url)
    if result.restart:
        session.pop(PENDING, None)
        flash(result.message or users.RESTART, "info")
        return redirect(url_for("auth.sign_in"))
    form.code.errors = [result.message or users.GENERIC_CODE_FAILURE]
    return render_template(template, form=form, **context), 429 if result.wait else 400


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@rate_limit("AUTH_LIMIT_SIGN_IN", methods=["POST"])
def code() -> Any:
    with rt().db.transaction() as db_session:
        waiting = users.pending(db_session, _pending_token(), "code") is not None
    if not waiting:
        session.pop(PENDING, None)
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        return _check_code(form, "auth/code.html", {})
    return render_template("auth/code.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
@rate_limit("AUTH_LIMIT_SIGN_IN", methods=["POST"])
def enrol() -> Any:
    try:
        with rt().db.transaction() as db_session:
            secret, uri = users.enrolment(db_session, _pending_token(), rt().settings.encryption_keys)
    except users.UserError:
        session.pop(PENDING, None)
        return redirect(url_for("auth.sign_in"))
    context = {"qr": segno.make(uri, error="m").svg_data_uri(scale=5, border=2), "secret": secret}
    form = CodeForm()
    if form.validate_on_submit():
        return _check_code(form, "auth/enrol.html", context)
    return render_template("auth/enrol.html", form=form, **context), 400 if request.method == "POST" else 200


@bp.get("/set-password/<token>")
@public
def set_password_link(token: str) -> Any:
    """The emailed link: remember its token in the session and move to a URL without it.

    Opening the link uses nothing up (mail scanners open links too); only a password set does. The
    token leaves the address bar at once, so it is not in the history, nor sent on as a referrer.
    """
    with rt().db.transaction() as db_session:
        holder = users.link_holder(db_session, token)
    if holder is None:
        return render_template("auth/link_gone.html"), 410
    session.clear()
    session[LINK] = token
    return redirect(url_for("auth.set_password"))


@bp.route("/set-password", methods=["GET", "POST"])
@public
@rate_limit("AUTH_LIMIT_SIGN_IN", methods=["POST"])
def set_password() -> Any:
    token = session.get(LINK)
    with rt().db.transaction() as db_session:
        holder = users.link_holder(db_session, token)
        email = holder.email if holder is not None else None
    if email is None:
        session.pop(LINK, None)
        return render_template("auth/link_gone.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                users.set_password_with_link(db_session, rt().queue, token, form.new.data or "", ip=client_ip())
        except users.UserError as exc:
            form.new.errors = [str(exc)]
        else:
            session.pop(LINK, None)
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, email=email), (
        400 if request.method == "POST" else 200)


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
