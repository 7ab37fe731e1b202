"""The officers' dashboard blueprint, mounted at /staff.

Views are split by area into submodules that attach their routes to ``bp`` on import: ``cases`` (case
page and actions), ``lists`` (case list, filters, bulk actions), ``reports`` (performance, CSV),
``admin`` (users, MFA resets). Each submodule is optional while it is being built.
"""

from __future__ import annotations

import importlib

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

for _name in ("lists", "cases", "reports", "admin", "searches", "outbox"):
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{_name}":
            raise
