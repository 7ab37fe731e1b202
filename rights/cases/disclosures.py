"""The disclosure log (Art 19 UK GDPR): who a rectified, erased or restricted record went to, and whether
each recipient has been told.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, privacy_notice, workflow
from rights.cases.actions import ART19_KINDS
from rights.errors import CaseError, CaseNotFound
from rights.models import (
    Disclosure,
    RightsRequest,
)
from rights.permissions import (
    Actor,
    is_caseworker,
)


def record_disclosure(session: Session, request: RightsRequest, actor: Actor, *, recipient: str,
                      disclosed_on: date | None, description: str | None, today: date,
                      ip: str | None = None) -> Disclosure:
    """Log that the subject's data went to a recipient named in the privacy notice (for Art 19)."""
    if not is_caseworker(actor.role):
        raise CaseError("Only officers and managers keep the disclosure log.", code="role")
    if request.kind not in ART19_KINDS:
        raise CaseError("The disclosure log is for rectification, erasure and restriction requests.", code="state")
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed.", code="state")
    if recipient not in privacy_notice.load().recipients:
        raise CaseError("Choose a recipient from the privacy notice's list.", field="recipient")
    if disclosed_on is not None and disclosed_on > today:
        raise CaseError("The date cannot be in the future.", field="disclosed_on")
    row = Disclosure(request_id=request.id, recipient=recipient, disclosed_on=disclosed_on,
                     description=(description or "").strip() or None, recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor.ref, "case.disclosure_logged", request_id=request.id, target=request.reference,
                 detail={"disclosure_id": row.id, "recipient": recipient}, ip=ip)
    return row


def record_recipient_told(session: Session, request: RightsRequest, actor: Actor, disclosure_id: int, *,
                          on: date | None, not_told_reason: str | None, today: date,
                          ip: str | None = None) -> Disclosure:
    """Art 19: a recipient was told of the rectification/erasure/restriction, or why that was impossible."""
    if not is_caseworker(actor.role):
        raise CaseError("Only officers and managers keep the disclosure log.", code="role")
    row = session.get(Disclosure, disclosure_id)
    if row is None or row.request_id != request.id:
        raise CaseNotFound(str(disclosure_id))
    reason = (not_told_reason or "").strip() or None
    if on is None and reason is None:
        raise CaseError("Enter the date they were told, or why telling them is impossible or disproportionate.",
                        field="on")
    if on is not None and (on > today or on < request.received_on):
        raise CaseError("The date must be between receipt of the request and today.", field="on")
    row.notified_on, row.not_notified_reason, row.notified_by_id = on, reason, actor.id
    audit.record(session, actor.ref, "case.recipient_told", request_id=request.id, target=request.reference,
                 detail={"disclosure_id": row.id, "on": on,
                         "not_told_reason_fingerprint": audit.fingerprint(reason)}, ip=ip)
    return row


def disclosures(session: Session, request: RightsRequest) -> list[Disclosure]:
    return list(session.scalars(select(Disclosure).where(Disclosure.request_id == request.id)
                                .order_by(Disclosure.id)).all())

