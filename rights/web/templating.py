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

Every GOV.UK component writes its HTML attributes through the ``govukAttributes`` macro, some 17 calls a
portal page, a seventh of its CPU: a Jinja loop of ``set`` and ``format`` per attribute. :func:`govuk_attributes`
is the same rule in Python, and :data:`GOVUK_OVERRIDES` serves the macro file as a template that exports it
under the macro's name, so every component's ``{% from ... import govukAttributes %}`` gets the Python one.

In the GOV.UK macros, ``params.label`` and the like are dict keys: Jinja first asks for an attribute, fails and
catches the error, then looks the key up; :meth:`RightsEnvironment.getattr` looks a plain dict's key up first
when dict has no such attribute (the same answer). Their ``indent`` filter re-escapes every line of Markup it
joins; :func:`indent` joins plain text and marks the whole safe (the same HTML).

The furniture every page draws the same way (skip link, header, navigation, phase banner, back link) goes
through :class:`RememberedMacros`: GOV.UK macros are functions of their parameters, so the HTML is kept per
process by macro and parameters. Only for furniture: never for parameters holding what someone typed, a
token or anything personal. The staff navigation, whose sign-out form carries the page's CSRF token, is
remembered with a slot the token fills as the page is drawn (:meth:`RememberedMacros.with_csrf_token`).
:func:`remember_blank_fields` does the same for form fields that are blank (no value, nothing sent, no error):
what a question page shows everyone who first reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from functools import lru_cache
from typing import Any

from flask import current_app, render_template
from flask.templating import Environment
from jinja2 import Undefined
from jinja2.filters import do_indent
from markupsafe import Markup, escape

from forms.widgets import HtmlMemo

#: A field template that only imports one macro and calls it with ``params`` (all of govuk_frontend_wtf's).
FIELD_TEMPLATE = re.compile(r"""\A\s*\{%-?\s*from\s+(['"])([^'"]+)\1\s+import\s+(\w+)\s*-?%\}\s*"""
                            r"""\{\{-?\s*\3\(params\)\s*-?\}\}\s*\Z""")


_DICT_ATTRIBUTES = frozenset(dir(dict))
_NO_KEY = object()


class RightsEnvironment(Environment):
    """Flask's Jinja environment, whose templates hold their globals as a flat dict, with a quicker
    ``params.label`` for plain dicts, a quicker ``indent`` filter for Markup and an unbounded template cache
    (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A plain dict of compiled templates rather than Jinja's LRU cache of 400: each look-up there moved the
        # template to the front of a deque (a scan comparing weak references), and every ``{% from ... import
        # %}`` and form field looks a template up, some 50 a page (2% of the portal pages' instructions).
        # The templates are a fixed set (about 160 files, ours and GOV.UK's), so nothing needs evicting.
        kwargs.setdefault("cache_size", -1)
        super().__init__(*args, **kwargs)
        self.filters["indent"] = indent

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:  # type: ignore[override]
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A plain dict's key that is no attribute of dict's: what Jinja finds after getattr fails (raising and
        # catching that AttributeError was most of each ``params.x`` in the GOV.UK macros). A key it does not
        # hold is undefined, as Jinja finds after its item lookup fails too: the macros ask for many optional
        # parameters a page leaves out, and each cost an AttributeError and a KeyError raised and caught
        # (creating those AttributeErrors alone was about 1% of a page mix's instructions).
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            found = obj.get(attribute, _NO_KEY)
            return self.undefined(obj=obj, name=attribute) if found is _NO_KEY else found
        try:  # Jinja's first step, without the call into it: most lookups are attributes (a case list's rows)
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)


def indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
    """Jinja's ``indent`` filter, giving the same result: for Markup indented by spaces, the lines are joined as
    ``str`` and marked safe once (every piece is already safe: Jinja's Markup join escapes each line again)."""
    if isinstance(s, Markup) and isinstance(width, int):
        return Markup(do_indent(str(s), width, first, blank))  # noqa: S704 - safe lines and spaces only
    return do_indent(s, width, first, blank)


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


ATTRIBUTES_MACRO = "govuk_frontend_jinja/macros/attributes.html"
#: Templates served in place of GOV.UK Frontend's (a loader ahead of the package's): the attributes macro file
#: exports the Python rule under the macro's name.
GOVUK_OVERRIDES = {ATTRIBUTES_MACRO: "{% set govukAttributes = govuk_attributes_html %}"}
_MISSING = Undefined()


def _absent(value: Any) -> bool:
    """Jinja's ``value in [undefined, null, None]`` (``null`` is an undefined name there)."""
    return value is None or isinstance(value, Undefined)


def govuk_attributes(attributes: Any) -> Markup:
    """GOV.UK Frontend's ``govukAttributes`` macro (``macros/attributes.html``), rule for rule.

    A string is output as it is; a mapping gives `` name="value"`` per item (``true``/``false`` for booleans);
    an item ``{"value": v, "optional": true}`` gives `` name`` when v is true and nothing when v is empty or
    false; an item ``{"val": v}`` (the macro's pass-through of a ``safe`` value) stands for v.
    """
    if isinstance(attributes, str):
        return Markup(attributes)  # noqa: S704 - the macro outputs a string of attributes as given (safe)
    if not isinstance(attributes, Mapping) or not attributes:
        return Markup("")
    html = ""
    for name, value in attributes.items():
        if isinstance(value, Mapping) and not _absent_val(value) and len(value):
            value = value["val"]
        if isinstance(value, Mapping):
            optional, shown = value.get("optional", _MISSING), value.get("value", _MISSING)
        else:
            optional, shown = False, (str(value).lower() if isinstance(value, bool) else value)
        if optional is True and shown is True:
            html = f"{html} {escape(name)}"
        elif (optional is True and not _absent(shown) and shown is not False) or optional is not True:
            html = f'{html} {escape(name)}="{escape(shown)}"'
    return Markup(html)  # noqa: S704 - every name and value escaped just above


def _absent_val(value: Mapping[str, Any]) -> bool:
    """Jinja's ``value.val in [undefined, null]``: only a missing (undefined) ``val`` is in that list."""
    return "val" not in value or isinstance(value["val"], Undefined)


class RememberedMacros:
    """``remembered(macro, params)`` in a template: the macro's HTML, kept per process by its name and
    parameters (a bounded memo; see the module for what may go through it)."""

    def __init__(self, size: int = 256) -> None:
        self._memo = HtmlMemo(size)

    def __call__(self, macro: Any, params: dict[str, Any]) -> Markup:
        return self._memo.of_params(macro.name, params, lambda: Markup(macro(params)))  # noqa: S704 - autoescaped

    def with_csrf_token(self, macro: Any, params: dict[str, Any]) -> Markup:
        """The macro's HTML, remembered with :data:`CSRF_TOKEN_SLOT` where the page's CSRF token goes; the
        token of the page being drawn replaces it each time.

        Why: the staff navigation ends with the sign-out form, whose token changes with every page while the
        rest (the links a role sees) does not; it was drawn through GOV.UK's macro on every staff page. The
        parameters may hold Markup (the sign-out form, our template's): it is keyed apart from text with the
        same characters.
        """
        from flask_wtf.csrf import generate_csrf

        draw = lambda: Markup(macro(params))  # noqa: E731, S704 - autoescaped macro output
        html = self._memo.of_params(f"{macro.name}+csrf", params, draw, markup_keyed=True)
        if CSRF_TOKEN_SLOT not in html:  # signed out: no form, and no token made for nothing
            return html
        return html.replace(CSRF_TOKEN_SLOT, generate_csrf())  # Markup.replace escapes the token


#: Stands for the page's CSRF token in HTML remembered by :meth:`RememberedMacros.with_csrf_token`.
CSRF_TOKEN_SLOT = "rights-csrf-token-slot"  # noqa: S105 - a placeholder, not a secret


def blank(field: Any) -> bool:
    """Whether a form field shows only the form's own words: no value, nothing sent for it, no error.

    A date field's sent parts, a file, a choice made or a default value all make it not blank.
    """
    if field.errors or getattr(field, "process_errors", None):
        return False
    data = field.data
    if not (data is None or data == "" or data is False or (isinstance(data, list | tuple) and not data)):
        return False
    return not field.raw_data or all(value in ("", None) for value in field.raw_data)


#: The HTML of blank fields (:func:`remember_blank_fields`), by widget, template and parameters.
BLANK_FIELDS = HtmlMemo(size=512)


def remember_blank_fields() -> None:
    """Have every GOV.UK form widget reuse the HTML of a blank field drawn with the same parameters.

    Why: a question page is first shown empty to everyone who reaches it, and its fields (radios with their
    choices, inputs, buttons) went through GOV.UK's macros every time, the largest part of drawing a portal
    page. A macro's HTML is a function of its parameters, so the memo is keyed by them (built as before, then
    serialised); only fields :func:`blank` admits go through it, so nothing anyone typed or chose is kept.
    Parameters holding Markup, or anything JSON cannot write as it is, are drawn as before.
    """
    from govuk_frontend_wtf.gov_form_base import GovFormBase

    def call(self: Any, field: Any, **kwargs: Any) -> Markup:
        params = self.map_gov_params(field, **kwargs)
        if not blank(field):
            return self.render(params)  # type: ignore[no-any-return]
        widget = f"{type(self).__module__}.{type(self).__qualname__}:{self.template}"
        return BLANK_FIELDS.of_params(widget, params, lambda: self.render(params))

    GovFormBase.__call__ = call  # type: ignore[method-assign]
