"""The case page's release section: prepare the response (a job), view a version's letter and bundle inline
(audited: a manager approves what they saw), and run a failed finalisation again.

Approving and releasing are the workflow's own actions (the case page's buttons); the guards on them read
the versions (rights.bundles.versions). A postal requester's print pack goes on the "to post" list when the
response is released (rights.bundles.release), and is printed and marked posted there.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, url_for

from rights.bundles import finalise, release, versions
from rights.models import BundleVersion, RightsRequest
from rights.permissions import CASEWORKERS, MANAGERS
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.dashboard.cases import _case_or_deny, actor
from rights.web.helpers import client_ip, rt


def has_release_panel(case: RightsRequest) -> bool:
    """Access requests that reached review have a release section."""
    return case.kind == "access" and case.status not in ("received", "awaiting_id", "searching")


def release_panel(db_session: Any, case: RightsRequest, who: Any, *, state: versions.VersionState | None = None,
                  undecided: int | None = None) -> release.Panel | None:
    """The release section's data, for access requests that reached review (``state``, ``undecided``: the case
    page's own reading, see :func:`rights.bundles.release.panel`)."""
    if not has_release_panel(case):
        return None
    panel = release.panel(db_session, rt().cipher, case, may_prepare=who.role in CASEWORKERS, state=state,
                          undecided=undecided)
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
        if version is None or (variant == "final" and version.status not in versions.FINAL):
            abort(404)
        data = versions.files(rt().files, version, final=variant == "final").get(kind)
        if data is None:  # the bundle of a letter-only response
            abort(404)
        versions.record_view(db_session, who.ref, case, version, which, ip=client_ip())
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{reference}-v{number}-{which}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cases/<reference>/release/finalise")
@staff(*MANAGERS)
def release_finalise(reference: str) -> Any:
    """Queue the approved version's finalisation again after its job failed."""
    who = actor()
    with rt().db.transaction() as db_session:
        case = _case_or_deny(db_session, reference, who)
        queued = finalise.retry(db_session, rt().queue, case, who.ref)
    flash("Rendering the final letter and bundle again. Refresh this page in a moment." if queued
          else "The final letter and bundle are already being rendered, or are ready.", "success" if queued else "info")
    return _back(reference)
