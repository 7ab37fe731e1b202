"""Demo data: staff accounts and a few requests, so a newcomer sees a working product at once.

Seeding is idempotent: running ``rights demo`` again adds nothing twice.
"""

from __future__ import annotations

from sqlalchemy import func, select

from rights.models import RightsRequest
from rights.runtime import Runtime


def seed(rt: Runtime) -> str:
    from rights.users import seed_demo_staff

    staff_lines = seed_demo_staff(rt)
    with rt.db.transaction() as session:
        count = session.scalar(select(func.count()).select_from(RightsRequest)) or 0
    return "\n".join([f"demo database ready: {count} request(s)", *staff_lines])
