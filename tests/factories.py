"""Readable test data: ``make_request(session, received=...)`` and friends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from rights import intake
from rights.models import Person, RequestKind, RightsRequest


def make_person(**kw: Any) -> Person:
    defaults: dict[str, Any] = {
        "given_names": "Amelia", "family_name": "Hart", "date_of_birth": date(2012, 5, 17),
        "email": "amelia.parent@example.org",
    }
    defaults.update(kw)
    return Person(**defaults)


def make_request(
    session: Session,
    *,
    kind: RequestKind = RequestKind.ACCESS,
    received_at: datetime | None = None,
    channel: str = "web",
    requester_role: str = "self_adult",
    subject: Person | None = None,
    requester: Person | None = None,
    **extra: Any,
) -> RightsRequest:
    subject = subject or make_person()
    return intake.receive(
        session,
        intake.NewRequest(
            kind=kind,
            channel=channel,
            received_at=received_at or datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            subject=subject,
            requester=requester or (subject if requester_role.startswith("self") else make_person(given_names="Sam")),
            requester_role=requester_role,
            extra=extra,
        ),
        actor="system",
    )
