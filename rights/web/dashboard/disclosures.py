"""The disclosure log pages (Art 19): record who a record went to, and that a recipient was told.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from forms import options
from forms.dashboard import DisclosureForm, RecipientToldForm
from rights import cases, privacy_notice
from rights.cases import CaseError
from rights.models import RightsRequest
from rights.permissions import CASEWORKERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import _case_or_deny, actor
from rights.web.helpers import client_ip, rt, today

# --------------------------------------------------------------------------------------------------
# The disclosure log (Art 19)


@bp.route("/cases/<reference>/disclosures", methods=["GET", "POST"])
@staff(*CASEWORKERS)
def add_disclosure(reference: str) -> Any:
    who = actor()
    on = today()
    form = DisclosureForm()
    form.recipient.choices = options([("", "Choose a recipient"), *((r, r) for r in privacy_notice.load().recipients)])
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        case_id = case.id
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                case = db_session.get(RightsRequest, case_id)
                assert case is not None
                cases.record_disclosure(db_session, case, who, recipient=form.recipient.data or "",
                                        disclosed_on=form.disclosed_on.data, description=form.description.data,
                                        today=on, ip=client_ip())
        except CaseError as exc:
            target = {"recipient": form.recipient, "disclosed_on": form.disclosed_on}.get(exc.field or "",
                                                                                         form.recipient)
            target.errors = [*target.errors, str(exc)]
        else:
            flash("Added to the disclosure log.", "success")
            return redirect(url_for("dashboard.case_page", reference=reference, _anchor="disclosures"))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/disclosure.html", form=form, case_ref=reference, row=None,
                           title="Add to the disclosure log"), status


@bp.route("/cases/<reference>/disclosures/<int:disclosure_id>", methods=["GET", "POST"])
@staff(*CASEWORKERS)
def recipient_told(reference: str, disclosure_id: int) -> Any:
    who = actor()
    on = today()
    form = RecipientToldForm()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        row = next((d for d in cases.disclosures(db_session, case) if d.id == disclosure_id), None)
        if row is None:
            abort(404)
        case_id = case.id
    if form.validate_on_submit():
        try:
            with rt().db.transaction() as db_session:
                case = db_session.get(RightsRequest, case_id)
                assert case is not None
                cases.record_recipient_told(db_session, case, who, disclosure_id, on=form.on.data,
                                            not_told_reason=form.not_told_reason.data, today=on, ip=client_ip())
        except CaseError as exc:
            form.on.errors = [*form.on.errors, str(exc)]
        else:
            flash("Disclosure log updated.", "success")
            return redirect(url_for("dashboard.case_page", reference=reference, _anchor="disclosures"))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/disclosure.html", form=form, case_ref=reference, row=row,
                           title=f"Tell {row.recipient}"), status


