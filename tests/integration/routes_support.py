"""The route walker's list of routes and its URL builder, shared by the access and security-header walks."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Rule

EXEMPT = {"static"}  # Flask's own static files (GOV.UK assets are declared @public)


def url_for_rule(rule: Rule, reference: str) -> str:
    """A URL for the rule: ids are 1, a ``reference`` is a real case's, anything else is "x"."""
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        numeric = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = 1 if numeric else (reference if arg == "reference" else "x")
    return rule.build(values, append_unknown=False)[1]


def get_rules(app: Any) -> list[Rule]:
    """Every route that answers GET, bar Flask's own static files, in a stable order."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint not in EXEMPT and "GET" in (rule.methods or set())), key=lambda r: r.rule)


def url_with(rule: Rule, values: dict[str, Any]) -> str:
    """A URL for the rule from ``values`` by argument name; other ids are 1 and other words "x"."""
    built: dict[str, Any] = {}
    for arg in rule.arguments:
        numeric = isinstance(rule._converters[arg], IntegerConverter)
        built[arg] = values.get(arg, 1 if numeric else "x")
    return rule.build(built, append_unknown=False)[1]
