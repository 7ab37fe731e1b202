"""The app's Jinja environment (flat template globals) and the case list's remembered selects.

Both exist for speed under load (``bench/load.py``); these tests pin that neither changes what a page shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment, Undefined

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


def test_compiled_templates_are_kept_in_a_plain_dict(app_context: Any) -> None:
    """Every template the app loads stays compiled, looked up by key (no LRU bookkeeping per look-up)."""
    env = app_context.jinja_env
    assert type(env.cache) is dict
    first = env.get_template("portal/timed_out.html")
    assert env.get_template("portal/timed_out.html") is first


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
    from flask import render_template
    from govuk_frontend_wtf.wtforms_widgets import GovSelect
    from markupsafe import Markup

    from rights.web import templating

    rendered: list[str] = []
    real = templating.render_field
    monkeypatch.setattr(templating, "render_field", lambda *a, **k: rendered.append("x") or real(*a, **k))
    widget.clear()
    first, again, other = str(_select("1")()), str(_select("1")()), str(_select("2")())
    assert first == again and first != other
    assert len(rendered) == 2, "the same parameters are rendered once"
    assert 'value="1" selected' in first and 'value="2" selected' in other
    plain = _select("2")
    plain.widget = GovSelect()
    assert str(plain()) == other
    monkeypatch.setattr(templating, "render_field", lambda t, p: Markup(render_template(t, params=p)))
    plain = _select("2")
    plain.widget = GovSelect()
    assert str(plain()) == other  # the library's own way: render_template of its field template


def test_the_memo_is_bounded(app_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widget._memo, "size", 3)
    monkeypatch.setattr(widget._by_field, "size", 3)
    widget.clear()
    for value in ("", "1", "2", "1", "x", "y"):
        _select(value)()
    assert len(widget._memo) == 3 and len(widget._by_field) == 3


WIDGET_PARAMS: dict[str, dict[str, Any]] = {
    "input.html": {"id": "name", "name": "name", "label": {"text": "Name <b>"}, "value": "Zoë <script>",
                   "errorMessage": {"text": "Enter a name"}, "attributes": {"spellcheck": "false"}},
    "password.html": {"id": "pw", "name": "pw", "label": {"text": "Password"}, "attributes": {}},
    "textarea.html": {"id": "t", "name": "t", "label": {"text": "Details"}, "value": "a\nb & c", "attributes": {}},
    "charactercount.html": {"id": "c", "name": "c", "label": {"text": "Why"}, "maxlength": 10, "value": "x",
                            "attributes": {}},
    "select.html": {"id": "s", "name": "s", "label": {"text": "Pick"},
                    "items": [{"value": "1", "text": "One"}, {"value": "2", "text": "Two", "selected": True}],
                    "attributes": {}},
    "radios.html": {"name": "r", "fieldset": {"legend": {"text": "Which"}},
                    "items": [{"value": "a", "text": "A", "checked": True}, {"value": "b", "text": "B"}]},
    "checkboxes.html": {"name": "c", "fieldset": {"legend": {"text": "Which"}},
                        "items": [{"value": "a", "text": "A"}, {"value": "b", "text": "B", "checked": True}]},
    "date.html": {"id": "d", "namePrefix": "d", "fieldset": {"legend": {"text": "When"}},
                  "items": [{"name": "day", "value": "1"}, {"name": "month", "value": "2"},
                            {"name": "year", "value": "2020"}]},
    "file-upload.html": {"id": "f", "name": "f", "label": {"text": "File"}, "attributes": {}},
    "button.html": {"text": "Continue", "attributes": {"name": "go"}},
}


def test_every_govuk_field_template_is_one_macro_call() -> None:
    """Every field template the library ships has the shape the direct path reads (none falls back)."""
    from pathlib import Path

    import govuk_frontend_wtf

    from rights.web.templating import field_macro

    folder = Path(govuk_frontend_wtf.__file__).parent / "templates"
    found = {path.name: field_macro(path.read_text()) for path in folder.glob("*.html")}
    assert set(found) == set(WIDGET_PARAMS)
    assert all(target is not None and target[0].startswith("govuk_frontend_jinja/components/")
               for target in found.values()), found
    assert field_macro("{% from 'x.html' import a %}{{ a(params) }}<p>more</p>") is None
    assert field_macro("{% from 'x.html' import a %}{{ b(params) }}") is None


@pytest.mark.parametrize("name", sorted(WIDGET_PARAMS))
def test_a_field_drawn_directly_is_what_render_template_draws(app_context: Any, name: str) -> None:
    from flask import render_template

    from rights.web.templating import render_field

    template = f"govuk_frontend_wtf/{name}"
    params = WIDGET_PARAMS[name]
    direct = render_field(template, params)
    assert str(direct) == str(render_template(template, params=params))
    assert str(direct).strip(), "a field draws something"
    if name == "input.html":
        assert "Zoë &lt;script&gt;" in direct and "<script>" not in direct  # still escaped


def test_forms_draw_through_the_direct_path(app_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rights.web import templating

    drawn: list[str] = []
    real = templating.render_field
    monkeypatch.setattr(templating, "render_field", lambda t, p: drawn.append(t) or real(t, p))
    widget.clear()
    html = str(_select("1")())
    assert drawn == ["govuk_frontend_wtf/select.html"] and 'value="1" selected' in html


def _library_attributes() -> Any:
    """GOV.UK Frontend's own ``govukAttributes`` macro, in an environment set up as the app's."""
    from jinja2 import PackageLoader, PrefixLoader, select_autoescape

    env = Environment(loader=PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
                      autoescape=select_autoescape(), trim_blocks=True, lstrip_blocks=True)
    return env, env.get_template("govuk_frontend_jinja/macros/attributes.html").module.govukAttributes


ATTRIBUTE_CASES: list[Any] = [
    None, "", ' data-x="1"', {}, {"id": "name"}, {"aria-hidden": True}, {"aria-hidden": False}, {"hidden": None},
    {"hidden": ""}, {"n": 0}, {"n": 7}, {"q": 'say "hi" <b> & \'go\''}, {'bad"name': "v"},
    {"hidden": {"value": True, "optional": True}}, {"hidden": {"value": False, "optional": True}},
    {"hidden": {"value": None, "optional": True}}, {"hidden": {"value": "", "optional": True}},
    {"hidden": {"value": "yes", "optional": True}}, {"hidden": {"value": "yes"}}, {"hidden": {"optional": True}},
    {"hidden": {"optional": False}}, {"x": {"val": "<i>kept</i>"}}, {"x": {"val": None}},
    {"x": {"val": {"value": True, "optional": True}}}, {"x": {"other": 1}},
    {"class": "govuk-input", "id": "a", "spellcheck": {"value": "false", "optional": True},
     "autocomplete": {"value": None, "optional": True}, "aria-describedby": {"value": "a-hint", "optional": True}},
]


@pytest.mark.parametrize("attributes", ATTRIBUTE_CASES)
def test_govuk_attributes_in_python_is_the_macro(attributes: Any) -> None:
    from markupsafe import Markup

    from rights.web.templating import govuk_attributes

    _env, macro = _library_attributes()
    ours = govuk_attributes(attributes)
    assert isinstance(ours, Markup)
    assert str(ours) == str(macro(attributes))


def test_govuk_attributes_of_undefined_values_is_the_macro() -> None:
    """Components pass ``params.x`` for keys a caller left out: Jinja's Undefined, not None."""
    from rights.web.templating import govuk_attributes

    env, macro = _library_attributes()
    undefined = env.undefined(name="missing")
    for attributes in (undefined, {"a": undefined}, {"a": {"value": undefined, "optional": True}},
                       {"a": {"val": undefined, "value": "v"}}):
        assert str(govuk_attributes(attributes)) == str(macro(attributes)), attributes


def test_the_app_serves_the_python_attributes_to_govuk_components(app_context: Any) -> None:
    from rights.web.templating import ATTRIBUTES_MACRO, govuk_attributes

    env = app_context.jinja_env
    assert env.get_template(ATTRIBUTES_MACRO).module.govukAttributes is govuk_attributes
    input_macro = env.get_template("govuk_frontend_jinja/components/input/macro.html").module.govukInput
    html = str(input_macro({"id": "n", "name": "n", "label": {"text": "Name"}, "spellcheck": False,
                            "attributes": {"data-x": 'a"b'}}))
    assert 'spellcheck="false"' in html and 'data-x="a&#34;b"' in html


def _counting(app_context: Any, component: str, name: str) -> tuple[Any, list[dict[str, Any]], type]:
    """A GOV.UK component's macro, the parameters of each call to it, and a stand-in that records them."""
    macro = getattr(app_context.jinja_env.get_template(
        f"govuk_frontend_jinja/components/{component}/macro.html").module, name)
    calls: list[dict[str, Any]] = []

    class Counted:
        def __init__(self) -> None:
            self.name = macro.name

        def __call__(self, params: dict[str, Any]) -> Any:
            calls.append(params)
            return macro(params)

    return macro, calls, Counted


def test_remembered_furniture_is_the_macros_html_drawn_once_per_parameters(app_context: Any) -> None:
    from rights.web.templating import RememberedMacros

    banner, calls, Counted = _counting(app_context, "phase-banner", "govukPhaseBanner")
    remembered = RememberedMacros(size=2)
    beta = {"tag": {"text": "Beta"}, "text": "This is a new service."}
    first = remembered(Counted(), beta)
    assert str(first) == str(banner(beta)) and "This is a new service." in first
    assert remembered(Counted(), dict(beta)) == first and len(calls) == 1  # same parameters: drawn once
    alpha = {"tag": {"text": "Alpha"}, "text": "New."}
    assert "Alpha" in remembered(Counted(), alpha) and len(calls) == 2
    remembered(Counted(), {"tag": {"text": "Gamma"}, "text": "x"})
    assert len(remembered._memo) == 2  # bounded: the oldest went
    remembered(Counted(), beta)
    assert len(calls) == 4
    # Markup and the same characters as text draw differently; JSON cannot tell them apart, so Markup is
    # never remembered.
    from markupsafe import Markup

    as_text = {"tag": {"text": "Beta"}, "text": "Fish &amp; chips"}
    as_markup = {"tag": {"text": "Beta"}, "text": Markup("Fish &amp; chips")}
    assert "Fish &amp;amp; chips" in remembered(Counted(), as_text)
    drawn = remembered(Counted(), as_markup)
    assert "Fish &amp; chips" in drawn and "&amp;amp;" not in drawn


def test_pages_draw_their_furniture_through_the_memo(app_context: Any) -> None:
    from flask import render_template

    html = render_template("portal/timed_out.html", title="Your answers have been deleted", idle_minutes=30)
    again = render_template("portal/timed_out.html", title="Your answers have been deleted", idle_minutes=30)
    remembered = app_context.jinja_env.globals["remembered"]
    assert any(key.startswith("govukPhaseBanner:") for key in remembered._memo)
    assert any(key.startswith("govukSkipLink:") for key in remembered._memo)
    assert html.count('class="govuk-template__header"') == 1 and "govuk-phase-banner" in html
    assert html.replace(html.split('nonce="')[1].split('"')[0], "") == again.replace(
        again.split('nonce="')[1].split('"')[0], "")


def test_the_staff_navigation_is_remembered_with_each_pages_own_csrf_token(app_context: Any) -> None:
    """Drawn once per set of links; every page gets its own token in the sign-out form, and the HTML is what
    the GOV.UK macro draws with that token in place."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup

    from rights.web.templating import CSRF_TOKEN_SLOT, RememberedMacros

    navigation, drawn, Counted = _counting(app_context, "service-navigation", "govukServiceNavigation")
    def params(form: str, active: bool) -> dict[str, Any]:
        return {"serviceName": "Rights Desk", "serviceUrl": "/staff/",
                "navigation": [{"text": "Cases", "href": "/staff/cases", "active": active}],
                "slots": {"navigationEnd": Markup(form)}}

    form = f'<li><form method="post"><input name="csrf_token" value="{CSRF_TOKEN_SLOT}"></form></li>'
    remembered = RememberedMacros()
    tokens = []
    for _page in range(3):
        session.clear()
        g.pop("csrf_token", None)  # a new visitor: a new token
        html = remembered.with_csrf_token(Counted(), params(form, True))
        token = generate_csrf()
        tokens.append(token)
        assert CSRF_TOKEN_SLOT not in html and f'value="{token}"' in html
        assert html == navigation(params(form.replace(CSRF_TOKEN_SLOT, token), True))
    assert len(drawn) == 1 and len(set(tokens)) == 3
    remembered.with_csrf_token(Counted(), params(form, False))  # other links: drawn again
    as_text = params(form, True)
    as_text["slots"]["navigationEnd"] = form  # the same characters as text: keyed apart from the Markup
    remembered.with_csrf_token(Counted(), as_text)
    assert len(drawn) == 3


def test_the_case_lists_links_are_the_case_pages_addresses(app_context: Any) -> None:
    from flask import render_template_string, url_for

    from rights.web.dashboard.lists import _case_page_prefix

    for reference in ("SAR-2026-00042", "COMPLAINT-2026-00001", "ERA-2027-12345"):
        drawn = render_template_string("{{ case_href ~ reference | urlencode }}", case_href=_case_page_prefix(),
                                       reference=reference)
        assert drawn == url_for("dashboard.case_page", reference=reference)


@pytest.mark.parametrize("first", [False, True])
@pytest.mark.parametrize("blank", [False, True])
@pytest.mark.parametrize("width", [0, 2, 4, "> ", "<&>"])
def test_the_indent_filter_is_jinjas(width: Any, first: bool, blank: bool) -> None:
    from jinja2.filters import do_indent
    from markupsafe import Markup

    from rights.web.templating import indent

    for text in ["", "one", "a\nb", "a\n\nb\n", "\n<b>x</b>\r\n  y &amp; z\n\n", "x\u2028y"]:
        for value in (text, Markup(text)):
            ours, jinjas = indent(value, width, first, blank), do_indent(value, width, first, blank)
            assert ours == jinjas and type(ours) is type(jinjas), (value, width, first, blank)


def test_template_attribute_lookup_is_jinjas(app_context: Any) -> None:
    from flask import current_app
    from jinja2 import Environment

    env = current_app.jinja_env
    plain = Environment()
    for obj, name in [({"label": 1}, "label"), ({"items": [1]}, "items"), ({"get": 2}, "get"), ({}, "label"),
                      ({"x": 1}, "y"), ([1], "x"), ("text", "upper")]:
        ours, jinjas = env.getattr(obj, name), plain.getattr(obj, name)
        assert type(ours) is type(jinjas) and (str(ours) == str(jinjas) if callable(ours) else ours == jinjas)
        if isinstance(jinjas, Undefined):  # the same hint when it is used: which object, which name
            assert ours._undefined_hint == jinjas._undefined_hint
            assert ours._undefined_obj is jinjas._undefined_obj and ours._undefined_name == jinjas._undefined_name


def test_a_missing_key_of_a_plain_dict_is_undefined_without_raising(app_context: Any) -> None:
    """``params.hint`` left out of a macro's parameters: undefined, with no exception raised and caught on the
    way (an AttributeError and a KeyError each time, before)."""
    import sys

    from flask import current_app

    env = current_app.jinja_env
    raised: list[str] = []

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "exception":
            raised.append(arg[0].__name__)
        return trace

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return trace if frame.f_code is type(env).getattr.__code__ else None

    sys.settrace(calls)
    try:
        found = env.getattr({"label": {"text": "Name"}}, "hint")
        kept = env.getattr({"label": {"text": "Name"}}, "label")
    finally:
        sys.settrace(None)
    assert isinstance(found, Undefined) and not found and kept == {"text": "Name"}
    assert raised == []
