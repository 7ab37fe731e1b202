"""Logging a request that arrived outside the portal (letter, email, phone, in person).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from rights import audit, clock, intake, privacy_notice, workflow
from rights.cases.actions import letter_context, queue_letter
from rights.errors import CaseError
from rights.identifiers import normalise_postcode
from rights.jobs import JobQueue
from rights.models import (
    Person,
    RequestKind,
    RightsRequest,
    WorkflowEvent,
)
from rights.permissions import (
    Actor,
    is_caseworker,
)
from rights.workflow import Firing

LOGGED_CHANNELS = ("letter", "email", "phone", "in_person")


def address_record(lines: list[str], *, current: bool) -> dict[str, Any] | None:
    """An address as stored on a person (the portal's shape): lines, the postcode apart, current or not.

    The postcode is found as the last part when it is one, so an officer can type an address as written on
    an envelope. ``None`` when nothing was typed.
    """
    parts = [p.strip() for p in lines if p and p.strip()]
    if not parts:
        return None
    postcode = normalise_postcode(parts[-1]) if parts else None
    if postcode is not None:
        parts = parts[:-1]
    return {"lines": parts, "postcode": postcode or "", "current": current}


def previous_addresses(text: str | None) -> list[dict[str, Any]]:
    """Previous addresses typed one per line, parts separated by commas (postcode last)."""
    found = (address_record(line.split(","), current=False) for line in (text or "").splitlines())
    return [a for a in found if a is not None]


def other_names(text: str | None) -> list[str]:
    """Other names typed one per line (at most 20, as the portal keeps)."""
    return [n.strip() for n in (text or "").splitlines() if n.strip()][:20]
# --------------------------------------------------------------------------------------------------
# Logging a request received outside the portal


@dataclass
class LoggedRequest:
    """A request an officer received by letter, email, phone or in person, with its true date of receipt."""

    kind: RequestKind
    channel: str
    received_on: date
    subject: Person
    requester: Person
    requester_role: str
    authority_basis: str = "none_needed"
    relationship_note: str | None = None
    competence_note: str | None = None
    services: list[str] = field(default_factory=list)
    description: str | None = None


def log_request(session: Session, queue: JobQueue, new: LoggedRequest, actor: Actor, *, today: date,
                ip: str | None = None) -> RightsRequest:
    """Log a request; its clock starts on the real date of receipt (past allowed, future refused)."""
    if not is_caseworker(actor.role):
        raise CaseError("Only officers and managers log requests.", code="role")
    if new.channel not in LOGGED_CHANNELS:
        raise CaseError("Choose how the request was received.", field="channel")
    if new.received_on > today:
        raise CaseError("The date received cannot be in the future.", field="received_on")
    known = {s.key for s in privacy_notice.load().services}
    services = [s for s in new.services if s in known]
    # Noon London time on the day of receipt: the clock uses only the London date, which this keeps.
    received_at = datetime.combine(new.received_on, time(12, 0), tzinfo=clock.LONDON)
    request = intake.receive(session, intake.NewRequest(
        kind=new.kind, channel=new.channel, received_at=received_at, subject=new.subject,
        requester=new.requester, requester_role=new.requester_role,
        details={"description": new.description} if new.description else {},
        extra={"authority_basis": new.authority_basis, "relationship_note": new.relationship_note,
               "competence_note": new.competence_note, "services": services, "assignee_id": actor.id,
               "contact_method": "email" if new.requester.email else "post"},
    ), actor.ref, ip=ip)
    session.add(WorkflowEvent(request_id=request.id, event="logged", from_status=None, to_status=request.status,
                              actor=actor.ref, reason=f"Received by {new.channel.replace('_', ' ')}"))
    session.flush()
    audit.record(session, actor.ref, "case.logged", request_id=request.id, target=request.reference,
                 detail={"channel": new.channel, "received_on": new.received_on}, ip=ip)
    result = workflow.compute_clock(request, today)
    queue_letter(session, queue, request, "case_acknowledgement",
                 letter_context(request, result, Firing()), key=f"case_acknowledgement:{request.reference}")
    return request


