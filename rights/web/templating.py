"""The app's Jinja environment: Flask's, with each template's globals held as one flat dict; and form fields
drawn by calling their GOV.UK macro directly.

Jinja gives every template a ``ChainMap`` of its own globals over the environment's, and each
``{% from ... import %}`` compares the importing page's global names with the imported template's,
name by name through that ``ChainMap``. A portal page imports some 45 GOV.UK macro files, so that
comparison alone cost about a tenth of the page's CPU under load (``bench/load.py``). A flat dict answers
the same comparison in C. The content is the same: the environment's globals (all registered while the
app is built, before any template loads) with the template's own on top.

Each form field (``govuk_frontend_wtf``) is drawn through Flask's ``render_template`` of a two-line
template: import one GOV.UK macro, call it with the field's parameters. That runs every context processor
and template signal once per field, for a template whose output is the macro's alone (an imported macro
sees no context, only globals). :func:`use_direct_field_macros` calls the macro itself, from the module Jinja
already keeps for that macro file: the same HTML, without the per-field page machinery.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

from flask import current_app, render_template
from flask.templating import Environment
from markupsafe import Markup

#: A field template that only imports one macro and calls it with ``params`` (all of govuk_frontend_wtf's).
FIELD_TEMPLATE = re.compile(r"""\A\s*\{%-?\s*from\s+(['"])([^'"]+)\1\s+import\s+(\w+)\s*-?%\}\s*"""
                            r"""\{\{-?\s*\3\(params\)\s*-?\}\}\s*\Z""")


class RightsEnvironment(Environment):
    """Flask's Jinja environment, whose templates hold their globals as a flat dict (see the module)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:  # type: ignore[override]
        return {**self.globals, **(d or {})}


def field_macro(source: str) -> tuple[str, str] | None:
    """The macro file and name a field template only imports and calls with ``params``, else None."""
    found = FIELD_TEMPLATE.match(source)
    return (found.group(2), found.group(3)) if found else None


@lru_cache(maxsize=64)
def _field_macro_of(loader: Any, template: str) -> tuple[str, str] | None:
    source, _filename, _uptodate = loader.get_source(current_app.jinja_env, template)
    return field_macro(source)


def render_field(template: str, params: dict[str, Any]) -> Markup:
    """What ``render_template(template, params=params)`` gives for a field template, by calling its macro.

    Any template not of the two-line shape is rendered as before.
    """
    env = current_app.jinja_env
    target = _field_macro_of(env.loader, template)
    if target is None:
        return Markup(render_template(template, params=params))  # noqa: S704 - autoescaped template output
    macro_file, name = target
    return Markup(getattr(env.get_template(macro_file).module, name)(params))  # noqa: S704 - autoescaped macro output


def use_direct_field_macros() -> None:
    """Have every GOV.UK form widget draw itself through :func:`render_field` (see the module)."""
    from govuk_frontend_wtf.gov_form_base import GovFormBase

    def render(self: Any, params: dict[str, Any]) -> Markup:
        return render_field(self.template, params)

    GovFormBase.render = render  # type: ignore[method-assign]
