"""The app factory: health, security headers on every response, error pages."""

from __future__ import annotations

import time
import types

import pytest


@pytest.fixture
def client(rt, settings):  # type: ignore[no-untyped-def]
    from rights.web import create_app

    return create_app(settings, start_worker=False).test_client()


def test_health_checks_the_database(client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}


def test_security_headers(client) -> None:
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert b"Page not found" in response.data


def test_each_response_gets_a_fresh_nonce_used_by_its_scripts(client) -> None:
    a = client.get("/does-not-exist")
    b = client.get("/does-not-exist")
    nonce_a = a.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    nonce_b = b.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce_a != nonce_b
    assert f'nonce="{nonce_a}"'.encode() in a.data


def test_asset_responses_never_set_the_session_cookie(client) -> None:
    with client.session_transaction() as sess:
        sess["answer"] = "kept"
    page = client.get("/does-not-exist")
    asset = client.get("/static/css/app.css")
    assert "Set-Cookie" in page.headers
    assert "Set-Cookie" not in asset.headers


def test_an_unchanged_session_cookie_is_sent_again_at_most_once_a_minute(client, monkeypatch) -> None:
    """The idle timeout slides with each page, but an unchanged session is re-signed only once a minute."""
    from itsdangerous.timed import TimestampSigner

    assert "Set-Cookie" in client.get("/does-not-exist").headers  # a new session, made permanent
    assert "Set-Cookie" not in client.get("/does-not-exist").headers  # unchanged, signed just now
    with monkeypatch.context() as patched:  # a cookie signed 61 seconds ago
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 61)
        with client.session_transaction() as sess:
            sess["answer"] = "kept"
    renewed = client.get("/does-not-exist")
    assert "Set-Cookie" in renewed.headers
    assert "Set-Cookie" not in client.get("/does-not-exist").headers
    with client.session_transaction() as sess:  # signed just now, then changed by a page
        assert sess["answer"] == "kept"
    changed = client.get("/progress")  # the progress page stores its CSRF token in the session
    assert "Set-Cookie" in changed.headers


def test_refusals_raised_before_our_hooks_still_carry_the_nonce(rt, settings) -> None:
    """CSRFProtect refuses in its own before_request hook; its error page must still run GOV.UK's script."""
    from rights.web import create_app

    app = create_app(settings, start_worker=False)
    app.config["WTF_CSRF_ENABLED"] = True
    posted = app.test_client().post("/staff/sign-in", data={"email": "x@example.org"})
    assert posted.status_code == 400
    nonce = posted.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce
    assert f'nonce="{nonce}"'.encode() in posted.data


@pytest.mark.parametrize(("env", "name"), [("development", "session"), ("production", "__Host-session")])
def test_the_cookies_page_names_the_cookie_actually_set(rt, settings, app_role_url, env, name) -> None:  # type: ignore[no-untyped-def]
    from rights.web import create_app

    settings.env = env  # the cookie's name follows the profile (config.Settings.as_flask)
    settings.database_url = app_role_url  # production runs as the app's role (rights.audit.roles)
    app = create_app(settings, start_worker=False)
    assert app.config["SESSION_COOKIE_NAME"] == name
    page = app.test_client().get("/cookies", base_url="https://localhost").get_data(as_text=True)
    assert f'<td class="govuk-table__cell">{name}</td>' in page


def test_whether_a_function_is_async_is_asked_once_per_function(client, monkeypatch) -> None:
    """Flask asks of every hook, context processor and view, on every request, whether it is ``async def``;
    the app asks once per function's code (so closures made per request add nothing). A coroutine function is
    still not taken for a plain one."""
    import flask.app as flask_app

    asked: list[object] = []
    real = flask_app.iscoroutinefunction
    monkeypatch.setattr(flask_app, "iscoroutinefunction", lambda fn: asked.append(fn) or real(fn))
    first = client.get("/")
    assert first.status_code == 200 and asked  # the first page asks about its functions
    asked.clear()
    again = client.get("/")
    assert again.status_code == 200 and again.get_data(as_text=True).count("govuk-") > 10
    assert not [fn for fn in asked if isinstance(fn, types.FunctionType)]

    def made_per_request(n: int) -> object:
        return lambda: n

    known = len(client.application._plain)
    for n in range(50):  # closures made afresh (an after_this_request callback): one code, one answer kept
        fresh = made_per_request(n)
        assert client.application.ensure_sync(fresh) is fresh
    assert len(client.application._plain) == known + 1

    async def later() -> None:
        return None

    with pytest.raises(RuntimeError, match="async"):  # Flask's own answer without its async extra
        client.application.ensure_sync(later)
