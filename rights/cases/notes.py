"""Internal notes on a case: never shown to the requester, shown on the case's timeline.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rights import audit
from rights.errors import CaseAccessDenied, CaseError
from rights.models import (
    Note,
    RightsRequest,
)
from rights.permissions import (
    Actor,
    can_see_request,
)


def add_note(session: Session, request: RightsRequest, actor: Actor, body: str, *, ip: str | None = None) -> Note:
    """An internal note (never shown to the requester); record holders may add them on their cases."""
    if not can_see_request(actor, request):
        raise CaseAccessDenied(request.reference)
    body = body.strip()
    if not body:
        raise CaseError("Enter the note.", field="body")
    note = Note(request_id=request.id, author_id=actor.id, body=body[:10000])
    session.add(note)
    session.flush()
    audit.record(session, actor.ref, "case.note_added", request_id=request.id, target=request.reference,
                 detail={"note_id": note.id}, ip=ip)
    return note


