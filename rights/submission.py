"""Turning a finished set of portal answers into a request: one transaction, one acknowledgement.

The portal's answers (see :mod:`rights.journey` for their shape) become the subject and requester
:class:`Person` rows and a :class:`RightsRequest` through :func:`rights.intake.receive`, the same path
officers use, so the reference, the clock and the 30-day duplicate flag are computed identically. The
uploads already stored encrypted are attached, and the acknowledgement email is written to the outbox in
the same transaction (sent by a job after commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from rights import audit, intake, journey, uploads
from rights.identifiers import normalise_nhs_number, normalise_postcode
from rights.jobs import JobQueue
from rights.models import AuthorityBasis, Channel, Person, RequesterRole, RequestKind, RightsRequest, utcnow
from rights.notify import send_letter
from rights.notify.post import Delivery
from rights.vocabulary import KIND_IN_LETTERS, KIND_IN_LETTERS_ABOUT


class IncompleteAnswers(ValueError):
    """The answers are missing a page; ``step`` names it."""

    def __init__(self, step: str) -> None:
        super().__init__(f"the answers are incomplete: {step}")
        self.step = step


@dataclass(frozen=True)
class Submitted:
    request_id: int
    reference: str
    kind: str
    received_on: date
    due_on: date
    provisional: bool
    email: str | None
    possible_duplicate_of: int | None
    by_post: bool = False  # the acknowledgement is on the "to post" list


def evidence_awaited(answers: journey.Answers) -> bool:
    """Whether officers may still need to ask for identity or authority evidence.

    The month restarts on the day such evidence arrives (Art 12A), so until it has been checked the due
    date shown is provisional: always for a parent or a representative (their authority is checked),
    and for anyone who sent no proof of identity. A complaint's acknowledgement date does not move.
    """
    if journey.kind(answers) == RequestKind.COMPLAINT.value:
        return False
    if journey.role(answers) in (RequesterRole.PARENT.value, RequesterRole.REPRESENTATIVE.value):
        return True
    return not (answers.get("proof-of-id") or {}).get("documents")


def address_record(raw: dict[str, Any], current: bool) -> dict[str, Any]:
    lines = [(raw.get(k) or "").strip() for k in ("line1", "line2", "town")]
    return {"lines": [x for x in lines if x], "postcode": normalise_postcode(raw.get("postcode")) or "",
            "current": current}


def _period(answers: journey.Answers) -> tuple[date | None, date | None]:
    period = answers.get("period") or {}
    if period.get("scope") != "dates":
        return None, None
    start = date(int(period["from_year"]), 1, 1) if period.get("from_year") else None
    end = date(int(period["to_year"]), 12, 31) if period.get("to_year") else None
    return start, end


def _contact(answers: journey.Answers) -> dict[str, Any]:
    return dict(answers.get("contact") or {})


def build_people(answers: journey.Answers) -> tuple[Person, Person]:
    """The subject and the requester (the same row when people ask for themselves)."""
    name, contact = answers["name"], _contact(answers)
    addresses = [address_record(answers["address"], True)]
    addresses += [address_record(a, False) for a in (answers.get("previous-addresses") or {}).get("addresses", [])]
    nhs = normalise_nhs_number((answers.get("nhs-number") or {}).get("nhs_number"))
    subject = Person(
        given_names=name["given_names"].strip(), family_name=name["family_name"].strip(),
        previous_names=list((answers.get("previous-names") or {}).get("names", [])),
        date_of_birth=date.fromisoformat(answers["date-of-birth"]["date"]),
        addresses=addresses, identifiers={"nhs_number": nhs} if nhs else {},
    )
    email = (contact.get("email") or "").strip() or None
    phone = (contact.get("phone") or "").strip() or None
    if journey.is_self(answers):
        subject.email, subject.phone = email, phone
        return subject, subject
    who = answers["requester"]
    postal = contact.get("postal") or {}
    requester = Person(
        given_names=who["given_names"].strip(), family_name=who["family_name"].strip(), email=email, phone=phone,
        organisation=(who.get("organisation") or "").strip() or None,
        addresses=[address_record(postal, True)] if postal.get("line1") else [],
    )
    return subject, requester


def request_columns(answers: journey.Answers) -> dict[str, Any]:
    """The RightsRequest columns other than those intake sets."""
    role = journey.role(answers)
    contact = _contact(answers)
    extra: dict[str, Any] = {
        "services": list(answers["services"]["services"]),
        "contact_method": ",".join(contact.get("methods", [])) or "email",
        "preferred_format": answers["format"]["format"],
        "adjustments": (answers["adjustments"].get("adjustments") or "").strip() or None,
        "authority_basis": AuthorityBasis.NONE_NEEDED.value,
    }
    extra["period_from"], extra["period_to"] = _period(answers)
    if role == RequesterRole.PARENT.value:
        child = answers["child"]
        extra.update(authority_basis=AuthorityBasis.PARENTAL_RESPONSIBILITY.value, child_age=int(child["age"]),
                     child_view=child["view"], relationship_note=answers["requester"].get("relationship"))
    elif role == RequesterRole.REPRESENTATIVE.value:
        who = answers["requester"]
        extra.update(authority_basis=answers["authority"]["basis"],
                     relationship_note=f"{who.get('rep_role', 'representative')}"
                                       + (f", {who['organisation']}" if who.get("organisation") else ""))
    return extra


def request_details(answers: journey.Answers) -> dict[str, Any]:
    """What they want (by type) and the answers with no column of their own."""
    details = {k: v for k, v in answers["details"].items() if k != "kind"}
    details["contact_methods"] = list(_contact(answers).get("methods", []))
    details["evidence_pending"] = evidence_awaited(answers)
    if journey.role(answers) == RequesterRole.REPRESENTATIVE.value:
        details["representative_role"] = answers["requester"].get("rep_role")
    return details


def document_ids(answers: journey.Answers) -> list[int]:
    ids: list[int] = []
    for step in ("authority", "proof-of-id"):
        if step in journey.path(answers):
            ids += [int(i) for i in (answers.get(step) or {}).get("documents", [])]
    return ids


def submit(session: Session, queue: JobQueue, answers: journey.Answers, *, ip: str | None = None,
           received_at: datetime | None = None) -> Submitted:
    """Receive the request, attach its uploads and queue the acknowledgement, all in ``session``'s transaction."""
    missing = journey.first_incomplete(answers)
    if missing is not None:
        raise IncompleteAnswers(missing)
    kind = RequestKind(journey.kind(answers))
    subject, requester = build_people(answers)
    request = intake.receive(
        session,
        intake.NewRequest(kind=kind, channel=Channel.WEB.value, received_at=received_at or utcnow(),
                          subject=subject, requester=requester, requester_role=str(journey.role(answers)),
                          details=request_details(answers), extra=request_columns(answers)),
        actor="citizen", ip=ip,
    )
    docs = uploads.attach(session, document_ids(answers), request)
    if docs:
        audit.record(session, "citizen", "documents.attached", request_id=request.id, target=request.reference,
                     detail={"documents": [d.id for d in docs], "purposes": sorted({d.purpose for d in docs})}, ip=ip)
    provisional = evidence_awaited(answers) or request.clock_provisional
    assert request.due_on is not None
    delivery = queue_acknowledgement(session, queue, request, provisional=provisional,
                                     has_id=any(d.purpose == "proof_of_id" for d in docs))
    return Submitted(request_id=request.id, reference=request.reference, kind=kind.value,
                     received_on=request.received_on, due_on=request.due_on, provisional=provisional,
                     email=requester.email if delivery.emailed else None,
                     possible_duplicate_of=request.possible_duplicate_of_id, by_post=delivery.posted)


def queue_acknowledgement(session: Session, queue: JobQueue, request: RightsRequest, *, provisional: bool,
                          has_id: bool) -> Delivery:
    """The acknowledgement, by email and/or post as the requester chose (one letter, one key)."""
    about_someone_else = request.requester_role in (RequesterRole.PARENT.value, RequesterRole.REPRESENTATIVE.value)
    return send_letter(
        session, queue, request, "acknowledgement", key=f"acknowledgement:{request.id}",
        context={
            "reference": request.reference, "kind": request.kind,
            "kind_name": (KIND_IN_LETTERS_ABOUT if about_someone_else else KIND_IN_LETTERS)[request.kind],
            "requester_name": request.requester.full_name, "subject_name": request.subject.full_name,
            "young": request.requester_role == RequesterRole.SELF_CHILD.value,
            "about_someone_else": about_someone_else,
            "received_on": request.received_on, "due_on": request.due_on, "provisional": provisional,
            "has_id": has_id, "role": request.requester_role,
        },
    )
