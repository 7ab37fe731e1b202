"""The redaction review: a request's gathered records with progress, one record's proposed redactions to
accept or reject (one, or every mention of a person across the request), redactions an officer adds by
their words, withholding or including a record, and the record previewed as it would be disclosed.

Thin views over :mod:`rights.redaction` (every decision recorded and audited there). Officers and managers
only: record holders see their services' records, not what the council decides to disclose. Works without
JavaScript: every action is a form, adding a redaction takes the words typed or pasted, and a scan's region
takes its page and edges typed in per cent (a script lets officers select words or draw a region instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from forms.redaction import AddRedactionForm, AddRegionForm, DecideForm, WithholdForm
from rights import audit, search
from rights.cases import CaseError
from rights.models import PageRegion, RightsRequest
from rights.permissions import CASEWORKERS
from rights.redaction import CODES, decisions, regions, review, scans, service
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import _case_or_deny, actor
from rights.web.helpers import client_ip, rt

DECISIONS = ("accept", "reject")


def _propose(db_session: Session, case: RightsRequest) -> None:
    """Propose for any record that has no proposals yet, so the page never waits on a worker (idempotent)."""
    service.propose_for_request(db_session, rt().cipher, rt().settings.secret_key, case.id)


@bp.get("/cases/<reference>/review")
@staff(*CASEWORKERS)
def review_list(reference: str) -> Any:
    """Every gathered record of the request, with its decision and the request's progress."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        _propose(db_session, case)
        rows = review.record_rows(db_session, case.id)
        progress = decisions.progress(db_session, case.id)
        audit.record(db_session, who.ref, "redaction.review_listed", request_id=case.id, target=reference,
                     detail={"records": progress.total, "decided": progress.decided}, ip=client_ip())
        return render_template("dashboard/review_list.html", case=case, rows=rows, progress=progress,
                               editable=case.status in decisions.EDITABLE_STATUSES,
                               back_url=url_for("dashboard.case_page", reference=reference),
                               title=f"Review the records of {reference}")


@dataclass(frozen=True)
class ScanView:
    """What the review page shows of a scan: one page at a time, its regions drawn over it (SVG, so it needs
    neither script nor inline style), and every region of every page listed."""

    pages: int
    page: int
    width: int  # the SVG's coordinate space: the page is SCAN_WIDTH wide and ``height`` tall
    height: int
    on_page: list[tuple[int, PageRegion, tuple[int, int, int, int]]]  # number, region, box in that space
    listed: list[tuple[int, PageRegion]]
    unread: list[int]  # pages this officer has not opened yet (the one shown now counts as opened)


SCAN_WIDTH = 1000


def _scan_view(db_session: Session, record: Any, requested: int, who: str) -> tuple[ScanView | None, str | None]:
    """The scan's page ``requested`` (clamped to the scan), or why it cannot be shown."""
    try:
        data = regions.scan_file(record, rt().files)
        total, page, ratio = scans.page_layout(data, record.content_type, requested)
        if not total:
            raise scans.ScanError("The scan has no pages to show.")
    except (CaseError, scans.ScanError, ValueError) as exc:
        return None, str(exc)
    height = round(SCAN_WIDTH * ratio)
    listed = list(enumerate(regions.regions_of(db_session, record.id), start=1))
    on_page = [(n, g, (round(g.left * SCAN_WIDTH), round(g.top * height), max(1, round(g.width * SCAN_WIDTH)),
                       max(1, round(g.height * height)))) for n, g in listed if g.page == page]
    unread = [n for n in regions.unread_pages(db_session, who, record, total) if n != page]
    return ScanView(total, page, SCAN_WIDTH, height, on_page, listed, unread), None


def _record_page(reference: str, record_id: int, *, add: AddRedactionForm | None = None,
                 withhold: WithholdForm | None = None, region: AddRegionForm | None = None,
                 status: int = 200) -> Any:
    who = actor()
    cipher = rt().cipher
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        _propose(db_session, case)
        record = review.record_of(db_session, case.id, record_id)
        if record is None:
            abort(404)
        text = search.record_text(record, cipher)
        rows = review.redactions_of(db_session, record.id)
        listed = review.items(db_session, case.id, text or "", rows)
        all_rows = review.record_rows(db_session, case.id)
        row = next(r for r in all_rows if r.id == record.id)
        position = [r.id for r in all_rows].index(record.id)
        following = all_rows[position + 1] if position + 1 < len(all_rows) else None
        scan, scan_error = (None, None)
        if row.needs_officer and record.file_key:
            scan, scan_error = _scan_view(db_session, record, request.args.get("page", 1, type=int) or 1, who.ref)
        audit.record(db_session, who.ref, "record.viewed", request_id=case.id, target=f"gathered_record:{record.id}",
                     detail={"source": record.source, "record_id": record.record_id, "as": "review"}, ip=client_ip())
        if scan is not None and region is None:
            region = AddRegionForm(prefix="region", formdata=None, data={"page": scan.page})
        return render_template(
            "dashboard/review_record.html", case=case, record=record, row=row, text=text, items=listed,
            pieces=review.pieces(text or "", listed), progress=decisions.progress(db_session, case.id),
            involved=search.involvement_lines(record, cipher), following=following,
            editable=case.status in decisions.EDITABLE_STATUSES, codes=CODES,
            decide_form=DecideForm(), add_form=add or AddRedactionForm(prefix="add"),
            withhold_form=withhold or WithholdForm(prefix="withhold"), scan=scan, scan_error=scan_error,
            region_form=region, form=next((f for f in (add, withhold, region) if f is not None and f.errors), None),
            back_url=url_for("dashboard.review_list", reference=reference), title=record.title,
        ), status


@bp.get("/cases/<reference>/review/<int:record_id>")
@staff(*CASEWORKERS)
def review_record(reference: str, record_id: int) -> Any:
    """One record: its text with proposed redactions highlighted and explained, and the decisions."""
    return _record_page(reference, record_id)


@bp.get("/cases/<reference>/review/<int:record_id>/preview")
@staff(*CASEWORKERS)
def review_preview(reference: str, record_id: int) -> Any:
    """The record as it would be disclosed now: code boxes in place of accepted redactions."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        record = review.record_of(db_session, case.id, record_id)
        if record is None:
            abort(404)
        rows = review.redactions_of(db_session, record.id)
        row = next(r for r in review.record_rows(db_session, case.id) if r.id == record.id)
        parts = [] if row.decision == "withhold" else review.preview(search.record_text(record, rt().cipher), rows)
        scan_pages = 0
        if row.needs_officer and row.decision != "withhold" and record.file_key:
            try:
                scan_pages = regions.pages_of(record, rt().files)
            except CaseError:
                scan_pages = 0
        audit.record(db_session, who.ref, "record.previewed", request_id=case.id,
                     target=f"gathered_record:{record.id}", ip=client_ip())
        return render_template("dashboard/review_preview.html", case=case, record=record, row=row, parts=parts,
                               scan_pages=scan_pages,
                               codes=CODES, back_url=url_for("dashboard.review_record", reference=reference,
                                                             record_id=record.id),
                               title=f"Preview of {record.title} as disclosed")


def _act(reference: str, record_id: int, form: Any, act: Any, *, page: int | None = None) -> Any:
    """Run one decision in a transaction; flash its outcome or the refusal, and go back to the record (at
    ``page`` of a scan)."""
    who = actor()
    if not form.validate_on_submit():
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            case = _case_or_deny(db_session, reference, who)
            if review.record_of(db_session, case.id, record_id) is None:
                abort(404)
            message = act(db_session, case, who.ref)
    except (CaseError, ValueError) as exc:
        flash(str(exc), "info")
    else:
        flash(message, "success")
    if page is not None:
        return redirect(url_for("dashboard.review_record", reference=reference, record_id=record_id, page=page,
                                _anchor="scan-page"))
    return redirect(url_for("dashboard.review_record", reference=reference, record_id=record_id))


def _decision() -> bool:
    value = request.form.get("decision", "")
    if value not in DECISIONS:
        abort(400)
    return value == "accept"


@bp.post("/cases/<reference>/review/<int:record_id>/redactions/<int:redaction_id>")
@staff(*CASEWORKERS)
def decide_redaction(reference: str, record_id: int, redaction_id: int) -> Any:
    accept = _decision()

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        row = decisions.decide_redaction(db_session, case.id, redaction_id, accept, who, ip=client_ip())
        if row.record_id != record_id:
            raise CaseError("That redaction is not in this record.")
        return "Redaction accepted." if accept else "Redaction rejected: those words will be disclosed."

    return _act(reference, record_id, DecideForm(), act)


@bp.post("/cases/<reference>/review/<int:record_id>/person")
@staff(*CASEWORKERS)
def decide_person(reference: str, record_id: int) -> Any:
    """Every mention of one person or identifier across the request, by its key."""
    accept = _decision()
    key = request.form.get("key", "")

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        count = decisions.decide_by_key(db_session, case.id, key, accept, who, ip=client_ip())
        return f"{count} mention{'' if count == 1 else 's'} across the request {'accepted' if accept else 'rejected'}."

    return _act(reference, record_id, DecideForm(), act)


@bp.post("/cases/<reference>/review/<int:record_id>/add")
@staff(*CASEWORKERS)
def add_redaction(reference: str, record_id: int) -> Any:
    form = AddRedactionForm(prefix="add")
    if not form.validate_on_submit():
        return _record_page(reference, record_id, add=form, status=400)

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        count = decisions.add_redaction(db_session, rt().cipher, rt().settings.secret_key, case.id, record_id,
                                        form.words.data or "", form.code.data or "", who,
                                        across_request=bool(form.across.data),
                                        at=form.at.data if form.only_selected.data else None, ip=client_ip())
        return f"Redacted in {count} place{'' if count == 1 else 's'}." if count else "Already redacted."

    return _act(reference, record_id, form, act)


@bp.get("/cases/<reference>/review/<int:record_id>/pages/<int:page>")
@staff(*CASEWORKERS)
def scan_page(reference: str, record_id: int, page: int) -> Any:
    """One page of a scan as a PNG: as scanned (``?as=disclosed``: with its regions painted out)."""
    who = actor()
    disclosed = request.args.get("as") == "disclosed"
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        record = review.record_of(db_session, case.id, record_id)
        if record is None or not record.file_key or not scans.can_show(record.content_type):
            abort(404)
        marked = regions.as_regions(regions.regions_of(db_session, record.id)) if disclosed else None
        key, content_type = record.file_key, record.content_type
        source, source_id, case_id = record.source, record.record_id, case.id
    try:
        png = scans.page_image(rt().files.get(key), content_type, page, regions=marked)
    except (scans.ScanError, ValueError):
        abort(404)
    with rt().db.transaction() as db_session:  # once drawn: a page counts as read only if it was shown
        audit.record(db_session, who.ref, "record.viewed", request_id=case_id, target=f"gathered_record:{record_id}",
                     detail={"source": source, "record_id": source_id, "page": page,
                             "as": "disclosed page" if disclosed else regions.PAGE_VIEWED}, ip=client_ip())
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cases/<reference>/review/<int:record_id>/regions")
@staff(*CASEWORKERS)
def add_region(reference: str, record_id: int) -> Any:
    form = AddRegionForm(prefix="region")
    if not form.validate_on_submit():
        return _record_page(reference, record_id, region=form, status=400)
    marked = scans.Region(int(form.page.data or 0), (form.left.data or 0) / 100, (form.top.data or 0) / 100,
                          (form.width.data or 0) / 100, (form.height.data or 0) / 100, form.code.data or "")

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        regions.add_region(db_session, rt().files, case.id, record_id, marked, who, ip=client_ip())
        return f"Region added on page {marked.page} ({marked.code})."

    return _act(reference, record_id, form, act, page=marked.page)


@bp.post("/cases/<reference>/review/<int:record_id>/regions/<int:region_id>/remove")
@staff(*CASEWORKERS)
def remove_region(reference: str, record_id: int, region_id: int) -> Any:
    page = request.form.get("page", 1, type=int) or 1

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        regions.remove_region(db_session, case.id, record_id, region_id, who, ip=client_ip())
        return "Region removed."

    return _act(reference, record_id, DecideForm(), act, page=page)


@bp.post("/cases/<reference>/review/<int:record_id>/withhold")
@staff(*CASEWORKERS)
def withhold_record(reference: str, record_id: int) -> Any:
    form = WithholdForm(prefix="withhold")
    if not form.validate_on_submit():
        return _record_page(reference, record_id, withhold=form, status=400)

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        decisions.withhold_record(db_session, case.id, record_id, form.code.data or "", who,
                                  note=form.note.data, ip=client_ip())
        return f"Record withheld ({form.code.data})."

    return _act(reference, record_id, form, act)


@bp.post("/cases/<reference>/review/<int:record_id>/include")
@staff(*CASEWORKERS)
def include_record(reference: str, record_id: int) -> Any:
    accept_all = request.form.get("accept_all") == "yes"

    def act(db_session: Session, case: RightsRequest, who: str) -> str:
        decisions.include_record(db_session, case.id, record_id, who, accept_all=accept_all, ip=client_ip(),
                                 files=rt().files)
        return "Record included with its accepted redactions."

    return _act(reference, record_id, DecideForm(), act)
