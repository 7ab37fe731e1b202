"""Finding a case, and the documents on it, as the person acting may see them.

Every read of a case goes through :func:`find_case` (which applies :mod:`rights.permissions`), so a
record holder never reaches another service's case by guessing its reference.
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from rights import audit, workflow
from rights.errors import CaseAccessDenied, CaseNotFound, OtherCase
from rights.intake import normalise_reference
from rights.models import (
    Document,
    RightsRequest,
    names_service,
)
from rights.permissions import (
    Actor,
    can_open_document,
    can_see_request,
    has_service_cases,
)

# --------------------------------------------------------------------------------------------------
# Who may see what


_BY_REFERENCE = select(RightsRequest).where(RightsRequest.reference == bindparam("reference"))  # every case page
# The case page shows the subject, the requester and the assignee: read with the case, not one query each.
_BY_REFERENCE_WITH_PEOPLE = _BY_REFERENCE.options(joinedload(RightsRequest.subject),
                                                  joinedload(RightsRequest.requester),
                                                  joinedload(RightsRequest.assignee))


def find_case(session: Session, reference: str, actor: Actor, *, with_people: bool = False) -> RightsRequest:
    """The case by reference, if this member of staff may see it (raises CaseNotFound/CaseAccessDenied).

    ``with_people``: its subject, requester and assignee read in the same query (for pages that show them).
    """
    wanted = normalise_reference(reference)  # typed in any case, with or without dashes
    statement = _BY_REFERENCE_WITH_PEOPLE if with_people else _BY_REFERENCE
    request = session.scalars(statement, {"reference": wanted}).first()
    if request is None:
        raise CaseNotFound(reference)
    if not can_see_request(actor, request):
        raise CaseAccessDenied(reference)
    return request


def view_case(session: Session, reference: str, actor: Actor, *, ip: str | None = None) -> RightsRequest:
    """Open a case page: audited as "case.viewed" (who saw whose data is part of the trail)."""
    request = find_case(session, reference, actor, with_people=True)
    audit.record(session, actor.ref, "case.viewed", request_id=request.id, target=request.reference, ip=ip)
    return request


# --------------------------------------------------------------------------------------------------
# Documents, the disclosure log, the timeline and the case's audit trail


def open_document(session: Session, request: RightsRequest, actor: Actor, document_id: int, *,
                  ip: str | None = None) -> Document:
    """A document of this case this member of staff may open; the opening is audited."""
    document = session.get(Document, document_id)
    if document is None:
        raise CaseNotFound(str(document_id))
    if document.request_id != request.id:
        raise OtherCase(f"document:{document_id}")
    if not can_open_document(actor, document):
        raise CaseAccessDenied(str(document_id))
    audit.record(session, actor.ref, "document.viewed", request_id=request.id, target=f"document:{document.id}",
                 detail={"purpose": document.purpose, "sha256": document.sha256}, ip=ip)  # a file name names people
    return document

def services_cases(session: Session, actor: Actor, limit: int = 200) -> list[RightsRequest]:
    """A record holder's open cases: those about one of their services, due soonest first."""
    if not has_service_cases(actor):
        return []
    return list(session.scalars(
        select(RightsRequest).options(selectinload(RightsRequest.subject))
        .where(RightsRequest.status.not_in(workflow.CLOSED_STAGES),
               or_(*(names_service(s) for s in actor.services)))
        .order_by(RightsRequest.due_on, RightsRequest.id).limit(limit)
    ).all())

