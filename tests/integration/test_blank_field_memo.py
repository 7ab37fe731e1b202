"""Blank form fields drawn once per process (``rights.web.templating.remember_blank_fields``).

The memo exists for speed under load (``bench/load.py``). These tests pin that it changes nothing a citizen
sees, on every question page of three journeys (first visits, pages sent back with errors, pages shown
again with answers), and that nothing anyone typed or chose is kept in it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice

from rights.web.templating import BLANK_FIELDS, blank
from tests.integration.portal_support import Portal, portal_app
from tests.portal_journeys import PDF, journey

#: What differs between two sessions whatever the memo does: the CSRF token, the CSP nonce, an upload's id.
_PER_SESSION = re.compile(r'(nonce=")[^"]+|(value=")[\w-]+\.[\w-]+\.[\w-]+(?=")|(/remove/)\d+')


def _walk(application: Any, steps: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every question page of a journey as a citizen sees it: first visit, an empty answer sent back with
    its errors, then the page again after answering it."""
    portal = Portal(application.test_client())
    pages = []
    for step, data in steps:
        pages.append(portal.get(f"/request/{step}").get_data(as_text=True))
        refused = portal.post(f"/request/{step}", {})
        if refused.status_code == 200:  # a page that needs an answer says so
            pages.append(refused.get_data(as_text=True))
        portal.answer(step, data, (PDF, "authority.pdf") if step == "authority" else None)
        pages.append(portal.get(f"/request/{step}").get_data(as_text=True))
    return [_PER_SESSION.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "…", page) for page in pages]


def test_every_question_page_is_the_same_with_the_memo(rt, settings) -> None:
    settings.rate_limits = {"PORTAL_LIMIT_UPLOAD": "1000 per minute"}  # nine journeys from one address
    application = portal_app(settings)
    journeys = [journey("access", "self_adult"), journey("erasure", "parent"), journey("access", "representative")]
    size = BLANK_FIELDS.size
    try:
        BLANK_FIELDS.clear()
        BLANK_FIELDS.size = 0  # every field drawn through its macro, as without the memo
        drawn = [_walk(application, steps) for steps in journeys]
        assert len(BLANK_FIELDS) == 0
        BLANK_FIELDS.size = size
        first = [_walk(application, steps) for steps in journeys]  # the memo filling
        remembered = len(BLANK_FIELDS)
        again = [_walk(application, steps) for steps in journeys]  # blank fields from the memo
    finally:
        BLANK_FIELDS.size = size
        BLANK_FIELDS.clear()
    assert remembered > 20, remembered
    for before, filling, filled in zip(drawn, first, again, strict=True):
        assert len(before) == len(filling) == len(filled) > 30
        for a, b, c in zip(before, filling, filled, strict=True):
            assert a == b == c


def test_nothing_typed_or_chosen_is_remembered(rt, settings) -> None:
    application = portal_app(settings)
    BLANK_FIELDS.clear()
    try:
        portal = Portal(application.test_client())
        for step, data in journey("access", "self_adult", email="only-here@example.org"):
            portal.answer(step, data)
            portal.get(f"/request/{step}")  # shown again with the answer in it
        keys = " ".join(BLANK_FIELDS)
    finally:
        BLANK_FIELDS.clear()
    for answer in ("Amelia", "Hart", "High Street", "sy3 8hq", "only-here@example.org", "943 476 5919", "self_adult",
                   "childrens_social_care", '"checked": true', '"value": "2015"'):
        assert answer not in keys, answer


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    age = IntegerField("Age")
    colour = RadioField("Colour", choices=[SelectChoice("red", "Red"), SelectChoice("blue", "Blue")])
    sure = BooleanField("Sure")
    when = DateField("When")
    pick = SelectMultipleField("Pick", choices=[SelectChoice("a", "A")])


@pytest.mark.parametrize(("sent", "field", "expected"), [
    ({}, "name", True),
    ({"name": ""}, "name", True),
    ({"name": "Sam"}, "name", False),
    ({"name": " "}, "name", False),  # sent, even if only a space: shown again as sent
    ({}, "age", True),
    ({"age": "0"}, "age", False),
    ({"age": "x"}, "age", False),  # refused, but what was typed is shown again
    ({}, "colour", True),
    ({"colour": "red"}, "colour", False),
    ({}, "sure", True),
    ({"sure": "y"}, "sure", False),
    ({}, "when", True),
    ({"when": "2020-01-01"}, "when", False),
    ({}, "pick", True),
    ({"pick": "a"}, "pick", False),
])
def test_blank_means_no_value_nothing_sent_and_no_error(rt, settings, sent: dict[str, str], field: str,
                                                      expected: bool) -> None:
    application = portal_app(settings)
    with application.test_request_context("/"):
        form = _Form(formdata=MultiDict(sent) if sent else None)
        assert blank(form[field]) is expected
        form[field].errors = ["Something is wrong"]
        assert blank(form[field]) is False
