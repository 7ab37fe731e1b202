"""The request journey: one question per page, check your answers, submit, confirmation.

Thin views: the order of pages is :mod:`rights.journey`, the questions are :mod:`forms.portal`, files go
through :mod:`rights.uploads`, and submission is :func:`rights.submission.submit`. Every answer given is
saved to the encrypted draft as soon as it is valid, and a page with an error is shown again with what
was typed, so no answer is lost.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from forms.portal import (
    STEP_FORMS,
    CheckForm,
    PortalForm,
    UploadForm,
    details_form_class,
    requester_form_class,
)
from rights import journey, privacy_notice, submission, uploads
from rights.vocabulary import KIND_IN_LETTERS, KIND_IN_LETTERS_ABOUT
from rights.web import rate_limit
from rights.web.access import public
from rights.web.helpers import client_ip, rt, today
from rights.web.portal import bp
from rights.web.portal.common import (
    DRAFT_KEY,
    add_error,
    draft_token,
    drafts,
    file_store,
    max_upload_text,
    settings,
    step_url,
    uploaded_documents,
)
from rights.web.portal.summary import summary

CONFIRMATION_KEY = "confirmation"
MAX_PREVIOUS_ADDRESSES = 10


# ---------------------------------------------------------------- drafts


def load_answers() -> dict[str, Any] | None:
    token = draft_token()
    if token is None:
        return None
    store = drafts()
    with rt().db.autocommit() as connection:  # two Core statements at most, each standing alone (rights.db)
        return store.load(connection, token, keep_alive=True)


def save_answers(answers: dict[str, Any]) -> None:
    token = draft_token()
    if token is None:
        from rights.drafts import new_token

        token = new_token()
        session[DRAFT_KEY] = token
    with rt().db.autocommit() as connection:  # an UPDATE, or the first answer's INSERT
        drafts().save(connection, token, answers)


def _changing() -> bool:
    """Whether the requester came from "check your answers" (a change link), so goes back there after."""
    return request.args.get("change") == "1"


def _is_upload_post() -> bool:
    return request.method == "POST" and (request.view_args or {}).get("step") in journey.UPLOAD_STEPS


def _not_upload() -> bool:
    return not _is_upload_post()


# ---------------------------------------------------------------- forms


def form_for(step: str, answers: dict[str, Any], *, from_request: bool = True) -> PortalForm:
    """The form for ``step``, worded for this requester and filled with their saved answer."""
    role, kind = journey.role(answers), journey.kind(answers)
    if step == "requester":
        cls: type[PortalForm] = requester_form_class(role)
    elif step == "details":
        cls = details_form_class(kind)
    else:
        cls = STEP_FORMS[step]
    saved = dict(answers.get(step) or {})
    if step == "details" and saved.get("kind") != kind:
        saved = {}
    if step in journey.UPLOAD_STEPS or step == "previous-addresses":
        saved = {k: v for k, v in saved.items() if k in ("basis",)}
    kwargs: dict[str, Any] = {"data": cls.initial(saved), "audience": journey.audience(answers), "request_kind": kind}
    if not from_request:
        kwargs["formdata"] = None
    if step == "services":
        kwargs["notice"] = privacy_notice.load()
    if step == "contact":
        kwargs["needs_postal"] = not journey.is_self(answers)
    return cls(**kwargs)


def render_step(step: str, form: PortalForm, answers: dict[str, Any], status: int = 200) -> tuple[str, int]:
    changing = _changing()
    previous = journey.previous_step(answers, step)
    back = url_for("portal.check") if changing else (step_url(previous) if previous else url_for("portal.start"))
    saved = answers.get(step) or {}
    address = answers.get("address") or {}
    context: dict[str, Any] = {
        "form": form, "step": step, "title": form.title, "audience": journey.audience(answers),
        "is_self": journey.is_self(answers), "kind": journey.kind(answers), "back_url": back,
        "changing": changing, "max_upload": max_upload_text(),
        "documents": (uploaded_documents([int(i) for i in saved.get("documents", [])])
                      if step in journey.UPLOAD_STEPS else []),
        "addresses": saved.get("addresses", []) if step == "previous-addresses" else [],
        "subject_address": ", ".join(x for x in (address.get("line1"), address.get("town"), address.get("postcode"))
                                     if x),
    }
    return render_template(f"portal/steps/{step}.html", **context), status


# ---------------------------------------------------------------- the question pages


@bp.get("/request")
@public
def begin() -> Response:
    return redirect(step_url("who"))


@bp.route("/request/<step>", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_UPLOAD", methods=["POST"], exempt_when=_not_upload)
def question(step: str) -> Any:
    if step not in journey.BY_NAME:
        abort(404)
    answers = load_answers()
    if answers is None:
        if draft_token() is not None or (request.method == "POST" and step != "who"):
            return redirect(url_for("portal.timed_out"))
        if step != "who":
            return redirect(step_url("who"))
        answers = {}
    if not journey.can_visit(answers, step):
        return redirect(step_url(journey.first_incomplete(answers) or journey.CHECK))
    form = form_for(step, answers)
    if request.method == "POST":
        if step in journey.UPLOAD_STEPS:
            assert isinstance(form, UploadForm)
            return _save_upload(step, form, answers)
        if step == "previous-addresses":
            return _save_previous_address(form, answers)
        if form.validate():
            answer = form.to_answer()
            problem = journey.contradiction(answers, step, answer, today())
            if problem is None:
                return _save_and_continue(step, answer, answers)
            target = {"date-of-birth": "date", "child": "age", "who": "role"}.get(step)
            add_error(form, getattr(form, target) if target else next(iter(form)), problem)
            return render_step(step, form, answers, 400)
    return render_step(step, form, answers)


def _save_and_continue(step: str, answer: dict[str, Any], answers: dict[str, Any]) -> Response:
    if step == "contact":
        answer["role"] = journey.role(answers)
    answers[step] = answer
    save_answers(answers)
    changing = _changing()
    return redirect(step_url(journey.next_step(answers, step, changing), changing))


def _save_upload(step: str, form: UploadForm, answers: dict[str, Any]) -> Any:
    """Store a valid file at once (even if another answer on the page is wrong); then continue or explain."""
    saved = dict(answers.get(step) or {})
    documents = [int(i) for i in saved.get("documents", [])]
    ok = form.validate()
    upload = request.files.get(form.file.name)
    if upload is not None and upload.filename:
        max_bytes = settings().max_upload_bytes
        try:
            checked = uploads.check(uploads.read_limited(upload.stream, max_bytes), upload.filename, max_bytes)
        except uploads.UploadRejected as exc:
            add_error(form, form.file, str(exc))
            ok = False
        else:
            with rt().db.transaction() as db_session:
                doc = uploads.store(db_session, file_store(), checked, purpose=form.purpose, ip=client_ip())
                documents.append(doc.id)
    saved["documents"] = documents
    basis = getattr(form, "basis", None)
    if basis is not None and basis.data and not basis.errors:
        saved["basis"] = basis.data
    if ok and step == "authority" and not documents:
        add_error(form, form.file, "Upload a copy of your authority to act")
        ok = False
    if ok:
        return _save_and_continue(step, saved, answers)
    if documents != [int(i) for i in (answers.get(step) or {}).get("documents", [])]:
        answers[step] = saved  # the file is kept; only the other answer needs fixing
        save_answers(answers)
    return render_step(step, form, answers)


def _save_previous_address(form: Any, answers: dict[str, Any]) -> Any:
    saved = dict(answers.get("previous-addresses") or {"addresses": []})
    addresses = list(saved.get("addresses", []))
    adding = request.form.get("action") == "add"
    if form.is_empty():
        if adding:
            add_error(form, form.line1, "Enter an address to add, or continue")
            return render_step("previous-addresses", form, answers)
        return _save_and_continue("previous-addresses", {"addresses": addresses}, answers)
    if not form.validate():
        return render_step("previous-addresses", form, answers)
    if len(addresses) >= MAX_PREVIOUS_ADDRESSES:
        add_error(form, form.line1, f"You can add up to {MAX_PREVIOUS_ADDRESSES} previous addresses")
        return render_step("previous-addresses", form, answers)
    addresses.append(form.to_answer())
    if adding:
        answers["previous-addresses"] = {"addresses": addresses}
        save_answers(answers)
        return redirect(step_url("previous-addresses", _changing()))
    return _save_and_continue("previous-addresses", {"addresses": addresses}, answers)


@bp.post("/request/<step>/remove/<int:item>")
@public
def remove(step: str, item: int) -> Response:
    """Remove an uploaded file or a previous address the requester added."""
    answers = load_answers()
    if answers is None:
        return redirect(url_for("portal.timed_out"))
    saved = dict(answers.get(step) or {})
    if step in journey.UPLOAD_STEPS:
        documents = [int(i) for i in saved.get("documents", [])]
        with rt().db.transaction() as db_session:
            if uploads.discard(db_session, file_store(), item, documents, ip=client_ip()):
                documents.remove(item)
        saved["documents"] = documents
    elif step == "previous-addresses":
        addresses = list(saved.get("addresses", []))
        if 0 <= item < len(addresses):
            addresses.pop(item)
        saved["addresses"] = addresses
    else:
        abort(404)
    answers[step] = saved
    save_answers(answers)
    return redirect(step_url(step, _changing()))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """A body over the request limit cannot be read at all: show the upload page again with the reason."""
    step = (request.view_args or {}).get("step")
    answers = load_answers()
    if step not in journey.UPLOAD_STEPS or answers is None:
        return render_template("errors/413.html", title="The file or form you sent is too large"), 413
    form = form_for(step, answers, from_request=False)
    add_error(form, form.file, f"The selected file must be smaller than {max_upload_text()}")
    return render_step(step, form, answers, status=413)


@bp.get("/request/timed-out")
@public
def timed_out() -> str:
    session.pop(DRAFT_KEY, None)
    return render_template("portal/timed_out.html", title="Your answers have been deleted",
                           idle_minutes=settings().session_idle_minutes)


# ---------------------------------------------------------------- check your answers and submit


@bp.route("/request/check", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_SUBMIT", methods=["POST"])
def check() -> Any:
    answers = load_answers()
    if answers is None:
        if request.method == "POST" and session.get(CONFIRMATION_KEY):
            return redirect(url_for("portal.confirmation"))  # a second click on "Send"
        return redirect(url_for("portal.timed_out") if draft_token() else step_url("who"))
    missing = journey.first_incomplete(answers)
    if missing is not None:
        return redirect(step_url(missing))
    form = CheckForm(audience=journey.audience(answers), request_kind=journey.kind(answers))
    if request.method == "POST" and form.validate():
        token = draft_token()
        store = drafts()
        with rt().db.transaction() as db_session:
            locked = store.load(db_session, token, lock=True)
            result = None
            if locked is not None:
                result = submission.submit(db_session, rt().queue, locked, ip=client_ip())
                store.discard(db_session, str(token))
        session.pop(DRAFT_KEY, None)
        if result is not None:
            session[CONFIRMATION_KEY] = {
                "reference": result.reference, "kind": result.kind, "due_on": result.due_on.isoformat(),
                "provisional": result.provisional, "email": result.email, "audience": journey.audience(answers),
                "has_id": bool((answers.get("proof-of-id") or {}).get("documents")),
                "by_post": result.by_post,
            }
        return redirect(url_for("portal.confirmation"))
    return render_template("portal/check.html", form=form, title=form.title, sections=summary(answers),
                           audience=journey.audience(answers), kind=journey.kind(answers),
                           back_url=step_url(journey.previous_step(answers, journey.CHECK) or "who"))


@bp.get("/request/confirmation")
@public
def confirmation() -> Any:
    done = session.get(CONFIRMATION_KEY)
    if not isinstance(done, dict):
        return redirect(url_for("portal.start"))
    return render_template("portal/confirmation.html", title="Request sent", done=done,
                           due_on=date.fromisoformat(done["due_on"]),
                           kind_name=(KIND_IN_LETTERS_ABOUT if done.get("audience") in ("parent", "representative")
                                      else KIND_IN_LETTERS).get(done["kind"], "request"))
