"""Fuzzing forms as a browser sees them: read each page's forms, post hypothesis-chosen values back.

A form is found on the page that shows it (its ``action``, fields, the options a radio or select offers),
so every form the app renders is fuzzed, with whatever names its fields have today. Each post carries the
page's real CSRF token; each answer is checked for what a hostile value must never cause:

- a server error (5xx);
- a refusal (the page again) that does not say what was wrong;
- hostile markup echoed back live;
- a refusal that stored anything on the way (every table's content is digested before and after, bar the
  tables a refusal is meant to write: the audit trail, sign-in counters and sessions).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.hostile import CRLF, FORMULAS, SCRIPT, hostile_text, markup_leaked

#: Examples per form beyond the fixed ones: a few in the suite; ``RIGHTS_FUZZ_EXAMPLES=200`` for the long run.
EXAMPLES = int(os.environ.get("RIGHTS_FUZZ_EXAMPLES", "3"))
#: Tables a refused form may still write, and why: the audit trail records refusals (access.denied, a failed
#: sign-in); sign-in counters and sessions move with every request; a failed sign-in is counted against its
#: address, email and device (throttling); a wrong progress code counts attempts; a requester's grant is
#: handed on (a new token) with every page.
REFUSAL_WRITES = {"audit_events", "audit_head", "users", "staff_sessions", "progress_codes", "portal_drafts",
                  "sign_in_throttles", "grants"}
#: How a refusal says what was wrong: the GOV.UK error summary or a field's message, a flashed banner, the
#: workflow's warning on an action page, or the service's page for a request it cannot use (errors/400.html,
#: errors/csrf.html).
ERROR_SIGNS = ("govuk-error-summary", "govuk-error-message", "There is a problem", "govuk-notification-banner",
               "govuk-warning-text", "there is a problem with what was sent", "your session has expired")
#: On a page answered with 200 only these mean "refused" (a banner there may be the answer itself).
FIELD_ERRORS = ("govuk-error-summary", "govuk-error-message")


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> offered values ([] for free text)
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(self.page, a.get("action") or self.page)
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                self._form.fields[self._select].append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("radio", "checkbox", "hidden", "submit"):
                self._form.fields.setdefault(name, []).append(a.get("value", ""))
            else:
                self._form.fields.setdefault(name, [])
        elif tag == "textarea":
            self._form.fields.setdefault(name, [])
        elif tag == "select":
            self._select = name
            self._form.fields.setdefault(name, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def forms_on(page: str, html: str) -> list[Form]:
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms


def action_pattern(action: str) -> str:
    """The form's route with its ids blanked, so the same form on many pages is fuzzed once."""
    return re.sub(r"/\d+(?=/|$|\?)", "/N", action.split("?")[0])


def digest(db: Any) -> dict[str, str]:
    """Every table's content, one order-independent hash per table, in one round trip."""
    with db.engine.connect() as conn:
        names = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                  "AND tablename <> 'alembic_version' ORDER BY tablename")).all()
        parts = [f"SELECT '{name}', md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
                 f'FROM "{name}" t' for name in names]
        return dict(conn.execute(text(" UNION ALL ".join(parts))).all())  # type: ignore[arg-type]


@dataclass
class Tally:
    """What a fuzzing run tried and what it found (the test asserts ``problems`` is empty)."""

    posts: int = 0
    refused: int = 0
    accepted: int = 0
    forms: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    last: dict[str, str] | None = None  # the database's digest after the last refusal (still current)


def value_for(offered: list[str]) -> st.SearchStrategy[Any]:
    choices = [v for v in offered if v]
    text_or_choice = st.one_of(st.sampled_from(choices), hostile_text()) if choices else hostile_text()
    # Sometimes several values for one name (checkboxes, a date's parts), sometimes none at all.
    return st.one_of(text_or_choice, st.lists(text_or_choice, min_size=0, max_size=3))


def fuzz_form(client: Any, form: Form, db: Any, tally: Tally, token: str, *,
              examples: int = EXAMPLES, keep: dict[str, Any] | None = None) -> None:
    """Post ``examples`` hypothesis-chosen answers to ``form`` as ``client``; record problems in ``tally``."""
    # Tokens are the page's own (a prefixed form has its own, ``add-csrf_token``), so the fields behind them
    # are what gets tested; CSRF itself is tested on its own.
    tokens = {n: (v[0] if v else token) for n, v in form.fields.items() if n.endswith("csrf_token")}
    names = [n for n in form.fields if n not in tokens]
    strategy = st.fixed_dictionaries({}, optional={n: value_for(form.fields[n]) for n in names})
    tally.forms.add(action_pattern(form.action))

    every = dict.fromkeys(names, SCRIPT)
    mixed = {n: [FORMULAS[0], CRLF[0], "A" * 5000][i % 3] for i, n in enumerate(names)}

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @example(values=every)
    @example(values=mixed)
    @given(values=strategy)
    def post(values: dict[str, Any]) -> None:
        before = tally.last or digest(db)
        tally.last = None
        data = {"csrf_token": token, **values, **tokens, **(keep or {})}
        where = f"{form.action} {values!r:.300}"
        tally.posts += 1
        try:
            response = client.post(form.action, data=data)
        except Exception as exc:  # the test app propagates what production would answer with a 500
            tally.problems.append(f"500 ({exc.__class__.__name__}: {exc}) from {where}")
            return
        html = response.get_data(as_text=True)
        if response.status_code >= 500:
            tally.problems.append(f"{response.status_code} from {where}")
            return
        leaked = markup_leaked(html)
        if leaked:
            tally.problems.append(f"live markup {leaked} in the answer to {where}")
        if response.status_code in (301, 302, 303):
            tally.accepted += 1
            return
        shown = any(sign in html for sign in (FIELD_ERRORS if response.status_code == 200 else ERROR_SIGNS))
        if response.status_code in (403, 404, 409, 413, 429) or (response.status_code == 200 and not shown):
            # Not theirs, no such thing, too much; or a page that is the answer (a new password shown once).
            tally.accepted += response.status_code == 200
            tally.refused += response.status_code != 200
            return
        tally.refused += 1
        if not shown:
            tally.problems.append(f"{response.status_code} without an error message for {where}")
        after = digest(db)
        changed = sorted(t for t, h in after.items() if before.get(t) != h and t not in REFUSAL_WRITES)
        if changed:
            tally.problems.append(f"a refusal changed {changed} for {where}")
        tally.last = after

    post()
