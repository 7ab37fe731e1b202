"""The case page and what is done from it: actions, notes, documents, the audit trail.

The disclosure log pages are :mod:`.disclosures`; logging a request received outside the portal is
:mod:`.log_request`.

Thin views: each parses a form, calls one service in :mod:`rights.cases` inside a transaction, and
renders or redirects. A refused action raises inside the transaction, so nothing of it is committed;
the view then shows the workflow's reason beside the field it is about. Record holders are limited to
their services' cases here (:func:`rights.cases.can_see_request`); an attempt on another service's case
is audited as ``access.denied`` and answered with 404, which says nothing about whether it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import options
from forms.dashboard import CorrectSubjectForm, NoteForm, action_form
from rights import audit, cases, clock, jobs, search, workflow
from rights.bundles import versions as bundle_versions
from rights.cases import Actor, CaseAccessDenied, CaseError, CaseNotFound, OtherCase
from rights.models import RightsRequest, Role
from rights.permissions import AUDIT_READERS, CASE_VIEWERS, CASEWORKERS, can_see_audit, is_caseworker
from rights.redaction import decisions as redaction_decisions
from rights.vocabulary import KIND_TITLES
from rights.web.access import staff
from rights.web.dashboard import bp, given
from rights.web.helpers import audit_denied, client_ip, download, rt, today
from rights.workflow import Firing


def actor() -> Actor:
    return Actor.of(current_user)


def _case_or_deny(db_session: Session, reference: str, who: Actor,
                  find: Callable[[Session, str, Actor], RightsRequest] = cases.find_case) -> RightsRequest:
    """The case if this user may see it; otherwise audit the attempt (own transaction) and answer 404.

    ``find`` is the service that looks the case up (``cases.view_case`` when the look-up is itself audited).
    """
    try:
        return find(db_session, reference, who)
    except CaseNotFound:
        abort(404)
    except CaseAccessDenied:
        found = db_session.scalars(select(RightsRequest.id).where(RightsRequest.reference == reference)).first()
        audit_denied(f"{who.role} may not see case {reference} (not one of their services)", request_id=found)
        abort(404)


# --------------------------------------------------------------------------------------------------
# Navigation and landing


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    def staff_navigation(active: str = "") -> list[dict[str, Any]]:
        if not current_user.is_authenticated:
            return []
        views = current_app.view_functions
        role = current_user.role
        items: list[tuple[str, str, str]] = []
        if is_caseworker(role):
            if "dashboard.case_list" in views:
                items.append(("cases", "Cases", url_for("dashboard.case_list")))
            items.append(("log", "Log a request", url_for("dashboard.log_request")))
            if "dashboard.post_list" in views:
                items.append(("post", "To post", url_for("dashboard.post_list")))
            if "dashboard.reports_page" in views:
                items.append(("reports", "Reports", url_for("dashboard.reports_page")))
        if role == Role.RECORD_HOLDER.value:
            items.append(("cases", "Your services' cases", url_for("dashboard.my_cases")))
            if "dashboard.my_searches" in views:
                items.append(("searches", "Your search tasks", url_for("dashboard.my_searches")))
        if role == Role.ADMIN.value:
            items.append(("admin", "Admin", url_for("dashboard.admin_users")))
        return [{"text": text, "href": href, "active": key == active} for key, text, href in items]

    return {"staff_navigation": staff_navigation, "workflow_label": workflow.label, "short_date": clock.short_date}


@bp.app_template_filter("london_time")
def london_time(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored (UTC) moment as London wall-clock time, the one way the dashboard shows times; "" for none."""
    return value.astimezone(clock.LONDON).strftime(fmt) if value else ""


@bp.get("/")
@staff(*Role)
def home() -> Any:
    from rights.web.auth import home_for

    return redirect(home_for(current_user.role))


@bp.get("/my-cases")
@staff(Role.RECORD_HOLDER)
def my_cases() -> Any:
    """A record holder's open cases: those about their services (their tasks are on each case)."""
    who = actor()
    with rt().db.transaction() as db_session:
        visible = cases.services_cases(db_session, who)
        audit.record(db_session, who.ref, "cases.listed", target="my-cases", detail={"count": len(visible)},
                     ip=client_ip())
    return render_template("dashboard/my_cases.html", cases=visible, kind_labels=KIND_TITLES, today=today(),
                           active_nav="cases")


# --------------------------------------------------------------------------------------------------
# The case page


def _clock_panel(request_: RightsRequest, on: date) -> dict[str, Any]:
    try:
        result = workflow.compute_clock(request_, on)
    except clock.ClockError as exc:  # stored events the law does not allow: say so instead of a date
        return {"error": str(exc)}
    days_left = clock.working_days_left(result.due, on)
    running = workflow.is_open(request_.kind, request_.status) and request_.status != "released"
    return {
        "result": result,
        "pauses": workflow.clock_input(request_).pauses,
        "days_left": days_left if running else None,
        "rag": clock.rag(days_left) if running else "none",
    }


def _visible_duplicate(db_session: Session, case: RightsRequest, who: Actor) -> RightsRequest | None:
    """The possible duplicate, only if this user may see it: its reference is another case's, perhaps
    another service's, and names nothing a record holder of this one may know exists."""
    if not case.possible_duplicate_of_id:
        return None
    other = db_session.get(RightsRequest, case.possible_duplicate_of_id)
    return other if other is not None and cases.can_see_request(who, other) else None


@bp.get("/cases/<reference>")
@staff(*CASE_VIEWERS)
def case_page(reference: str) -> Any:
    from rights.web.dashboard.release import has_release_panel, release_panel
    who = actor()
    on = today()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who, partial(cases.view_case, ip=client_ip()))
        # Read once for the buttons and the panels alike: a version prepared between two readings would
        # otherwise show in the release panel while "Send for approval" waited for the next refresh.
        review = redaction_decisions.progress(db_session, case.id)
        version = bundle_versions.state(db_session, rt().cipher, case) if has_release_panel(case) else None
        facts = cases.facts_for(db_session, case, who, on, review=review, version=version)
        actions = cases.available_actions(db_session, case, who, on, facts)
        context = {
            "case": case,
            "clock_panel": _clock_panel(case, on),
            "actions": actions,
            "blocked": {t.event: cases.blocked_by(facts, t.event) for t in actions},
            "checklist": cases.checklist(db_session, case, facts),
            "decisions": cases.decisions_made(db_session, case),
            "timeline": cases.timeline(db_session, case),
            "disclosures": cases.disclosures(db_session, case) if case.kind in cases.ART19_KINDS else None,
            "documents": [(d, cases.can_open_document(who, d)) for d in case.documents],
            "duplicate": _visible_duplicate(db_session, case, who),
            "assignee": case.assignee,
            "note_form": NoteForm(),
            "can_keep_log": is_caseworker(who.role) and workflow.is_open(case.kind, case.status),
            "can_see_audit": can_see_audit(who.role),
            # The database mirror of the case's background jobs: officers see them without asking Redis.
            "jobs": jobs.for_request(db_session, case.id),
            "search_panel": search.panel(db_session, case, who),
            "review_progress": review if is_caseworker(who.role) else None,
            "release_panel": release_panel(db_session, case, who, state=version, undecided=review.undecided),
        }
        # Rendered inside the transaction: the template reads the case's people and documents lazily.
        return render_template("dashboard/case.html", kind_labels=KIND_TITLES, today=on, title=reference,
                               given_subject=given.subject_rows(case), given_requester=given.requester_rows(case),
                               given_request=given.request_rows(case),
                               can_correct=is_caseworker(who.role) and workflow.is_open(case.kind, case.status),
                               **context)


@bp.route("/cases/<reference>/actions/<event>", methods=["GET", "POST"])
@staff(*CASE_VIEWERS)
def case_action(reference: str, event: str) -> Any:
    """One action, one page: its form, the workflow's refusal shown beside the field it is about."""
    who = actor()
    on = today()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        wf = workflow.workflow_for(case.kind)
        transition = wf.transition(event)
        if transition is None:
            abort(404)
        if who.role not in transition.roles:
            audit_denied(f"role {who.role} may not {event}", request_id=case.id)
            abort(403)
        facts = cases.facts_for(db_session, case, who, on)
        allowed = {t.event for t in cases.available_actions(db_session, case, who, on)
                   if not cases.blocked_by(facts, t.event)}  # open checks refuse it as a guard would
        staff_choices = [(u.id, f"{u.name} ({u.role})") for u in cases.assignable_staff(db_session)]
        override_choices = [(s.check.name, s.check.label) for s in workflow.overridable_now(facts)]
        panel = _clock_panel(case, on)
        kind, status, case_id = case.kind, case.status, case.id
        refused_now = request.method == "GET" and event not in allowed
        refusal = _why_not(db_session, case, event, who, on) if refused_now else None
        blocked_checks = cases.blocked_by(facts, event) if refused_now else []
    form = action_form(event, kind, request.form if request.method == "POST" else None, today=on)
    if "assignee" in form._fields:
        form.assignee.choices = options([(0, "Choose a person"), *staff_choices])
    if event == "decide" and kind != "complaint" and "outcome" in form._fields:
        form.outcome.choices = options(workflow.rights_outcomes_for(who.role).items())  # never offer what is refused
    if "check" in form._fields:
        form.check.choices = options([("", "Choose a check"), *override_choices])
    problem = refusal
    if request.method == "POST" and form.validate_on_submit():
        firing = _firing(form)
        try:
            with rt().db.transaction() as db_session:
                case = db_session.get(RightsRequest, case_id)
                assert case is not None
                result = cases.perform(db_session, rt().queue, case, who, event, firing, today=on, ip=client_ip())
                message = result.message
        except CaseError as exc:
            if exc.code == "role":
                audit_denied(str(exc), request_id=case_id)
                abort(403)
            problem = str(exc)
            _attach_error(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("dashboard.case_page", reference=reference))
    status_code = 400 if request.method == "POST" else 200
    return render_template("dashboard/action.html", form=form, transition=transition, case_ref=reference,
                           kind=kind, status=status, clock_panel=panel, problem=problem, today=on,
                           blocked_checks=blocked_checks,
                           allowed=event in allowed or request.method == "POST",
                           title=transition.label, kind_labels=KIND_TITLES), status_code


def _firing(form: Any) -> Firing:
    fields = form._fields
    options: dict[str, Any] = {}
    for name in ("ground", "outcome", "supplementary_statement", "method", "basis", "view", "note", "check"):
        if name in fields and fields[name].data:
            options[name] = fields[name].data
    if "assignee" in fields:
        options["assignee_id"] = fields["assignee"].data or None
    return Firing(on=fields["on"].data if "on" in fields else None,
                  reason=fields["reason"].data if "reason" in fields else None, options=options)


def _attach_error(form: Any, exc: CaseError) -> None:
    fields = form._fields
    target = {"on": "on", "reason": "reason"}.get(exc.field or "")
    if target is None and exc.field == "options":
        target = next((n for n in ("assignee", "ground", "outcome", "method", "basis", "view", "check", "note")
                       if n in fields), None)
    if target and target in fields:
        fields[target].errors = [*fields[target].errors, str(exc)]


def _why_not(db_session: Session, case: RightsRequest, event: str, who: Actor, on: date) -> str:
    """The workflow's own words for why this action cannot be taken now."""
    try:
        workflow.fire(event, cases.facts_for(db_session, case, who, on))
    except workflow.WorkflowError as exc:
        if exc.code != "input":
            return str(exc)
    return ""


@bp.post("/cases/<reference>/notes")
@staff(*CASE_VIEWERS)
def add_note(reference: str) -> Any:
    who = actor()
    form = NoteForm()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)  # refused before anything, even an empty note
        if not form.validate_on_submit():
            flash("Enter the note before adding it.", "info")
            return redirect(url_for("dashboard.case_page", reference=reference, _anchor="notes"))
        cases.add_note(db_session, case, who, form.body.data or "", ip=client_ip())
    flash("Note added.", "success")
    return redirect(url_for("dashboard.case_page", reference=reference, _anchor="timeline"))


@bp.get("/cases/<reference>/documents/<int:document_id>")
@staff(*CASE_VIEWERS)
def document(reference: str, document_id: int) -> Any:
    """Decrypt and send one document as a download (never rendered inline), auditing the view."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        try:
            doc = cases.open_document(db_session, case, who, document_id, ip=client_ip())
        except OtherCase:
            audit_denied(f"{who.role} asked for document {document_id} through case {reference}, which does not "
                         "hold it", request_id=case.id)
            abort(404)
        except CaseNotFound:
            abort(404)
        except CaseAccessDenied:
            audit_denied(f"{who.role} may not open {document_id}", request_id=case.id)
            abort(403)
        filename, content_type, key = doc.filename, doc.content_type, doc.storage_key
    data = rt().files.get(key)
    return download(data, content_type, filename, "document")


# --------------------------------------------------------------------------------------------------
# The case's audit trail


@bp.get("/cases/<reference>/audit")
@staff(*AUDIT_READERS)
def case_audit(reference: str) -> Any:
    """Who saw and did what on this case. Administrators see the trail, not the case's contents."""
    with rt().db.transaction() as db_session:
        case = db_session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).first()
        if case is None:
            abort(404)
        entries = cases.case_audit(db_session, case)
        names = cases.staff_names(db_session)
        audit.record(db_session, actor().ref, "case.audit_viewed", request_id=case.id,
                     target=reference, ip=client_ip())
    return render_template("dashboard/case_audit.html", case_ref=reference, entries=entries, names=names,
                           title=f"Audit trail of {reference}")


@bp.route("/cases/<reference>/subject", methods=["GET", "POST"])
@staff(*CASEWORKERS)
def correct_subject(reference: str) -> Any:
    """Correct a mistyped date of birth, name, address or NHS number; audited; then search again."""
    who = actor()
    form = CorrectSubjectForm()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        if request.method == "GET":
            s = case.subject
            current = next((a for a in s.addresses or [] if isinstance(a, dict) and a.get("current")), {})
            form.given_names.data, form.family_name.data = s.given_names, s.family_name
            form.date_of_birth.data = s.date_of_birth
            form.nhs_number.data = (s.identifiers or {}).get("nhs_number") or ""
            form.address.data = "\n".join(current.get("lines") or [])
            form.postcode.data = current.get("postcode") or ""
    if request.method == "POST" and form.validate_on_submit():
        fix = cases.SubjectCorrection(
            given_names=form.given_names.data or "", family_name=form.family_name.data or "",
            date_of_birth=form.date_of_birth.data, nhs_number=form.nhs_number.data,
            address_lines=tuple((form.address.data or "").splitlines()), postcode=form.postcode.data,
            reason=form.reason.data or "")
        try:
            with rt().db.transaction() as db_session:
                case = _case_or_deny(db_session, reference, who)
                changed = cases.correct_subject(db_session, case, who, fix, ip=client_ip())
        except CaseError as exc:
            target = form._fields.get(exc.field or "") or form.given_names
            target.errors = [*target.errors, str(exc)]
        else:
            flash(f"Corrected: {', '.join(changed)}. Search the systems again so the matcher uses the corrected "
                  f"details.", "success")
            return redirect(url_for("dashboard.case_page", reference=reference))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/correct_subject.html", form=form, case_ref=reference,
                           title="Correct the subject's details"), status
