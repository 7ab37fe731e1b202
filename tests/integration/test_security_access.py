"""Security review of access: rate limits and the audit key on the real client behind the council's proxy
(and only then trust X-Forwarded-For), and a failed sign-in with an unknown address keeps no typed text.
(Every method of every staff route is walked by tests/integration/test_routes_access.py.)"""

from __future__ import annotations

from sqlalchemy import select

from rights import users
from rights.models import AuditEvent, Role
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    )

ROLES = [r.value for r in Role]


def limited_app(settings, *, proxies: int):  # type: ignore[no-untyped-def]
    from rights.web import create_app

    settings.trusted_proxies = proxies
    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": True, "PORTAL_LIMIT_CODE_REQUEST": "2 per minute"}
    application = create_app(settings, start_worker=False)
    application.config["WTF_CSRF_ENABLED"] = False
    return application


def ask(client, forwarded_for: str):  # type: ignore[no-untyped-def]
    return client.post("/progress", data={"reference": "SAR-2026-00001", "email": "someone@example.org"},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.0.0.2"})


def test_behind_the_councils_proxy_each_citizen_has_their_own_limit_and_audited_address(rt, settings) -> None:
    client = limited_app(settings, proxies=1).test_client()
    assert [ask(client, "203.0.113.7").status_code for _ in range(3)] == [302, 302, 429]
    assert ask(client, "198.51.100.4").status_code == 302  # another citizen behind the same proxy
    with rt.db.transaction() as session:
        ips = set(session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "progress.code_requested")))
    assert ips == {"203.0.113.7", "198.51.100.4"}


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_limit(rt, settings) -> None:
    client = limited_app(settings, proxies=0).test_client()
    assert [ask(client, f"203.0.113.{n}").status_code for n in range(3)] == [302, 302, 429]
    with rt.db.transaction() as session:
        ips = set(session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "progress.code_requested")))
    assert ips == {"10.0.0.2"}


def test_a_sign_in_with_an_unknown_address_keeps_only_its_domain_on_the_audit_trail(rt) -> None:
    with rt.db.transaction() as session:
        for typed in ("Correct horse battery staple 7", "nobody@council.example"):
            assert not users.check_password(session, rt.queue, typed, "whatever", ip="127.0.0.1").ok
    with rt.db.transaction() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.failed")
                                 .order_by(AuditEvent.id)).all()
    assert [e.target for e in failed] == ["unknown", "unknown@council.example"]
    assert all("horse" not in str(e.detail) for e in failed)


def test_rate_limits_apply_to_an_app_even_after_another_was_built_without_them(rt, settings) -> None:
    """Flask-Limiter has one Limiter per process; an app must not inherit "disabled" from the one before."""
    from rights.web import create_app

    unlimited = dict(settings.extra)
    settings.extra = {**unlimited, "RATELIMIT_ENABLED": False}
    create_app(settings, start_worker=False)
    settings.extra = {**unlimited, "PORTAL_LIMIT_CODE_REQUEST": "2 per minute"}
    application = create_app(settings, start_worker=False)
    application.config["WTF_CSRF_ENABLED"] = False
    client = application.test_client()
    assert [ask(client, "203.0.113.7").status_code for _ in range(3)] == [302, 302, 429]
