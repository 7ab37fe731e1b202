"""The app factory: health, security headers on every response, error pages."""

from __future__ import annotations

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
