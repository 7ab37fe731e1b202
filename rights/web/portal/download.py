"""The requester's download page: the emailed link, then their email address and a fresh one-time code
(the check-progress machinery in rights.progress), then the letter and the bundle.

The link alone opens nothing; a good code for this link's request gives a server-side grant for this link
(``rights.progress.grant``, purpose ``download``), whose token the session carries and every page or file
replaces. Expired, unknown or superseded links say so without saying whether they ever existed.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for

from forms.portal import DownloadEmailForm, ProgressCodeForm
from rights import progress
from rights.bundles import release, versions
from rights.clock import LONDON
from rights.models import BundleVersion, RightsRequest
from rights.web import rate_limit
from rights.web.access import public
from rights.web.helpers import client_ip, download, rt
from rights.web.portal import bp
from rights.web.portal.common import add_error
from rights.web.portal.progress import MESSAGES

CHALLENGE_KEY = "download_challenge"
ACCESS_KEY = "download_access"


def _gone() -> Any:
    return render_template("portal/download_gone.html", title="This link has expired or does not work"), 410


def _granted(db_session: Any, link_id: str, request_id: int) -> bool:
    """Does this browser's grant open this link's files? Hands the grant on to a fresh token if so."""
    held = progress.use_grant(db_session, session.get(ACCESS_KEY), purpose="download", scope=link_id,
                              ip=client_ip())
    if held is None or held[0] != request_id:
        return False
    session[ACCESS_KEY] = held[1]
    return True


@bp.route("/download/<link_id>", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_CODE_REQUEST", methods=["POST"])
def download_start(link_id: str) -> Any:
    with rt().db.transaction() as db_session:
        link = release.open_link(db_session, link_id)
        if link is None:
            return _gone()
        req = db_session.get(RightsRequest, link.request_id)
        version = db_session.get(BundleVersion, link.version_id)
        assert req is not None and version is not None
        reference, pages, expires = req.reference, version.pages, link.expires_at.astimezone(LONDON).date()
        if request.method == "GET" and _granted(db_session, link_id, link.request_id):
            return render_template("portal/download_files.html", title="Download our response", link_id=link_id,
                                   reference=reference, pages=pages, expires=expires)
        form = DownloadEmailForm()
        if request.method == "POST" and form.validate():
            challenge = progress.start_check(db_session, rt().queue, reference=reference, email=form.email.data,
                                             ip=client_ip())
            session[CHALLENGE_KEY] = {"link": link_id, "challenge": challenge}
            return redirect(url_for("portal.download_code", link_id=link_id))
    return render_template("portal/download_start.html", form=form, title=form.title, reference=reference)


@bp.route("/download/<link_id>/code", methods=["GET", "POST"])
@public
@rate_limit("PORTAL_LIMIT_CODE_CHECK", methods=["POST"])
def download_code(link_id: str) -> Any:
    pending = session.get(CHALLENGE_KEY)
    if not isinstance(pending, dict) or pending.get("link") != link_id:
        return redirect(url_for("portal.download_start", link_id=link_id))
    form = ProgressCodeForm()
    expired = False
    if request.method == "POST" and form.validate():
        with rt().db.transaction() as db_session:
            link = release.open_link(db_session, link_id)
            if link is None:
                return _gone()
            result, request_id = progress.check_code(db_session, secret_key=current_app.config["SECRET_KEY"],
                                                     challenge_id=str(pending.get("challenge")),
                                                     code=form.code.data, ip=client_ip())
            good = result is progress.CheckResult.OK and request_id == link.request_id
            token = progress.grant(db_session, link.request_id, purpose="download", scope=link_id) if good else None
        if token is not None:
            session.pop(CHALLENGE_KEY, None)
            session[ACCESS_KEY] = token
            return redirect(url_for("portal.download_start", link_id=link_id))
        add_error(form, form.code, MESSAGES.get(result, MESSAGES[progress.CheckResult.WRONG]))
        expired = result not in (progress.CheckResult.WRONG, progress.CheckResult.OK)
    return render_template("portal/download_code.html", form=form, title=form.title, expired=expired,
                           link_id=link_id, minutes=int(progress.CODE_TTL.total_seconds() // 60))


@bp.get("/download/<link_id>/<which>.pdf")
@public
def download_file(link_id: str, which: str) -> Any:
    if which not in release.FILES:
        abort(404)
    with rt().db.transaction() as db_session:
        link = release.open_link(db_session, link_id)
        if link is None:
            return _gone()
        if not _granted(db_session, link_id, link.request_id):
            return redirect(url_for("portal.download_start", link_id=link_id))
        req = db_session.get(RightsRequest, link.request_id)
        try:
            data = release.download(db_session, rt().files, link, which, ip=client_ip())
        except versions.VersionError:  # the bundle of a letter-only response
            abort(404)
        filename = f"{req.reference if req else 'response'}-{which}.pdf"
    return download(data, "application/pdf", filename, which)
