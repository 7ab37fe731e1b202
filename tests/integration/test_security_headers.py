"""Every page and every form's answer, for a visitor and for each staff role, carries the security headers
and safe cookies; in production every visitor page also sends HSTS and only Secure, host-only cookies.

Walks ``app.url_map`` (with the route walker's URL builder), so pages other areas add later are checked too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rights import config
from rights.security import generate_key
from rights.web.access import rule_of
from tests.factories import make_request
from tests.integration.routes_support import EXEMPT, get_rules, url_for_rule
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)


def header_problems(url: str, response: Any, production: bool = False) -> list[str]:
    """What one response lacks; empty when it is safe."""
    problems = []
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        if directive not in csp:
            problems.append(f"{url}: CSP lacks {directive}")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"{url}: CSP allows inline or eval")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: X-Content-Type-Options")
    if h.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options")
    if h.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"{url}: Referrer-Policy {h.get('Referrer-Policy')!r}")
    if production and not h.get("Strict-Transport-Security", "").startswith("max-age="):
        problems.append(f"{url}: Strict-Transport-Security")
    for cookie in h.getlist("Set-Cookie"):
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        name = cookie.split("=", 1)[0]
        if "httponly" not in flags:
            problems.append(f"{url}: cookie {name} lacks HttpOnly")
        if "samesite=lax" not in cookie.lower() and "samesite=strict" not in cookie.lower():
            problems.append(f"{url}: cookie {name} lacks SameSite")
        if production and ("secure" not in flags or not name.startswith("__Host-")):
            problems.append(f"{url}: cookie {name} lacks Secure or the __Host- prefix")
    return problems


def get_urls(app: Any, reference: str, who: str | None) -> list[str]:  # noqa: F811
    """Every GET route a visitor (``who`` None) or a role may open, with real values where it matters."""
    urls = []
    for rule in get_rules(app):
        access = rule_of(app.view_functions[rule.endpoint])
        if access == ("public",) or (who is not None and who in access):
            urls.append(url_for_rule(rule, reference))
    return urls


def post_urls(app: Any, reference: str, who: str | None) -> list[str]:  # noqa: F811
    """Every route taking POST that a visitor or a role may use (the answer to a form carries headers too)."""
    return [url_for_rule(rule, reference) for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or set()) and rule.endpoint not in EXEMPT and rule.rule != "/staff/sign-out"
            and (rule_of(app.view_functions[rule.endpoint]) == ("public",)
                 or (who is not None and who in (rule_of(app.view_functions[rule.endpoint]) or ())))]


ROLES = ("officer", "manager", "admin", "record_holder")


def test_every_page_and_every_form_answer_has_security_headers_for_visitors_and_every_role(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        reference = make_request(session, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                                 services=["childrens_social_care"]).reference
    clients: list[tuple[Any, str | None]] = [(app.test_client(), None)]
    clients += [(signed_in_client(app, rt, make_staff(rt, role, services=("childrens_social_care",)
                                                       if role == "record_holder" else ())), role) for role in ROLES]
    problems: list[str] = []
    ok = 0
    walked = 0
    for client, who in clients:
        for url in get_urls(app, reference, who):
            response = client.get(url)
            walked += 1
            ok += response.status_code == 200
            problems += header_problems(f"{who} GET {url}", response)
        token = csrf(client, "/staff/sign-in" if who is None else "/staff/signed-out")
        for url in post_urls(app, reference, who):  # empty forms: refusals and redirects alike
            walked += 1
            problems += header_problems(f"{who} POST {url}", client.post(url, data={"csrf_token": token}))
        # Errors and refusals carry the headers too.
        for url in ("/no-such-page", "/staff/cases/SAR-1999-99999", f"/staff/cases/{reference}/documents/{'9' * 23}"):
            problems += header_problems(url, client.get(url))
    assert problems == []
    assert walked > 200 and ok > 60, (walked, ok)


def test_production_cookies_are_secure_and_host_only(rt, settings, app_role_url) -> None:
    from rights.web import create_app

    production = config.load("production", database_url=app_role_url, audit_keys=[generate_key()],
                             redis_url=settings.redis_url,
                             queue_name=settings.queue_name, upload_dir=settings.upload_dir,
                             secret_key="s" * 48, encryption_keys=[generate_key()],
                             ratelimit_storage_uri="memory://")
    application = create_app(production, start_worker=False)
    client = application.test_client()
    cookies_seen = 0
    problems: list[str] = []
    urls = get_urls(application, "SAR-2026-00001", None)  # every page a visitor may open, as served in production
    assert len(urls) > 15
    for url in urls:
        response = client.get(url, base_url="https://rights.council.example")
        cookies_seen += len(response.headers.getlist("Set-Cookie"))
        problems += header_problems(url, response, production=True)
    assert problems == []
    assert cookies_seen >= 1, "the sign-in page sets the session cookie (its CSRF token)"
