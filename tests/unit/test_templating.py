"""The app's Jinja environment (flat template globals) and the case list's remembered selects.

Both exist for speed under load (``bench/load.py``); these tests pin that neither changes what a page shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment

from forms import options, widgets
from rights.web.templating import RightsEnvironment

MACROS = {
    "macro.html": "{% macro hello(name) %}<p>{{ greeting }}, {{ name }}{{ suffix | default('') }}</p>{% endmacro %}",
    "page.html": '{% from "macro.html" import hello %}{{ hello(who) }}|{{ greeting }}|{{ shared() }}',
}


def _render(environment: Any) -> str:
    environment.globals.update(greeting="Hello", shared=lambda: "global function")
    return str(environment.get_template("page.html").render(who="Sam"))


def test_flat_globals_render_what_jinja_renders() -> None:
    from flask import Flask

    app = Flask(__name__)
    app.jinja_environment = RightsEnvironment
    app.jinja_loader = DictLoader(MACROS)  # type: ignore[assignment]
    with app.app_context():
        ours = _render(app.jinja_env)
    assert ours == _render(Environment(loader=DictLoader(MACROS)))
    assert ours == "<p>Hello, Sam</p>|Hello|global function"


def test_a_templates_own_globals_sit_over_the_environments() -> None:
    from flask import Flask

    app = Flask(__name__)
    app.jinja_environment = RightsEnvironment
    app.jinja_loader = DictLoader(MACROS)  # type: ignore[assignment]
    env = app.jinja_env
    env.globals["greeting"] = "Hello"
    template = env.get_template("macro.html", globals={"greeting": "Hi", "suffix": "!"})
    assert type(template.globals) is dict
    assert template.globals["greeting"] == "Hi" and template.globals["suffix"] == "!"
    assert template.module.hello("Sam") == "<p>Hi, Sam!</p>"


@pytest.fixture
def app_context() -> Any:
    from rights import config
    from rights.web import create_app

    app = create_app(config.load("test", database_url="sqlite://", redis_url=None), start_worker=False)
    with app.test_request_context("/staff/cases"):
        yield app


def _select(selected: str) -> Any:
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        assignee = SelectField("Assigned to", choices=[], validate_choice=False, widget=widget)

    form = Form(formdata=MultiDict({"assignee": selected}))
    form.assignee.choices = options([("", "Anyone"), ("1", "Olivia Officer"), ("2", "Manon Manager")])
    return form.assignee


widget = widgets.MemoGovSelect()


def test_a_remembered_select_is_the_html_govuk_renders(app_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from govuk_frontend_wtf import gov_form_base
    from govuk_frontend_wtf.wtforms_widgets import GovSelect

    rendered: list[str] = []
    real = gov_form_base.render_template
    monkeypatch.setattr(gov_form_base, "render_template", lambda *a, **k: rendered.append("x") or real(*a, **k))
    widget._memo.clear()
    first, again, other = str(_select("1")()), str(_select("1")()), str(_select("2")())
    assert first == again and first != other
    assert len(rendered) == 2, "the same parameters are rendered once"
    assert 'value="1" selected' in first and 'value="2" selected' in other
    plain = _select("2")
    plain.widget = GovSelect()
    assert str(plain()) == other


def test_the_memo_is_bounded(app_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widgets, "MEMO_SIZE", 3)
    widget._memo.clear()
    for value in ("", "1", "2", "1", "x", "y"):
        _select(value)()
    assert len(widget._memo) == 3
