"""Rendering email templates without Flask (workers and services render mail too).

``templates/email/<name>.txt`` is required and sets the subject with ``{% set subject = ... %}``;
``templates/email/<name>.html`` is optional. The HTML environment autoescapes, so anything a citizen
typed (a name, a description) is inert in the HTML part; the text part is plain text and needs none.
Undefined variables are errors: a template asking for something the caller did not pass fails loudly
in tests instead of sending "Dear ," to a citizen.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from rights import config

TEMPLATE_DIR = config.ROOT / "templates" / "email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@functools.lru_cache(maxsize=1)
def _environments() -> tuple[Environment, Environment]:
    loader = FileSystemLoader(str(TEMPLATE_DIR))
    common: dict[str, Any] = {"loader": loader, "undefined": StrictUndefined, "trim_blocks": True,
                              "lstrip_blocks": True, "keep_trailing_newline": True}
    text_env = Environment(autoescape=False, **common)  # noqa: S701 - plain-text email, never HTML
    html_env = Environment(autoescape=True, **common)
    for env in (text_env, html_env):
        env.filters["long_date"] = _long_date
    return text_env, html_env


def _long_date(value: Any) -> str:
    from rights.clock import long_date

    return long_date(value)


def _one_line(value: str) -> str:
    """Subjects go into a header: one line, no control characters."""
    return re.sub(r"\s+", " ", value).strip()


def render(template: str, context: dict[str, Any]) -> Rendered:
    """Render ``template`` (a name like ``acknowledgement``) with ``context``."""
    if not re.fullmatch(r"[a-z0-9_]+", template):
        raise ValueError(f"invalid email template name {template!r}")
    text_env, html_env = _environments()
    module = text_env.get_template(f"{template}.txt").make_module(dict(context))
    subject = _one_line(str(getattr(module, "subject", "")))
    if not subject:
        raise ValueError(f"email template {template}.txt does not set a subject")
    text = str(module).strip() + "\n"
    try:
        html: str | None = html_env.get_template(f"{template}.html").render(dict(context), subject=subject)
    except TemplateNotFound:
        html = None
    return Rendered(subject=subject, text=text, html=html)
