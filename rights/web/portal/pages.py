"""Information pages: start, privacy notice, accessibility statement, cookies."""

from __future__ import annotations

from flask import current_app, render_template

from rights import privacy_notice
from rights.uploads import human_size
from rights.web.access import public
from rights.web.portal import bp
from rights.web.portal.common import settings


@bp.get("/")
@public
def start() -> str:
    return render_template("portal/start.html", notice=privacy_notice.load())


@bp.get("/privacy")
@public
def privacy() -> str:
    return render_template("portal/privacy.html", notice=privacy_notice.load())


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template("portal/accessibility.html")


@bp.get("/cookies")
@public
def cookies() -> str:
    # The name Flask actually sets (``__Host-session`` in production), read from the app, never retyped.
    return render_template("portal/cookies.html", idle_minutes=settings().session_idle_minutes,
                           max_upload=human_size(settings().max_upload_bytes),
                           cookie_name=current_app.config["SESSION_COOKIE_NAME"])
