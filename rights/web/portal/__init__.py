"""The public portal blueprint: information pages, the request journey, and check progress.

Views are split by area into submodules that attach their routes to ``bp`` on import. Every view is
``@public``; the journey's answers live in an encrypted server-side draft (``rights.drafts``) whose
token is the only thing the session cookie carries.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)

from rights.web.portal import common, download, pages, progress, request_pages  # noqa: E402,F401  (routes attach to bp)
