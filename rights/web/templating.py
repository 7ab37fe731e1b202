"""The app's Jinja environment: Flask's, with each template's globals held as one flat dict.

Jinja gives every template a ``ChainMap`` of its own globals over the environment's, and each
``{% from ... import %}`` compares the importing page's global names with the imported template's,
name by name through that ``ChainMap``. A portal page imports some 45 GOV.UK macro files, so that
comparison alone cost about a tenth of the page's CPU under load (``bench/load.py``). A flat dict answers
the same comparison in C. The content is the same: the environment's globals (all registered while the
app is built, before any template loads) with the template's own on top.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment


class RightsEnvironment(Environment):
    """Flask's Jinja environment, whose templates hold their globals as a flat dict (see the module)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:  # type: ignore[override]
        return {**self.globals, **(d or {})}
