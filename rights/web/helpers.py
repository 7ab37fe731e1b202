"""Small helpers shared by the blueprints: the runtime, the client IP, audit of the current actor."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from rights import audit
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
