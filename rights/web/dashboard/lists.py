"""Case list views: my cases and all cases, filters, search, keyset pages, and the bulk actions.

Thin by design: the query string becomes a :class:`rights.caselist.CaseFilter`, ``rights.caselist`` does
the work, and every view and action is audited. Record holders have no case list here (their tasks live
elsewhere); the access rule admits officers and managers only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from forms import options
from forms.lists import BulkActionForm, CaseFilterForm
from rights import audit, caselist
from rights.caselist import CaseFilter, CasePage, Cursor, DueWindow
from rights.permissions import CASEWORKERS
from rights.staff import StaffMember, assignable_staff
from rights.vocabulary import KIND_SHORT_LABELS, Role
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import actor as case_actor
from rights.web.helpers import actor, client_ip, id_or_none, rt, today

FILTER_KEYS = ("view", "q", "kind", "stage", "due", "assignee", "service", "sort")


def parse_filter(args: MultiDict[str, str], user_id: int) -> tuple[str, CaseFilter]:
    """The view ("mine" or "all") and the filter from a query string; unknown values are ignored."""
    view = "all" if args.get("view") == "all" else "mine"
    kind = args.get("kind") or None
    if kind not in KIND_SHORT_LABELS:
        kind = None
    stage = args.get("stage") or "open"
    if stage not in ("open", "all") and stage not in caselist.stages():
        stage = "open"
    due_raw = args.get("due") or ""
    due = DueWindow(due_raw) if due_raw in {w.value for w in DueWindow} else None
    assignee_id: int | None = None
    unassigned = False
    if view == "mine":
        assignee_id = user_id
    else:
        raw = args.get("assignee") or ""
        if raw == "none":
            unassigned = True
        else:
            assignee_id = id_or_none(raw)
    service = (args.get("service") or "").strip()[:60] or None
    q = " ".join((args.get("q") or "").split())[:100]
    return view, CaseFilter(kind=kind, stage=stage, due=due, assignee_id=assignee_id, unassigned=unassigned,
                            service=service, q=q, descending=args.get("sort") == "-due")


def filter_args(args: MultiDict[str, str]) -> dict[str, str]:
    """The non-empty filter parameters, to carry into page links and back from a bulk action."""
    return {k: v for k in FILTER_KEYS if (v := (args.get(k) or "").strip())}


@lru_cache(maxsize=8)
def _staff_options(staff_members: tuple[StaffMember, ...]) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """The assignee filter's and the bulk-assign select's choices for this list of officers, made once per
    list (never changed by WTForms; a new officer or a new name is a new list)."""
    people = [(str(s.id), s.name) for s in staff_members]
    return (options([("", "Anyone"), ("none", "Nobody (unassigned)"), *people]),
            options([("", "Choose an officer"), *people]))


def _choices(f: CaseFilter) -> dict[str, list[tuple[str, str]]]:
    services = caselist.known_services()
    if f.service and f.service not in dict(services):
        services.append((f.service, f.service))
    return {
        "kind": [("", "Any type"), *((k, v) for k, v in KIND_SHORT_LABELS.items())],
        "stage": [("open", "Any open stage"), ("all", "Any stage, including closed"),
                  *((s, caselist.stage_label(s)) for s in caselist.stages())],
        "due": [("", "Any due date"), *((w.value, label) for w, label in caselist.DUE_WINDOW_LABELS.items())],
        "service": [("", "Any service"), *services],
    }


def _case_page_prefix() -> str:
    """The case page's address before the reference: one ``url_for`` per list rather than one per row."""
    marker = "0"
    return url_for(".case_page", reference=marker)[: -len(marker)]


def _render_list(args: MultiDict[str, str], bulk: BulkActionForm, status: int = 200,
                 errors: list[dict[str, str]] | None = None) -> tuple[str, int]:
    view, f = parse_filter(args, current_user.id)
    after = Cursor.decode(args.get("after"))
    before = Cursor.decode(args.get("before")) if after is None else None
    day = today()
    with rt().db.transaction() as session:
        page: CasePage = caselist.list_cases(session, f, day, after=after, before=before)
        choices = _choices(f)
        assignees, officers = _staff_options(tuple(assignable_staff(session)))
        # New requests nobody has picked up: shown to every officer, whatever list they are looking at.
        unassigned_new, _capped = caselist.count_cases(session, CaseFilter(stage="received", unassigned=True), day)
        awaiting_approval = (caselist.count_cases(session, CaseFilter(stage="awaiting_approval"), day)[0]
                             if current_user.role == Role.MANAGER.value else 0)
        # Audited last: the audit head row is locked until commit, so keep that window short.
        audit.record(session, actor(), "cases.listed", target=request.path,
                     detail={"view": view, "filter": f.describe(), "after": args.get("after"),
                             "before": args.get("before"), "shown": [r.reference for r in page.rows]},
                     ip=client_ip())
    form = CaseFilterForm(formdata=MultiDict({**filter_args(args), "view": view}))
    for name in ("kind", "stage", "due", "service"):
        getattr(form, name).choices = options(choices[name])
    form.assignee.choices = assignees
    bulk.assignee.choices = officers
    keep = filter_args(args)
    keep["view"] = view
    return render_template(
        "dashboard/list.html",
        title="My cases" if view == "mine" else "All cases",
        view=view,
        page=page,
        form=form,
        bulk=bulk,
        bulk_errors=errors or [],
        back=request.query_string.decode()[:2000] if request.method == "GET" else (bulk.back.data or ""),
        next_url=url_for(".case_list", **keep, after=page.next_cursor.encode()) if page.next_cursor else None,
        prev_url=url_for(".case_list", **keep, before=page.prev_cursor.encode()) if page.prev_cursor else None,
        tab_urls={"mine": url_for(".case_list", view="mine"), "all": url_for(".case_list", view="all")},
        clear_url=url_for(".case_list", view=view),
        case_href=_case_page_prefix(),
        filtered=any(k in keep for k in FILTER_KEYS if k not in ("view", "sort")),
        unassigned_new=unassigned_new,
        unassigned_url=url_for(".case_list", view="all", stage="received", assignee="none"),
        awaiting_approval=awaiting_approval,
        approval_url=url_for(".case_list", view="all", stage="awaiting_approval"),
    ), status


@bp.get("/cases")
@staff(*CASEWORKERS)
def case_list() -> Any:
    """My cases or all cases, filtered, searched and paged by due date."""
    return _render_list(request.args, BulkActionForm(formdata=None, prefix="bulk"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@bp.post("/cases/bulk")
@staff(*CASEWORKERS)
def bulk_action() -> Any:
    """Assign the ticked cases, or remind their record holders; then back to the same list."""
    form = BulkActionForm(prefix="bulk")
    back_args = MultiDict([(k, v) for k, vs in parse_qs(form.back.data or "").items() for v in vs])

    def problem(text: str, href: str) -> tuple[str, int]:
        return _render_list(back_args, form, 400, [{"text": text, "href": href}])

    if not form.validate_on_submit():  # the CSRF token is checked before this view runs
        return problem("The form could not be read; try again", "#bulk")
    ids = [i for v in request.form.getlist("case") if (i := id_or_none(v)) is not None]
    if not ids:
        return problem("Select at least one case", "#cases-table")
    who = case_actor()
    try:
        if form.assign.data:
            assignee = id_or_none(form.assignee.data)
            if assignee is None:
                form.assignee.errors = ["Choose who to assign the selected cases to"]
                return problem(form.assignee.errors[0], "#bulk-assignee")
            with rt().db.transaction() as session:
                result = caselist.assign(session, rt().queue, ids, assignee, actor=who,
                                         today=today(), ip=client_ip())
            message = f"{_plural(len(result.changed), 'case')} assigned to {result.assignee.name}"
            if result.unchanged:
                message += f"; {len(result.unchanged)} already were"
            if result.refused:
                message += "; not assigned: " + "; ".join(f"{ref} ({why})" for ref, why in result.refused.items())
        elif form.remind.data:
            base = rt().settings.public_base_url
            with rt().db.transaction() as session:
                reminded = caselist.remind_record_holders(
                    session, rt().queue, ids, actor=who, today=today(), ip=client_ip(),
                    case_url=f"{base}{bp.url_prefix}/cases/{{reference}}")
            message = (f"{_plural(reminded.emails, 'reminder email')} queued about "
                       f"{_plural(len(reminded.cases_reminded), 'case')}")
            if reminded.cases_without_holder:
                message += "; no record holder for " + ", ".join(reminded.cases_without_holder)
            if reminded.skipped_closed:
                message += "; closed, so not chased: " + ", ".join(reminded.skipped_closed)
        else:
            return problem("Choose an action", "#bulk-assign")
    except caselist.BulkActionError as exc:
        return problem(str(exc), "#bulk-assignee" if "officer" in str(exc) else "#cases-table")
    flash(message, "success")
    return redirect(url_for(".case_list", **filter_args(back_args)))
