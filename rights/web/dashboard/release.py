"""The case page's release section: prepare the response (a job), view a version's letter and bundle inline
(audited: a manager approves what they saw), the print pack for postal requesters, and recording it posted.

Approving and releasing are the workflow's own actions (the case page's buttons); the guards on them read
the versions (rights.bundles.versions).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, url_for

from rights import audit
from rights.bundles import release, versions
from rights.models import BundleVersion, RightsRequest
from rights.permissions import CASEWORKERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import _case_or_deny, actor
from rights.web.helpers import client_ip, download, rt, today


def release_panel(db_session: Any, case: RightsRequest, who: Any) -> release.Panel | None:
    """The release section's data, for access requests that reached review."""
    if case.kind != "access" or case.status in ("received", "awaiting_id", "searching"):
        return None
    panel = release.panel(db_session, rt().cipher, case, may_prepare=who.role in CASEWORKERS)
    in_progress = case.status in ("review", "awaiting_approval", "ready")
    return panel if in_progress or panel.versions else None


def _back(reference: str) -> Response:
    return redirect(url_for("dashboard.case_page", reference=reference, _anchor="release"))


@bp.post("/cases/<reference>/release/prepare")
@staff(*CASEWORKERS)
def release_prepare(reference: str) -> Any:
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        if case.kind != "access" or case.status != "review":
            flash("The response can be prepared while the case is in review.", "info")
            return _back(reference)
        try:
            versions.decided_set(db_session, rt().cipher, case.id)
        except versions.VersionError as exc:
            flash(str(exc), "info")
            return _back(reference)
        versions.defer_prepare(db_session, rt().queue, case.id, who.ref)
    flash("Preparing the letter and bundle. Refresh this page in a moment to see the new version.", "success")
    return _back(reference)


@bp.get("/cases/<reference>/release/versions/<int:number>/<which>")
@staff(*CASEWORKERS)
def release_view(reference: str, number: int, which: str) -> Any:
    """One version's letter or bundle shown inline (the approver must see what they approve); audited."""
    kind, _, variant = which.partition("-")
    if kind not in release.FILES or variant not in ("", "final"):
        abort(404)
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        version = db_session.query(BundleVersion).filter_by(request_id=case.id, number=number).first()
        if version is None or (variant == "final" and not version.final_bundle_key):
            abort(404)
        versions.record_view(db_session, who.ref, case, version, which, ip=client_ip())
        data = versions.files(rt().files, version, final=variant == "final")[kind]
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{reference}-v{number}-{which}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cases/<reference>/release/print-pack")
@staff(*CASEWORKERS)
def release_print_pack(reference: str) -> Any:
    """The approved letter followed by the bundle, one PDF to print and post; audited."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        version = versions.latest(db_session, case.id)
        if version is None or version.status != "released":
            abort(404)
        audit.record(db_session, who.ref, "release.print_pack", request_id=case.id, target=case.reference,
                     detail={"version": version.number}, ip=client_ip())
        data = versions.print_pack(rt().files, version)
    return download(data, "application/pdf", f"{reference}-print-pack.pdf", "print-pack")


@bp.post("/cases/<reference>/release/posted")
@staff(*CASEWORKERS)
def release_posted(reference: str) -> Any:
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        version = versions.latest(db_session, case.id)
        if version is None or version.status != "released":
            abort(404)
        release.record_posted(db_session, case, who.ref, today())
    flash("Recorded as posted: the requester's progress page now says we replied.", "success")
    return _back(reference)
