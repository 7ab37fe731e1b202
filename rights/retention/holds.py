"""Legal holds: a case that must be kept whatever its retention period says (litigation, an ICO
investigation, a complaint still open elsewhere). While a hold is on, the purge touches nothing of the
case, not even its proof of identity; lifting it lets the ordinary periods apply again from closure.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rights import audit
from rights.errors import CaseError
from rights.models import RightsRequest, utcnow

MAX_REASON = 500


def place_hold(session: Session, request: RightsRequest, actor: str, reason: str) -> None:
    """Put the case on hold (the reason is required and kept encrypted; the audit entry says only that)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CaseError("Say why the case is held (for example the claim or investigation).", field="reason")
    if len(reason) > MAX_REASON:
        raise CaseError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    if request.legal_hold_since is not None:
        raise CaseError(f"{request.reference} is already on hold.")
    request.legal_hold_since, request.legal_hold_reason = utcnow(), reason
    audit.record(session, actor, "case.hold_placed", request_id=request.id, target=request.reference)


def lift_hold(session: Session, request: RightsRequest, actor: str) -> None:
    if request.legal_hold_since is None:
        raise CaseError(f"{request.reference} is not on hold.")
    request.legal_hold_since, request.legal_hold_reason = None, None
    audit.record(session, actor, "case.hold_lifted", request_id=request.id, target=request.reference)


__all__ = ["lift_hold", "place_hold"]
