"""Small helpers shared by the blueprints: the runtime, the client IP, audit of the current actor."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, request
from flask_login import current_user

from rights import audit, clock
from rights.runtime import Runtime


def rt() -> Runtime:
    runtime: Runtime = current_app.extensions["rights"]
    return runtime


def client_ip() -> str | None:
    return request.remote_addr


def actor() -> str:
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "citizen"


def audit_denied(reason: str, request_id: int | None = None) -> None:
    """Record a refused access in its own transaction (it must survive the 403/404 that follows)."""
    with rt().db.transaction() as session:
        audit.record(session, actor(), "access.denied", request_id=request_id, target=request.path,
                     detail={"reason": reason, "method": request.method}, ip=client_ip())


def today() -> date:
    """Today's London date, or ``app.config["RIGHTS_TODAY"]`` (a date or ISO string) when tests fix it.

    Every deadline shown on the dashboard counts from this one function, so a test can pin "today"
    without patching the clock.
    """
    fixed = current_app.config.get("RIGHTS_TODAY")
    if isinstance(fixed, str) and fixed:
        return date.fromisoformat(fixed)
    if isinstance(fixed, date):
        return fixed
    return datetime.now(clock.LONDON).date()
