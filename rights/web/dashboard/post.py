"""The "to post" list: letters for requesters who chose post (or gave no email), to print and mark posted.

The list and the letters come from ``rights.notify.post``; this module only shows them. Printing a letter
opens a page with its PDFs to print (a workflow letter's PDF twin; a released response's letter and bundle,
``rights.bundles.release.printables``), or, for a letter with no PDF yet, the address and the plain text
with no site navigation (the dashboard's print styles). Every PDF opened here is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for

from forms.dashboard import PostedForm
from rights import notify
from rights.bundles import release
from rights.models import PostItem, RightsRequest
from rights.notify import PostError
from rights.notify.post import recently_posted
from rights.permissions import CASEWORKERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import actor
from rights.web.helpers import client_ip, rt, today


def _rows(items: list[PostItem], references: dict[int, str]) -> list[dict[str, Any]]:
    return [{"id": i.id, "reference": references.get(i.request_id or 0, ""), "subject": i.subject,
             "addressee": i.addressee, "address": i.address.split("\n"), "created_at": i.created_at,
             "posted_on": i.posted_on, "pdf": bool(i.document_ref)} for i in items]


@bp.get("/post")
@staff(*CASEWORKERS)
def post_list() -> Any:
    with rt().db.transaction() as db_session:
        waiting = notify.to_post(db_session)
        posted = recently_posted(db_session)
        ids = {i.request_id for i in [*waiting, *posted] if i.request_id}
        references = dict(db_session.query(RightsRequest.id, RightsRequest.reference)
                          .filter(RightsRequest.id.in_(ids)).all()) if ids else {}
        rows, done = _rows(waiting, references), _rows(posted, references)
    # One small form per letter, each with its own prefix so the date inputs' ids never repeat on the page.
    forms = {row["id"]: PostedForm(prefix=f"p{row['id']}", data={"on": today()}) for row in rows}
    return render_template("dashboard/post_list.html", rows=rows, done=done, title="Letters to post",
                           active_nav="post", forms=forms)


@bp.get("/post/<int:item_id>/print")
@staff(*CASEWORKERS)
def post_print(item_id: int) -> Any:
    with rt().db.transaction() as db_session:
        item = db_session.get(PostItem, item_id)
        if item is None:
            abort(404)
        case = db_session.get(RightsRequest, item.request_id) if item.request_id else None
        letter = {"id": item.id, "addressee": item.addressee, "address": item.address.split("\n"),
                  "subject": item.subject, "text": item.text or "", "pdfs": release.printables(db_session, item),
                  "reference": case.reference if case else "", "status": item.status}
    return render_template("dashboard/post_print.html", letter=letter, title=f"Letter: {letter['subject']}")


@bp.get("/post/<int:item_id>/pdf/<part>")
@staff(*CASEWORKERS)
def post_pdf(item_id: int, part: str) -> Any:
    """One PDF of a letter to post, shown inline to print; audited."""
    who = actor()
    with rt().db.transaction() as db_session:
        item = db_session.get(PostItem, item_id)
        data = release.printable(db_session, rt().files, item, part, who.ref, ip=client_ip()) if item else None
        if data is None:
            abort(404)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="post-{item_id}-{part}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/post/<int:item_id>/posted")
@staff(*CASEWORKERS)
def post_mark_posted(item_id: int) -> Any:
    form = PostedForm(prefix=f"p{item_id}")
    if not form.validate_on_submit() or form.on.data is None:
        flash("Enter the date the letter was posted, like 27 3 2026.", "error")
        return redirect(url_for("dashboard.post_list"))
    who = actor()
    try:
        with rt().db.transaction() as db_session:
            notify.mark_posted(db_session, item_id, on=form.on.data, today=today(), actor=who.ref, ip=client_ip())
    except PostError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Marked as posted on {form.on.data.strftime('%-d %B %Y')}.", "success")
    return redirect(url_for("dashboard.post_list"))
