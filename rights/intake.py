"""Receiving a request: references, the received date, the first clock computation, duplicates.

Used by the portal (web channel) and by officers logging letters, emails, phone calls and visits, so
both paths issue references and start the clock the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, clock, workflow
from rights.models import REFERENCE_PREFIX, Person, ReferenceCounter, RequestKind, RightsRequest
from rights.models.people_index import match_keys

DUPLICATE_WINDOW = timedelta(days=30)


def normalise_reference(value: str) -> str:
    """A reference as typed -> as issued: case, spaces and dashes do not matter.

    'sar 2026 00004', 'sar-2026-00004 ' and 'SAR202600004' all mean 'SAR-2026-00004' (the prefix, a
    four-digit year, then the counter). Anything else is returned in capitals with its parts joined by
    dashes, so it simply matches no request.
    """
    parts = re.findall(r"[A-Za-z]+|\d+", value or "")
    if len(parts) == 2 and parts[0].isalpha() and len(parts[1]) > 4:
        parts = [parts[0], parts[1][:4], parts[1][4:]]  # the dashes were left out: year, then counter
    return "-".join(p.upper() for p in parts)


def allocate_reference(session: Session, kind: RequestKind, year: int) -> str:
    """Next reference for this type and year, e.g. SAR-2026-00042; the counter row is locked."""
    prefix = REFERENCE_PREFIX[kind]
    counter = session.scalars(
        select(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .with_for_update()
    ).first()
    if counter is None:
        counter = ReferenceCounter(prefix=prefix, year=year, last=0)
        session.add(counter)
    counter.last += 1
    session.flush()
    return f"{prefix}-{year}-{counter.last:05d}"


@dataclass
class NewRequest:
    kind: RequestKind
    channel: str
    received_at: datetime
    subject: Person
    requester: Person
    requester_role: str
    details: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # other RightsRequest columns


def find_possible_duplicate(session: Session, subject: Person, received_on: date) -> RightsRequest | None:
    """An open request about the same person (name and date of birth) received in the last 30 days.

    Duplicates are flagged for officers, never blocked: a second request may be a genuine new one. Names
    are encrypted, so "the same" is equal keyed digests of the folded names and date of birth
    (:func:`rights.models.people_index.match_keys`: case, accents and punctuation do not matter).
    """
    keys = match_keys(subject.given_names, subject.family_name, subject.date_of_birth)
    if not keys:
        return None
    return session.scalars(
        select(RightsRequest)
        .join(Person, RightsRequest.subject_id == Person.id)
        .where(
            Person.match_key.in_(keys),
            RightsRequest.received_on >= received_on - DUPLICATE_WINDOW,
            RightsRequest.status.not_in(workflow.CLOSED_STAGES),
        )
        .order_by(RightsRequest.received_on.desc())
        .limit(1)
    ).first()


def receive(session: Session, new: NewRequest, actor: str, ip: str | None = None) -> RightsRequest:
    """Create the request, start its clock on the London date of receipt, and audit it."""
    received_on = clock.received_date(new.received_at)
    duplicate = find_possible_duplicate(session, new.subject, received_on)
    session.add_all([new.subject, new.requester])
    request = RightsRequest(
        reference=allocate_reference(session, new.kind, received_on.year),
        kind=new.kind.value,
        channel=new.channel,
        status="received",
        received_at=new.received_at,
        received_on=received_on,
        subject=new.subject,
        requester=new.requester,
        requester_role=new.requester_role,
        details=new.details,
        possible_duplicate_of_id=duplicate.id if duplicate else None,
        **new.extra,
    )
    session.add(request)
    session.flush()
    workflow.refresh_clock(request)
    audit.record(session, actor, "request.received", request_id=request.id, target=request.reference,
                 detail={"channel": new.channel, "kind": new.kind.value,
                         "possible_duplicate_of": duplicate.reference if duplicate else None}, ip=ip)
    return request
