"""Logging a request received by letter, email, phone or in person (the service is :func:`rights.cases.log_request`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from forms import options
from forms.dashboard import LogRequestForm
from rights import cases, clock, privacy_notice
from rights.cases import CaseError, logged
from rights.identifiers import normalise_nhs_number
from rights.models import Person, RequestKind
from rights.permissions import CASEWORKERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import actor
from rights.web.helpers import client_ip, rt, today

# --------------------------------------------------------------------------------------------------
# Logging a request received by letter, email, phone or in person


@bp.route("/log-request", methods=["GET", "POST"])
@staff(*CASEWORKERS)
def log_request() -> Any:
    who = actor()
    on = today()
    form = LogRequestForm()
    notice = privacy_notice.load()
    form.services.choices = options((s.key, s.label) for s in notice.services)
    if request.method == "GET":
        form.received_on.data = on
    if form.validate_on_submit():
        self_request = (form.requester_role.data or "").startswith("self")
        current = logged.address_record([form.subject_line1.data or "", form.subject_line2.data or "",
                                         form.subject_town.data or "", form.subject_postcode.data or ""],
                                        current=True)
        nhs = normalise_nhs_number(form.subject_nhs_number.data)
        subject = Person(given_names=form.subject_given.data.strip(), family_name=form.subject_family.data.strip(),
                         date_of_birth=form.subject_dob.data,
                         previous_names=logged.other_names(form.subject_previous_names.data),
                         addresses=[a for a in (current,) if a] + logged.previous_addresses(
                             form.subject_previous_addresses.data),
                         identifiers={"nhs_number": nhs} if nhs else {})
        postal = logged.address_record((form.address.data or "").splitlines(), current=True)
        email = (form.email.data or "").strip() or None
        phone = (form.phone.data or "").strip() or None
        if self_request:
            subject.email, subject.phone = email, phone
            if current is None and postal is not None:  # their own address, typed in the requester's box
                subject.addresses = [postal, *subject.addresses]
            requester = subject
        elif not (form.requester_given.data and form.requester_family.data):
            form.requester_given.errors = ["Enter the requester's names (they are not the subject)"]
            return _render_log(form, 400)
        else:
            requester = Person(given_names=form.requester_given.data.strip(),
                               family_name=form.requester_family.data.strip(),
                               organisation=(form.requester_organisation.data or "").strip() or None,
                               email=email, phone=phone, addresses=[postal] if postal else [])
        new = cases.LoggedRequest(
            kind=RequestKind(form.kind.data), channel=form.channel.data, received_on=form.received_on.data,
            subject=subject, requester=requester, requester_role=form.requester_role.data,
            authority_basis=form.authority_basis.data, relationship_note=form.relationship_note.data or None,
            competence_note=form.competence_note.data or None, services=list(form.services.data or []),
            description=form.description.data or None,
        )
        try:
            with rt().db.transaction() as db_session:
                created = cases.log_request(db_session, rt().queue, new, who, today=on, ip=client_ip())
                reference = created.reference
        except CaseError as exc:
            target = {"received_on": form.received_on, "channel": form.channel}.get(exc.field or "", form.kind)
            target.errors = [*target.errors, str(exc)]
        else:
            flash(f"Request logged as {reference}. The clock started on "
                  f"{clock.long_date(form.received_on.data)}.", "success")
            return redirect(url_for("dashboard.case_page", reference=reference))
    return _render_log(form, 400 if request.method == "POST" else 200)


def _render_log(form: LogRequestForm, status: int) -> Any:
    return render_template("dashboard/log_request.html", form=form, title="Log a request",
                           active_nav="log"), status

