"""Contradictions caught at the edge, and the wording a newcomer found wrong: tables over pure rules, and the
portal's forms in a bare Flask request context (no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from forms.portal import ChildForm, PeriodForm
from rights import journey, workflow
from rights.vocabulary import KIND_IN_LETTERS, KIND_IN_LETTERS_ABOUT

TODAY = date(2026, 11, 30)


def answers(role: str, dob: str | None = None, child_age: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"who": {"role": role}, "type": {"kind": "access"}}
    if dob:
        out["date-of-birth"] = {"date": dob}
    if child_age:
        out["child"] = {"age": child_age, "view": "knows_agrees"}
    return out


@pytest.mark.parametrize(("role", "step", "answer", "child_age", "problem"), [
    # "Myself, and I am 18 or over" with a date of birth under 18, and the reverse.
    ("self_adult", "date-of-birth", {"date": "2010-05-01"}, None, "You said you are 18 or over, but this date of "
                                                                  "birth makes you 16."),
    ("self_adult", "date-of-birth", {"date": "2008-11-30"}, None, None),  # 18 today
    ("self_adult", "date-of-birth", {"date": "2008-12-01"}, None, "makes you 17"),  # 18 tomorrow
    ("self_child", "date-of-birth", {"date": "1990-01-01"}, None, "You said you are under 18, but this date of "
                                                                  "birth makes you 36."),
    ("self_child", "date-of-birth", {"date": "2012-01-01"}, None, None),
    # A child's age that does not fit their date of birth, whichever is answered last.
    ("parent", "date-of-birth", {"date": "2021-06-01"}, "5", None),
    ("parent", "date-of-birth", {"date": "2021-06-01"}, "4", "The child's age (4) does not fit this date of birth, "
                                                             "which makes them 5."),
    ("parent", "child", {"age": "9", "view": "knows_agrees"}, None, None),  # no date of birth yet: nothing to compare
    ("representative", "date-of-birth", {"date": "2015-01-01"}, None, None),  # a representative may act for anyone
])
def test_contradictions(role: str, step: str, answer: dict[str, str], child_age: str | None,
                        problem: str | None) -> None:
    earlier = answers(role, child_age=child_age)
    found = journey.contradiction(earlier, step, answer, TODAY)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_changing_the_childs_age_is_checked_against_the_date_already_given() -> None:
    earlier = answers("parent", dob="2021-06-01", child_age="5")
    assert journey.contradiction(earlier, "child", {"age": "7", "view": "knows_agrees"}, TODAY) is not None


@pytest.mark.parametrize(("born", "on", "years"), [
    (date(2010, 2, 28), date(2026, 2, 27), 15), (date(2010, 2, 28), date(2026, 2, 28), 16),
    (date(2008, 2, 29), date(2026, 2, 28), 17), (date(2008, 2, 29), date(2026, 3, 1), 18),
])
def test_age_on(born: date, on: date, years: int) -> None:
    assert journey.age_on(born, on) == years


@pytest.fixture
def context():  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="POST"):
        yield


@pytest.mark.parametrize(("typed", "message"), [
    ("five", "Enter the child's age as a number, like 5"),
    ("5 years", "Enter the child's age as a number, like 5"),
    ("", "Enter the child's age"),
    ("18", "The child must be under 18."),
    ("5", None),
])
def test_child_age_messages(context, typed: str, message: str | None) -> None:  # type: ignore[no-untyped-def]
    form = ChildForm(formdata=MultiDict({"age": typed, "view": "knows_agrees"}), audience="parent")
    ok = form.validate()
    errors = form.age.errors
    assert not any("characters or fewer" in e for e in errors)
    if message is None:
        assert ok and not errors
    else:
        assert errors and errors[0].startswith(message)


@pytest.mark.parametrize(("audience", "words"), [
    ("self", "all the time you have been in contact with us"),
    ("parent", "all the time the child has been in contact with us"),
    ("representative", "all the time the person has been in contact with us"),
])
def test_period_hint_names_whose_contact(context, audience: str, words: str) -> None:  # type: ignore[no-untyped-def]
    assert words in PeriodForm(formdata=None, audience=audience, request_kind="access").hint


def test_a_letter_about_someone_else_reads_naturally() -> None:
    assert KIND_IN_LETTERS["access"] == "request for a copy of your information"
    assert KIND_IN_LETTERS_ABOUT["access"] == "request for a copy of the information"  # "... about Amelia"
    assert KIND_IN_LETTERS_ABOUT["erasure"] == KIND_IN_LETTERS["erasure"]


@pytest.mark.parametrize(("role", "offered"), [
    ("record_holder", ["done", "partly"]),
    ("officer", ["done", "partly"]),
    ("manager", ["done", "partly", "refused"]),
])
def test_outcomes_offered_are_the_ones_the_role_may_choose(role: str, offered: list[str]) -> None:
    assert list(workflow.rights_outcomes_for(role)) == offered
