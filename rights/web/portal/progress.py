"""Check progress: reference and email, a one-time code by email, then the status page.

The pages say the same thing whether or not the details matched a request (rights.progress explains
how); the code and its checks live in the domain module. The session carries only the challenge id and,
after a good code, the token of a server-side grant, replaced on every page (:func:`progress.use_grant`):
nothing in the cookie can be forged with the secret key, and a copied cookie dies at the next click.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from forms.portal import ClarificationAnswerForm, ProgressCodeForm, ProgressStartForm, ProgressUploadForm
from rights import progress, uploads
from rights.cases import replies
from rights.errors import CaseError
from rights.models import RightsRequest
from rights.web import rate_limit
from rights.web.access import public
from rights.web.helpers import client_ip, rt, today
from rights.web.portal import bp
from rights.web.portal.common import add_error, file_store, settings

SENT_KEY = "progress_sent"  # what the requester just sent, for the status page's confirmation

CHALLENGE_KEY = "progress_challenge"
ACCESS_KEY = "progress_access"

MESSAGES = {
    progress.CheckResult.WRONG: "The code is not correct. Check the email and try again",
    progress.CheckResult.EXPIRED: "This code has expired or has already been used. Request a new code",
    progress.CheckResult.TOO_MANY: "You have entered a wrong code too many times. Request a new code",
}


@bp.route("/progress", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_CODE_REQUEST", methods=["POST"])
def progress_start() -> Any:
    form = ProgressStartForm()
    if request.method == "POST" and form.validate():
        with rt().db.transaction() as db_session:
            challenge = progress.start_check(db_session, rt().queue, reference=form.reference.data,
                                             email=form.email.data, ip=client_ip())
            progress.end_grant(db_session, session.pop(ACCESS_KEY, None))
        session[CHALLENGE_KEY] = challenge
        return redirect(url_for("portal.progress_code"))
    return render_template("portal/progress_start.html", form=form, title=form.title)


@bp.route("/progress/code", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_CODE_CHECK", methods=["POST"])
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
            token = progress.grant(db_session, request_id) if result is progress.CheckResult.OK and request_id else None
        if token is not None:
            session.pop(CHALLENGE_KEY, None)
            session[ACCESS_KEY] = token
            return redirect(url_for("portal.progress_status"))
        add_error(form, form.code, MESSAGES[result])
        expired = result is not progress.CheckResult.WRONG
    return render_template("portal/progress_code.html", form=form, title=form.title, expired=expired,
                           minutes=int(progress.CODE_TTL.total_seconds() // 60))


def _granted_request_id() -> int | None:
    """The request this browser's grant opens, handing the grant on to a fresh token; None otherwise."""
    with rt().db.transaction() as db_session:
        held = progress.use_grant(db_session, session.get(ACCESS_KEY), ip=client_ip())
    if held is None:
        session.pop(ACCESS_KEY, None)
        return None
    session[ACCESS_KEY] = held[1]
    return held[0]


def _page(request_id: int, *, upload_form: ProgressUploadForm | None = None, upload_for: str | None = None,
          answer_form: ClarificationAnswerForm | None = None, status_code: int = 200) -> Any:
    """The status page, with a form for each thing the council is waiting for from the requester."""
    with rt().db.transaction() as db_session:
        status = progress.status_of(db_session, request_id, ip=client_ip())
        case = db_session.get(RightsRequest, request_id)
        asked = replies.asked_for(db_session, case, today()) if case is not None else []
    if status is None:
        _finish_grant()
        return redirect(url_for("portal.progress_start"))
    forms = {what: (upload_form if what == upload_for and upload_form is not None else ProgressUploadForm())
             for what in asked if what != "clarification"}
    for what, form in forms.items():
        form.file.id = f"{what}-file"  # two upload forms on one page: each input its own id
    answer = answer_form or ClarificationAnswerForm() if "clarification" in asked else None
    sent = session.pop(SENT_KEY, None)
    if isinstance(sent, dict):
        sent = {"what": str(sent.get("what", "")), "on": date.fromisoformat(str(sent.get("on")))}
    return render_template("portal/progress_status.html", status=status, title=f"Your request {status.reference}",
                           upload_forms=forms, answer_form=answer, labels=replies.REPLY_LABELS, sent=sent,
                           form=upload_form or answer_form,
                           max_upload=uploads.human_size(settings().max_upload_bytes)), status_code


@bp.get("/progress/status")
@public
def progress_status() -> Any:
    request_id = _granted_request_id()
    if request_id is None:
        return redirect(url_for("portal.progress_start"))
    return _page(request_id)


@bp.post("/progress/send/<what>")
@public
@rate_limit("PORTAL_LIMIT_UPLOAD")
def progress_send(what: str) -> Any:
    """Upload proof of identity or authority asked for: checked, encrypted, and the clock restarts today."""
    if what not in ("proof_of_id", "authority"):
        abort(404)
    form = ProgressUploadForm()
    upload = request.files.get(form.file.name)  # the whole body first: an upload cut off costs no grant
    request_id = _granted_request_id()
    if request_id is None:
        return redirect(url_for("portal.progress_start"))
    if not form.validate() or upload is None or not upload.filename:
        add_error(form, form.file, "Select a file to upload")
        return _page(request_id, upload_form=form, upload_for=what, status_code=400)
    max_bytes = settings().max_upload_bytes
    try:
        checked = uploads.check(uploads.read_limited(upload.stream, max_bytes), upload.filename, max_bytes)
        with rt().db.transaction() as db_session:
            case = db_session.get(RightsRequest, request_id, with_for_update=True)
            assert case is not None
            result = replies.send_document(db_session, rt().queue, file_store(), case, checked, what=what,
                                           today=today(), ip=client_ip())
    except (uploads.UploadRejected, CaseError) as exc:
        add_error(form, form.file, str(exc))
        return _page(request_id, upload_form=form, upload_for=what, status_code=400)
    session[SENT_KEY] = {"what": replies.REPLY_LABELS[result.what], "on": result.received_on.isoformat()}
    return redirect(url_for("portal.progress_status"))


@bp.post("/progress/answer")
@public
@rate_limit("PORTAL_LIMIT_UPLOAD")
def progress_answer() -> Any:
    """Answer the council's clarification question: the paused time limit runs again from today."""
    form = ClarificationAnswerForm()  # the body first, as for an upload
    request_id = _granted_request_id()
    if request_id is None:
        return redirect(url_for("portal.progress_start"))
    if not form.validate():
        return _page(request_id, answer_form=form, status_code=400)
    try:
        with rt().db.transaction() as db_session:
            case = db_session.get(RightsRequest, request_id, with_for_update=True)
            assert case is not None
            result = replies.answer_clarification(db_session, rt().queue, case, form.answer.data or "",
                                                  today=today(), ip=client_ip())
    except CaseError as exc:
        add_error(form, form.answer, str(exc))
        return _page(request_id, answer_form=form, status_code=400)
    session[SENT_KEY] = {"what": replies.REPLY_LABELS[result.what], "on": result.received_on.isoformat()}
    return redirect(url_for("portal.progress_status"))


def _finish_grant() -> None:
    with rt().db.transaction() as db_session:
        progress.end_grant(db_session, session.pop(ACCESS_KEY, None))


@bp.post("/progress/finish")
@public
def progress_finish() -> Response:
    _finish_grant()
    session.pop(CHALLENGE_KEY, None)
    return redirect(url_for("portal.start"))
