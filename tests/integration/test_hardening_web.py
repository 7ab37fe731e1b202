"""Hostile numbers in URLs, serving without a profile, and rate limits set from the environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rights import config
from tests.factories import make_request
from tests.integration.portal_support import Portal, portal_app
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)

ROOT = Path(__file__).resolve().parents[2]
HUGE = "9" * 23


def test_ids_beyond_the_integer_range_are_404_not_500(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC)).reference
    officer = signed_in_client(app, rt, make_staff(rt, "officer"))
    admin = signed_in_client(app, rt, make_staff(rt, "admin"))
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    for client, path in [
        (officer, f"/staff/cases/{reference}/documents/{HUGE}"),
        (holder, f"/staff/searches/{HUGE}"),
        (holder, f"/staff/searches/{HUGE}/records/1"),
        (officer, f"/staff/cases/{reference}/review/{HUGE}"),
        (officer, f"/staff/cases/{reference}/documents/{2**31}"),
        (admin, f"/staff/admin/users/{HUGE}"),
    ]:
        assert client.get(path).status_code == 404, path
    # The largest id the database holds is still looked up (and simply not found).
    assert officer.get(f"/staff/cases/{reference}/documents/{2**31 - 1}").status_code == 404
    # Integer query and form values are bounded the same way: ignored, not a database overflow.
    assert officer.get(f"/staff/cases?view=all&assignee={HUGE}").status_code == 200
    token = csrf(officer, "/staff/cases")
    response = officer.post("/staff/cases/bulk", data={"csrf_token": token, "case": HUGE, "assign": "1",
                                                       "assignee": HUGE})
    assert response.status_code in (302, 400)


def test_portal_positions_accept_zero_and_refuse_huge(rt, settings) -> None:
    client = portal_app(settings).test_client()
    assert client.post(f"/request/previous-addresses/remove/{HUGE}").status_code == 404
    assert client.post("/request/previous-addresses/remove/0").status_code == 400  # routed; CSRF refuses it


def _app_with_limits(settings, monkeypatch, **limits: str) -> Any:
    """The portal app with these rate limits set from the environment (``RIGHTS_RATE_LIMIT_<NAME>``)."""
    for name, value in limits.items():
        monkeypatch.setenv(f"RIGHTS_RATE_LIMIT_{name}", value)
    fresh = config.load("test", database_url=settings.database_url, redis_url=settings.redis_url,
                        queue_name=settings.queue_name, upload_dir=settings.upload_dir,
                        ratelimit_storage_uri="memory://")
    return portal_app(fresh)


def test_rate_limits_come_from_the_environment(rt, settings, monkeypatch) -> None:
    application = _app_with_limits(settings, monkeypatch, CODE_REQUEST="2 per minute", SIGN_IN="2 per minute")
    portal = Portal(application.test_client())
    statuses = [portal.post("/progress", {"reference": "SAR-2026-00001", "email": "a@example.org"}).status_code
                for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429

    client = application.test_client()
    statuses = []
    for _ in range(3):
        token = csrf(client, "/staff/sign-in")
        statuses.append(client.post("/staff/sign-in", data={"csrf_token": token, "email": "x@council.example",
                                                            "password": "wrong"}).status_code)
    assert statuses == [400, 400, 429]


def test_every_rate_limited_view_is_declared_through_rate_limit(app) -> None:  # noqa: F811
    """The limiter skips views not declared through ``rate_limit``: a limit added any other way would
    silently never count, so every view Flask-Limiter knows a limit for must be in the declared set."""
    from flask_limiter.util import get_qualified_name

    from rights.web import _RATE_LIMITED, limiter

    limited = {get_qualified_name(view) for view in app.view_functions.values()} & set(
        limiter._marked_for_limiting)  # Flask-Limiter's own record of the views it was asked to limit
    assert limited, "no view has a rate limit: the walk found nothing"
    assert limited <= set(_RATE_LIMITED), sorted(limited - set(_RATE_LIMITED))


def test_requests_no_limit_counts_skip_the_limiter_and_the_rest_are_counted(rt, settings, monkeypatch) -> None:
    """GETs of a POST-limited page, answers that upload nothing and pages without a limit never reach the
    limiter's storage; the requests a limit counts still do, and are refused past it."""
    application = _app_with_limits(settings, monkeypatch, UPLOAD="2 per minute", SUBMIT="1 per minute")
    from rights.web import limiter

    hits: list[str] = []
    resolved: list[str | None] = []
    real_hit, real_resolve = limiter.limiter.hit, limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limiter, "hit", lambda item, *ids, cost=1: hits.append(ids[-1]) or real_hit(
        item, *ids, cost=cost))
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda app_, endpoint=None, *a, **k: resolved.append(endpoint) or real_resolve(
                            app_, endpoint, *a, **k))
    portal = Portal(application.test_client())
    portal.token()
    for _ in range(5):
        assert portal.client.get("/request/who").status_code == 200
        assert portal.client.get("/request/check").status_code in (200, 302)
        assert portal.client.get("/").status_code == 200
    for _ in range(4):  # an answer with no file: exempt from the upload limit
        assert portal.post("/request/who", {"role": "self_adult"}).status_code == 302
    assert hits == [] and resolved == []
    statuses = [portal.post("/request/check", {"declaration": "y"}).status_code for _ in range(2)]
    assert statuses[-1] == 429 and len(hits) == 2 and resolved


def test_a_counted_request_reads_the_limit_once_and_a_refusal_says_when_to_return(settings, monkeypatch) -> None:
    """A counted request goes to the limiter's storage for its hit alone: no second read of the window to fill
    ``X-RateLimit-*`` headers. The refusal still carries ``Retry-After`` and the page's wait."""
    application = _app_with_limits(settings, monkeypatch, SUBMIT="1 per minute")
    from rights.web import limiter

    windows: list[str] = []
    real_stats = limiter.limiter.get_window_stats
    monkeypatch.setattr(limiter.limiter, "get_window_stats",
                        lambda item, *ids: windows.append(ids[-1]) or real_stats(item, *ids))
    portal = Portal(application.test_client())
    portal.token()
    first = portal.post("/request/check", {"declaration": "y"})
    assert first.status_code in (200, 302, 400) and windows == []
    assert not [name for name, _value in first.headers.items() if name.lower().startswith("x-ratelimit")]
    refused = portal.post("/request/check", {"declaration": "y"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "1 minute" in refused.get_data(as_text=True)


def test_gunicorn_without_rights_env_refuses_to_serve() -> None:
    """A real gunicorn: the worker fails to boot with the one-line reason, and the server exits."""
    env = {k: v for k, v in os.environ.items() if k not in ("RIGHTS_ENV", "SERVER_SOFTWARE")}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "--workers", "1", "--bind", "127.0.0.1:0", "app:app"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
        pytest.fail("gunicorn kept serving without RIGHTS_ENV:\n" + output[-2000:])
    assert proc.returncode != 0
    assert "Refusing to serve under gunicorn without RIGHTS_ENV" in output


QUERY_NAMES = ("after", "before", "assignee", "start", "end", "status", "page", "q", "kind", "stage", "due",
               "service", "sort", "period", "view", "next", "change", "id", "limit")


def test_huge_numbers_in_any_query_parameter_of_any_page_are_not_a_500(app, rt) -> None:  # noqa: F811
    from tests.integration.routes_support import get_rules, url_for_rule
    from tests.integration.test_routes_access import staff_rules

    with rt.db.transaction() as session:
        reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC)).reference
    clients = {role: signed_in_client(app, rt, make_staff(rt, role, services=("childrens_social_care",)
                                                           if role == "record_holder" else ()))
               for role in ("officer", "manager", "record_holder", "admin")}
    anonymous = app.test_client()
    access = {rule.endpoint: roles for rule, roles in staff_rules(app)}
    checked = 0
    for rule in get_rules(app):
        client = clients[access[rule.endpoint][0]] if rule.endpoint in access else anonymous
        path = url_for_rule(rule, reference)
        for value in (HUGE, f"2026-01-01.{HUGE}", "2026-01-01." + "9" * 12, f"-{HUGE}", f"{HUGE}-{HUGE}"):
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, value, response.status_code)
            checked += 1
    assert checked > 150
