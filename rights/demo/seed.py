"""Seeding the demo database: staff accounts and a few requests, so a newcomer sees a working product at once.

Seeding is idempotent: running ``rights demo`` again adds nothing twice.
"""

from __future__ import annotations

from sqlalchemy import func, select

from rights import audit
from rights.demo.requests import seed_demo_requests
from rights.demo.staff import seed_demo_staff
from rights.models import RightsRequest, Role, User
from rights.runtime import Runtime


def seed(rt: Runtime) -> str:

    staff_lines = seed_demo_staff(rt)
    seed_demo_requests(rt)
    _assign_demo_cases(rt)
    with rt.db.transaction() as session:
        count = session.scalar(select(func.count()).select_from(RightsRequest)) or 0
        rows = session.execute(select(RightsRequest.reference, RightsRequest.kind, RightsRequest.status)
                               .order_by(RightsRequest.reference)).all()
    # The references, so a newcomer can try `rights process REF` or open a case without hunting for one.
    request_lines = [f"  {reference}  {kind}, {status.replace('_', ' ')}" for reference, kind, status in rows]
    return "\n".join([f"demo database ready: {count} request(s)", *request_lines, *staff_lines])


def _assign_demo_cases(rt: Runtime) -> None:
    """Give the demo officer the unassigned demo cases, so "My cases" shows work on first sign-in."""
    with rt.db.transaction() as session:
        officer = session.scalars(select(User).where(User.role == Role.OFFICER.value).order_by(User.id)).first()
        if officer is None:
            return
        for request in session.scalars(select(RightsRequest).where(RightsRequest.assignee_id.is_(None))):
            request.assignee_id = officer.id
            audit.record(session, "system", "case.assigned", request_id=request.id, target=request.reference,
                         detail={"assignee": officer.email, "why": "demo seeding"})
