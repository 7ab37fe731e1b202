"""Correcting the subject's details (a mistyped date of birth, name, address or NHS number).

Why audited without the values: the audit trail is read more widely than the case and is kept longer;
it records *which* fields an officer changed, when and why, not the personal data before and after.
A correction changes what the matcher compares, so the case asks for the systems to be searched again
(``details["search_again"]``, cleared when a search starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rights import audit, workflow
from rights.errors import CaseAccessDenied, CaseError
from rights.identifiers import normalise_nhs_number, normalise_postcode
from rights.models import RightsRequest, WorkflowEvent
from rights.permissions import Actor, can_see_request, is_caseworker

FIELD_WORDS = {"given_names": "first names", "family_name": "last name", "date_of_birth": "date of birth",
               "nhs_number": "NHS number", "address": "current address"}


@dataclass(frozen=True)
class SubjectCorrection:
    given_names: str
    family_name: str
    date_of_birth: date | None
    nhs_number: str | None
    address_lines: tuple[str, ...]
    postcode: str | None
    reason: str


def correct_subject(session: Session, request: RightsRequest, actor: Actor, fix: SubjectCorrection, *,
                    ip: str | None = None) -> list[str]:
    """Apply the officer's correction; return the names of the fields that changed (in words)."""
    if not can_see_request(actor, request) or not is_caseworker(actor.role):
        raise CaseAccessDenied(request.reference)
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed: its details can no longer be corrected.", code="state")
    if not fix.reason.strip():
        raise CaseError("Say what was wrong and where the right details come from.", field="reason")
    if not fix.given_names.strip() or not fix.family_name.strip():
        raise CaseError("Enter the subject's first and last names.", field="given_names")
    nhs = None
    if (fix.nhs_number or "").strip():
        nhs = normalise_nhs_number(fix.nhs_number)
        if nhs is None:
            raise CaseError("Enter a valid 10-digit NHS number, like 943 476 5919.", field="nhs_number")
    s = request.subject
    current = next((a for a in s.addresses or [] if isinstance(a, dict) and a.get("current")), None)
    postcode = normalise_postcode(fix.postcode) or (fix.postcode or "").strip().upper()
    new_address = {"lines": [ln.strip() for ln in fix.address_lines if ln.strip()], "postcode": postcode,
                   "current": True}
    changed: list[str] = []
    updates: dict[str, Any] = {"given_names": fix.given_names.strip(), "family_name": fix.family_name.strip(),
                               "date_of_birth": fix.date_of_birth}
    for name, value in updates.items():
        if getattr(s, name) != value:
            setattr(s, name, value)
            changed.append(name)
    if (s.identifiers or {}).get("nhs_number") != nhs:
        ids = {k: v for k, v in (s.identifiers or {}).items() if k != "nhs_number"}
        s.identifiers = {**ids, "nhs_number": nhs} if nhs else ids
        changed.append("nhs_number")
    old_address = {k: (current or {}).get(k) for k in ("lines", "postcode")}
    if (new_address["lines"] or current) and old_address != {k: new_address[k] for k in ("lines", "postcode")}:
        previous = [a if a is not current else {**a, "current": False} for a in s.addresses or []]
        s.addresses = [new_address, *previous] if new_address["lines"] else previous
        changed.append("address")
    if not changed:
        raise CaseError("Nothing was changed.", field="given_names")
    request.details = {**(request.details or {}), "search_again": True}
    words = ", ".join(FIELD_WORDS[c] for c in changed)
    session.add(WorkflowEvent(request_id=request.id, event="correct_subject", from_status=request.status,
                              to_status=request.status, actor=actor.ref,
                              reason=f"Corrected: {words}. {fix.reason.strip()}"))
    audit.record(session, actor.ref, "case.subject_corrected", request_id=request.id, target=request.reference,
                 detail={"fields": changed, "reason_fingerprint": audit.fingerprint(fix.reason)}, ip=ip)
    return [FIELD_WORDS[c] for c in changed]
