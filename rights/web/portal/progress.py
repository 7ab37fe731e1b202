"""Check progress: reference and email, a one-time code by email, then the status page.

The pages say the same thing whether or not the details matched a request (rights.progress explains
how); the code and its checks live in the domain module, the views only carry the challenge id and,
after a good code, the request id with an expiry in the signed session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from forms.portal import ProgressCodeForm, ProgressStartForm
from rights import progress
from rights.models import utcnow
from rights.web import limit, limiter
from rights.web.access import public
from rights.web.helpers import client_ip, rt
from rights.web.portal import bp
from rights.web.portal.common import add_error

CHALLENGE_KEY = "progress_challenge"
ACCESS_KEY = "progress_access"

MESSAGES = {
    progress.CheckResult.WRONG: "The code is not correct. Check the email and try again",
    progress.CheckResult.EXPIRED: "This code has expired or has already been used. Request a new code",
    progress.CheckResult.TOO_MANY: "You have entered a wrong code too many times. Request a new code",
}


@bp.route("/progress", methods=["GET", "POST"])
@public
@limiter.limit(limit("PORTAL_LIMIT_CODE_REQUEST"), methods=["POST"])
def progress_start() -> Any:
    form = ProgressStartForm()
    if request.method == "POST" and form.validate():
        with rt().db.transaction() as db_session:
            challenge = progress.start_check(db_session, rt().queue, secret_key=current_app.config["SECRET_KEY"],
                                             reference=form.reference.data, email=form.email.data, ip=client_ip())
        session[CHALLENGE_KEY] = challenge
        session.pop(ACCESS_KEY, None)
        return redirect(url_for("portal.progress_code"))
    return render_template("portal/progress_start.html", form=form, title=form.title)


@bp.route("/progress/code", methods=["GET", "POST"])
@public
@limiter.limit(limit("PORTAL_LIMIT_CODE_CHECK"), methods=["POST"])
def progress_code() -> Any:
    challenge = session.get(CHALLENGE_KEY)
    if not isinstance(challenge, str):
        return redirect(url_for("portal.progress_start"))
    form = ProgressCodeForm()
    expired = False
    if request.method == "POST" and form.validate():
        with rt().db.transaction() as db_session:
            result, request_id = progress.check_code(db_session, secret_key=current_app.config["SECRET_KEY"],
                                                     challenge_id=challenge, code=form.code.data, ip=client_ip())
        if result is progress.CheckResult.OK and request_id is not None:
            session.pop(CHALLENGE_KEY, None)
            session[ACCESS_KEY] = {"request_id": request_id,
                                   "until": (utcnow() + progress.ACCESS_TTL).isoformat()}
            return redirect(url_for("portal.progress_status"))
        add_error(form, form.code, MESSAGES[result])
        expired = result is not progress.CheckResult.WRONG
    return render_template("portal/progress_code.html", form=form, title=form.title, expired=expired,
                           minutes=int(progress.CODE_TTL.total_seconds() // 60))


def _granted_request_id() -> int | None:
    access = session.get(ACCESS_KEY)
    if not isinstance(access, dict):
        return None
    try:
        until = datetime.fromisoformat(str(access["until"]))
        request_id = int(access["request_id"])
    except (KeyError, TypeError, ValueError):
        return None
    return request_id if until > utcnow() else None


@bp.get("/progress/status")
@public
def progress_status() -> Any:
    request_id = _granted_request_id()
    if request_id is None:
        session.pop(ACCESS_KEY, None)
        return redirect(url_for("portal.progress_start"))
    with rt().db.transaction() as db_session:
        status = progress.status_of(db_session, request_id, ip=client_ip())
    if status is None:
        session.pop(ACCESS_KEY, None)
        return redirect(url_for("portal.progress_start"))
    return render_template("portal/progress_status.html", status=status, title=f"Your request {status.reference}")


@bp.post("/progress/finish")
@public
def progress_finish() -> Response:
    session.pop(ACCESS_KEY, None)
    session.pop(CHALLENGE_KEY, None)
    return redirect(url_for("portal.start"))
