"""Searches on the dashboard: the case page's panel, settling matches, gathered records, the search log,
and the record holder's tasks (confirm the search, report none held, upload what the connector cannot reach).

Thin views over :mod:`rights.search` (the domain actions, each audited there) and
:mod:`rights.search` (who reaches which task, what the pages show). A record holder reaches only
their services' tasks: another service's task, or a record of one, answers 404 and is audited as
``access.denied``, like another service's case.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.searches import DECISIONS, ConfirmSearchForm, DecideCandidateForm, NoneHeldForm, RecordUploadForm
from rights import audit, cases, privacy_notice, search, workflow
from rights.cases import Actor, CaseAccessDenied, CaseError, CaseNotFound
from rights.models import RightsRequest, Role, SearchTask
from rights.permissions import CASE_VIEWERS, CASEWORKERS
from rights.uploads import UploadRejected, check_record, read_limited
from rights.vocabulary import KIND_TITLES
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import _case_or_deny, actor
from rights.web.helpers import audit_denied, client_ip, download, rt


def _task_or_deny(db_session: Session, task_id: int, who: Actor) -> SearchTask:
    """The task if this user may reach it; another service's task is audited and answered with 404."""
    try:
        return search.find_task(db_session, task_id, who)
    except CaseNotFound:
        abort(404)
    except CaseAccessDenied:
        request_id = db_session.scalar(select(SearchTask.request_id).where(SearchTask.id == task_id))
        audit_denied(f"{who.role} may not reach search task {task_id} (not one of their services)",
                     request_id=request_id)
        abort(404)


# --------------------------------------------------------------------------------------------------
# Officers: settling a match


@bp.post("/cases/<reference>/searches/candidates/<int:candidate_id>/reopen")
@staff(*CASEWORKERS)
def reopen_candidate(reference: str, candidate_id: int) -> Any:
    """Undo a decision on a match: it waits for an officer again, and review waits for it."""
    who = actor()
    if not DecideCandidateForm().validate_on_submit():
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            case = _case_or_deny(db_session, reference, who)
            candidate = search.decidable_candidate(db_session, case, candidate_id)
            search.reopen_candidate(db_session, rt().queue, candidate.id, who.ref, request.form.get("reason"),
                                    settings=rt().settings)
            person_id = candidate.person_id
    except CaseNotFound:
        abort(404)
    except (CaseError, search.SearchError) as exc:
        flash(str(exc), "info")
    else:
        flash(f"The decision on {person_id} is reopened: accept or reject it again.", "success")
    return redirect(url_for("dashboard.case_page", reference=reference, _anchor="searches"))


@bp.post("/cases/<reference>/searches/tasks/<int:task_id>/close")
@staff(*CASEWORKERS)
def close_search_task(reference: str, task_id: int) -> Any:
    """An officer closes a search its record holder has not confirmed, with the reason."""
    who = actor()
    if not DecideCandidateForm().validate_on_submit():
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            case = _case_or_deny(db_session, reference, who)
            task = search.find_task(db_session, task_id, who)
            if task.request_id != case.id:
                raise CaseNotFound(str(task_id))
            search.close_task(db_session, task.id, who, request.form.get("reason"))
    except CaseNotFound:
        abort(404)
    except (CaseError, search.SearchError) as exc:
        flash(str(exc), "info")
    else:
        flash("The search is closed with your reason.", "success")
    return redirect(url_for("dashboard.case_page", reference=reference, _anchor="searches"))


@bp.post("/cases/<reference>/searches/candidates/<int:candidate_id>")
@staff(*CASEWORKERS)
def decide_candidate(reference: str, candidate_id: int) -> Any:
    """Accept (its records are gathered after commit) or reject (anything gathered is removed) a match."""
    who = actor()
    form = DecideCandidateForm()
    decision = request.form.get("decision", "")
    if not form.validate_on_submit() or decision not in DECISIONS:
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            case = _case_or_deny(db_session, reference, who)
            candidate = search.decidable_candidate(db_session, case, candidate_id)
            search.decide_candidate(db_session, rt().queue, candidate.id, decision == "accept", who.ref,
                                    settings=rt().settings, reason=request.form.get("reason"))
            person_id, source = candidate.person_id, candidate.task.source
    except CaseNotFound:
        abort(404)
    except (CaseError, search.SearchError) as exc:
        flash(str(exc), "info")
    else:
        if decision == "accept":
            flash(f"{person_id} in {source} accepted as the subject: their records are being gathered.", "success")
        else:
            flash(f"{person_id} in {source} rejected: nothing of theirs is kept.", "success")
    return redirect(url_for("dashboard.case_page", reference=reference, _anchor="searches"))


# --------------------------------------------------------------------------------------------------
# The search log


@bp.get("/cases/<reference>/search-log")
@staff(*CASEWORKERS)
def search_log(reference: str) -> Any:
    """The evidence of a reasonable and proportionate search: each system, the terms, who, when, result."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        entries = search.search_log(db_session, case.id)
        audit.record(db_session, who.ref, "search_log.viewed", request_id=case.id, target=reference,
                     detail={"sources": len(entries)}, ip=client_ip())
        return render_template("dashboard/search_log.html", case=case, entries=entries,
                               names=cases.staff_names(db_session), terms_used=search.terms_used, london=search.london,
                               status_labels=search.STATUS_LABELS, outcome_labels=search.OUTCOME_LABELS,
                               kind_labels=KIND_TITLES, service_label=privacy_notice.load().service_label,
                               back_url=url_for("dashboard.case_page", reference=reference),
                               title=f"Search log of {reference}")


@bp.get("/cases/<reference>/search-log.txt")
@staff(*CASEWORKERS)
def search_log_text(reference: str) -> Any:
    """The same log as plain text, for the case file."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        entries = search.search_log(db_session, case.id)
        audit.record(db_session, who.ref, "search_log.downloaded", request_id=case.id, target=reference,
                     detail={"sources": len(entries)}, ip=client_ip())
        text = search.render_search_log(entries, case.reference)
    return download(text, "text/plain", f"search-log-{reference}.txt", "search-log")


# --------------------------------------------------------------------------------------------------
# Gathered records (decrypted on view; each view audited "record.viewed")


@bp.get("/searches/<int:task_id>/records/<int:record_id>")
@staff(*CASE_VIEWERS)
def record_page(task_id: int, record_id: int) -> Any:
    who = actor()
    cipher = rt().cipher
    with rt().db.transaction() as db_session:
        task = _task_or_deny(db_session, task_id, who)
        try:
            record, text = search.open_record(db_session, task, record_id, who, cipher=cipher, ip=client_ip())
        except CaseNotFound:
            abort(404)
        except CaseAccessDenied:
            _deny_record(task, record_id, who)
        reference = db_session.get(RightsRequest, task.request_id).reference  # type: ignore[union-attr]
        return render_template("dashboard/search_record.html", record=record, text=text, task=task,
                               reference=reference, involved=search.involvement_lines(record, cipher),
                               back_url=_back_to(task, reference, who), title=record.title)


@bp.get("/searches/<int:task_id>/records/<int:record_id>/file")
@staff(*CASE_VIEWERS)
def record_file(task_id: int, record_id: int) -> Any:
    """The record's original file, decrypted, as a download (never rendered inline)."""
    who = actor()
    cipher = rt().cipher
    with rt().db.transaction() as db_session:
        task = _task_or_deny(db_session, task_id, who)
        try:
            record, _ = search.open_record(db_session, task, record_id, who, cipher=cipher, as_file=True,
                                                 ip=client_ip())
        except CaseNotFound:
            abort(404)
        except CaseAccessDenied:
            _deny_record(task, record_id, who)
        key, name, content_type = record.file_key, record.file_name or record.record_id, record.content_type
    data = rt().files.get(key)  # type: ignore[arg-type]
    return download(data, content_type, name, "record")


def _deny_record(task: SearchTask, record_id: int, who: Actor) -> NoReturn:
    audit_denied(f"{who.role} asked for record {record_id} through search task {task.id}, which does not hold it",
                 request_id=task.request_id)
    abort(404)


def _back_to(task: SearchTask, reference: str, who: Actor) -> str:
    if who.role == Role.RECORD_HOLDER.value:
        return url_for("dashboard.search_task", task_id=task.id)
    return url_for("dashboard.case_page", reference=reference, _anchor="searches")


# --------------------------------------------------------------------------------------------------
# Record holders: their tasks


@bp.get("/my-searches")
@staff(Role.RECORD_HOLDER)
def my_searches() -> Any:
    """A record holder's search tasks on open requests, for every request whichever services it named."""
    who = actor()
    with rt().db.transaction() as db_session:
        tasks = search.holder_tasks(db_session, who)
        views = search.task_views(db_session, tasks)
        requests = {r.id: r for r in db_session.scalars(
            select(RightsRequest).where(RightsRequest.id.in_({t.request_id for t in tasks})))}
        rows = [(view, requests[task.request_id]) for view, task in zip(views, tasks, strict=True)]
        audit.record(db_session, who.ref, "search_tasks.listed", target="my-searches",
                     detail={"count": len(rows)}, ip=client_ip())
        return render_template("dashboard/my_searches.html", rows=rows, active_nav="searches",
                               title="Your search tasks")


def _task_page(task_id: int, *, status: int = 200, confirm: ConfirmSearchForm | None = None,
               none_held: NoneHeldForm | None = None, upload: RecordUploadForm | None = None,
               failed: Any = None) -> Any:
    who = actor()
    with rt().db.transaction() as db_session:
        task = _task_or_deny(db_session, task_id, who)
        if status == 200:
            search.view_task(db_session, task_id, who, ip=client_ip())
        case = db_session.get(RightsRequest, task.request_id)
        assert case is not None
        (view,) = search.task_views(db_session, [task])
        return render_template(
            "dashboard/search_task.html", task=view, case=case, terms=search.subject_terms(task),
            records=search.record_views(db_session, [task]), is_open=workflow.is_open(case.kind, case.status),
            confirm_form=confirm or ConfirmSearchForm(prefix="confirm"),
            none_form=none_held or NoneHeldForm(prefix="none"),
            upload_form=upload or RecordUploadForm(prefix="upload"),
            form=failed, kind_labels=KIND_TITLES, active_nav="searches", back_url=url_for("dashboard.my_searches"),
            title=f"Search of {view.service_label} for {case.reference}",
        ), status


@bp.get("/searches/<int:task_id>")
@staff(Role.RECORD_HOLDER)
def search_task(task_id: int) -> Any:
    """One task: the subject's search terms, what the automatic search found, and the holder's actions."""
    return _task_page(task_id)


def _holder_action(task_id: int, form: Any, kind: str, act: Any, done: str) -> Any:
    """Run one record-holder action in a transaction; show the task page with the error if refused."""
    who = actor()
    with rt().db.transaction() as db_session:
        _task_or_deny(db_session, task_id, who)
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                task = search.find_task(db_session, task_id, who)
                search.ensure_open(db_session, task)
                act(db_session, task, who)
        except (CaseError, search.SearchError, UploadRejected) as exc:
            target = form.file if kind == "upload" else form.note
            target.errors = [*target.errors, str(exc)]
        else:
            flash(done, "success")
            return redirect(url_for("dashboard.search_task", task_id=task_id))
    return _task_page(task_id, status=400, failed=form, **{kind: form})


@bp.post("/searches/<int:task_id>/confirm")
@staff(Role.RECORD_HOLDER)
def confirm_search(task_id: int) -> Any:
    form = ConfirmSearchForm(prefix="confirm")

    def act(db_session: Session, task: SearchTask, who: Actor) -> None:
        search.ensure_searched(task)
        search.confirm_search(db_session, task.id, who.id, (form.note.data or "").strip() or None)

    return _holder_action(task_id, form, "confirm", act, "Search confirmed. It is in the search log.")


@bp.post("/searches/<int:task_id>/none-held")
@staff(Role.RECORD_HOLDER)
def report_none_held(task_id: int) -> Any:
    form = NoneHeldForm(prefix="none")

    def act(db_session: Session, task: SearchTask, who: Actor) -> None:
        search.report_none_held(db_session, task.id, who.id, (form.note.data or "").strip() or None)

    return _holder_action(task_id, form, "none_held", act, "Recorded that your system holds no records.")


@bp.post("/searches/<int:task_id>/records")
@staff(Role.RECORD_HOLDER)
def upload_record(task_id: int) -> Any:
    """A record the connector cannot reach: checked by content, size limited, stored encrypted."""
    form = RecordUploadForm(prefix="upload")
    settings = rt().settings

    def act(db_session: Session, task: SearchTask, who: Actor) -> None:
        upload = request.files.get(form.file.name)
        if upload is None or not upload.filename:
            raise UploadRejected("Select a file")
        checked = check_record(read_limited(upload.stream, settings.max_upload_bytes),
                                            upload.filename, settings.max_upload_bytes)
        search.add_record_upload(db_session, settings, task.id, who.id, filename=checked.filename,
                                 data=checked.data, title=(form.title.data or "").strip() or None,
                                 record_date=form.record_date.data, content_type=checked.content_type)

    return _holder_action(task_id, form, "upload", act, "Record uploaded and stored encrypted.")
