"""Access rules: every view declares who may use it, and a test walks every route to check.

``@public`` marks a citizen-facing view; ``@staff(Role...)`` requires a signed-in, MFA-verified member of
staff with one of the roles (administrators are not implicitly allowed case data). Record holders are
further limited to their own services' cases and search tasks inside the views, through
:func:`rights.cases.can_see_request` and :func:`rights.permissions.can_see_task`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, session, url_for
from flask_login import current_user

from rights.models import Role

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTR = "access_rule"


def public(view: F) -> F:
    """Anyone may use this view (portal pages, sign-in, health checks)."""
    setattr(view, ACCESS_ATTR, ("public",))
    return view


def staff(*roles: Role) -> Callable[[F], F]:
    """Signed in, second factor passed, and holding one of ``roles``; else sign-in or 403."""
    if not roles:
        raise ValueError("staff() needs at least one role")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not session.get("mfa_ok"):
                return redirect(url_for("auth.sign_in", next=request.full_path))
            if current_user.role not in {r.value for r in roles}:
                from rights.web.helpers import audit_denied

                audit_denied(f"role {current_user.role} not in {sorted(r.value for r in roles)}")
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, tuple(sorted(r.value for r in roles)))
        return wrapper  # type: ignore[return-value]

    return decorate


def rule_of(view: Callable[..., Any]) -> tuple[str, ...] | None:
    return getattr(view, ACCESS_ATTR, None)
