"""The staff directory as the case services need it: who a case may be assigned to, and display names.

One home for these two reads: the case page, the case list's bulk assignment and the search pages all
offer the same people (the assignment rule itself is :func:`rights.permissions.can_be_assigned`).

Imports: :mod:`rights.models`, :mod:`rights.permissions`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from rights.models import User
from rights.permissions import CASEWORKERS


class StaffMember(NamedTuple):
    """A member of staff as a choice in a form: plain values, read once.

    A named tuple, not a dataclass: the case list reads every officer on each view and its select choices are
    remembered by the tuple of them (``lru_cache``), so making and hashing 100 of these is done in C.
    """

    id: int
    name: str
    role: str = ""


_USERS = User.__table__
# Built once: the case list and the case page read these on every view.
_ASSIGNABLE = (select(_USERS.c.id, _USERS.c.name, _USERS.c.role)
               .where(_USERS.c.active.is_(True), _USERS.c.role.in_(sorted(r.value for r in CASEWORKERS)))
               .order_by(_USERS.c.name))
_NAMES = select(_USERS.c.id, _USERS.c.name)


def assignable_staff(session: Session) -> list[StaffMember]:
    """Active officers and managers, by name: the people a case can be assigned to."""
    return list(map(StaffMember._make, session.execute(_ASSIGNABLE).all()))


_NAMES_KEY = "rights_staff_names"


def staff_names(session: Session) -> dict[str, str]:
    """Every member of staff's display name, keyed by the actor reference the logs store (``user:ID``).

    Read once per transaction (the case page's timeline, search panel and release panel each name staff: the
    whole table three times a view) and forgotten at the next flush or the transaction's end, so a name
    changed in the same transaction is read again.
    """
    names: dict[str, str] | None = session.info.get(_NAMES_KEY)
    if names is None:
        names = session.info[_NAMES_KEY] = {f"user:{uid}": name for uid, name in session.execute(_NAMES)}
    return dict(names)  # the caller's own copy


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_names(session: Session, *_args: Any) -> None:
    session.info.pop(_NAMES_KEY, None)


__all__ = ["StaffMember", "assignable_staff", "staff_names"]
