"""The officers' dashboard blueprint, mounted at /staff.

Views are split by area into submodules that attach their routes to ``bp`` on import: ``cases`` (case
page and actions), ``lists`` (case list, filters, bulk actions), ``reports`` (performance, CSV),
``admin`` (users, MFA resets), ``searches`` (search tasks and gathered records), ``disclosures`` (the
Art 19 log), ``review`` (the redaction review), ``log_request`` (requests received outside the
portal) and ``post`` (letters to print and post). A new area adds its module and one import line below.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

# The submodules register their routes on ``bp``; imported after it exists, for that side effect.
from rights.web.dashboard import (  # noqa: E402, F401
    admin,
    cases,
    disclosures,
    lists,
    log_request,
    outbox,
    post,
    release,
    reports,
    review,
    searches,
)
