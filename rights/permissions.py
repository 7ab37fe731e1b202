"""Who may see or do what: the role groups and every access rule the views, workflow, search and lists use.

Why one module: "an officer or a manager" was once spelled out in many places under several names, and
an access rule that drifts in one copy is how another child's record reaches the wrong person. Each rule
here is a pure function of the person acting and the object, so it is table-tested and shared by the
web layer (which refuses the page), the services (which refuse the action) and the lists (which filter).

Imports: :mod:`rights.vocabulary` only (the models appear in type hints, never at run time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rights.vocabulary import Role

if TYPE_CHECKING:
    from rights.models import Document, RightsRequest, SearchTask, User

#: Officers and managers: every case, every action an officer may take (a manager can do officer work).
CASEWORKERS: frozenset[Role] = frozenset({Role.OFFICER, Role.MANAGER})
#: Managers alone: approvals, extensions, refusals, the case's audit trail.
MANAGERS: frozenset[Role] = frozenset({Role.MANAGER})
#: Everyone who may open a case page at all: caseworkers, and record holders for their services' cases.
CASE_VIEWERS: frozenset[Role] = CASEWORKERS | {Role.RECORD_HOLDER}
#: Who may record the outcome of a rectification, erasure, restriction or objection assessment.
ASSESSORS: frozenset[Role] = CASE_VIEWERS
#: Who may see the record of every change made to a case (its audit trail).
AUDIT_READERS: frozenset[Role] = frozenset({Role.MANAGER, Role.ADMIN})
#: The documents on a case a record holder may open (never proof of identity or authority).
RECORD_HOLDER_DOCUMENTS = frozenset({"record", "correspondence"})


class Acting(Protocol):
    """Anything that says who is acting: a role and, for a record holder, their services."""

    @property
    def role(self) -> str: ...

    @property
    def services(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Actor:
    """The member of staff acting; built by the web layer from the signed-in user."""

    id: int
    role: str
    services: tuple[str, ...] = ()
    name: str = ""
    reference: str = ""  # who the logs name when no signed-in user acts (the command line: "cli:<login>")

    @property
    def ref(self) -> str:
        return self.reference or f"user:{self.id}"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, role=user.role, services=tuple(user.services or ()), name=user.name)


def is_caseworker(role: str) -> bool:
    """An officer or a manager: sees every case and may do case work."""
    return role in CASEWORKERS


def is_record_holder(role: str) -> bool:
    return role == Role.RECORD_HOLDER


def is_manager(role: str) -> bool:
    return role in MANAGERS


def can_see_request(actor: Acting, request: RightsRequest) -> bool:
    """Officers and managers see every case; record holders only their services'; administrators none."""
    if is_caseworker(actor.role):
        return True
    if is_record_holder(actor.role):
        return bool(set(request.services or ()) & set(actor.services))
    return False


def can_open_document(actor: Acting, document: Document) -> bool:
    if is_caseworker(actor.role):
        return True
    return is_record_holder(actor.role) and document.purpose in RECORD_HOLDER_DOCUMENTS


def can_see_task(actor: Acting, task: SearchTask) -> bool:
    """Officers and managers every search task; a record holder only their services' tasks."""
    return holds_records_for(actor.role, actor.services, task.service)


def holds_records_for(role: str, services: tuple[str, ...] | list[str] | None, service: str) -> bool:
    """May this person answer for ``service``'s records (confirm a search, add a record)?"""
    if is_caseworker(role):
        return True
    return is_record_holder(role) and service in (services or ())


def has_service_cases(actor: Acting) -> bool:
    """A record holder with at least one service: the only people with a "your services' cases" list."""
    return is_record_holder(actor.role) and bool(actor.services)


def can_be_assigned(user: User | None) -> bool:
    """Cases are assigned only to active officers and managers."""
    return user is not None and bool(user.active) and is_caseworker(user.role)


def can_see_audit(role: str) -> bool:
    return is_manager(role)


def approval_refusal(approver: str, requested_by: str, account: str) -> str | None:
    """Why ``approver`` may not approve a change to ``account`` that ``requested_by`` asked for, or None.

    All three are actor references (``user:12``). Every account's password and authenticator resets
    need a second administrator (``rights.users.changes`` says why): the one who asked never approves,
    and nobody approves a change to their own account.
    """
    if approver == requested_by:
        return "A different administrator must approve a change you asked for."
    if approver == account:
        return "Another administrator must approve a change to your own account."
    return None


__all__ = [
    "ASSESSORS",
    "AUDIT_READERS",
    "CASEWORKERS",
    "CASE_VIEWERS",
    "MANAGERS",
    "RECORD_HOLDER_DOCUMENTS",
    "Acting",
    "Actor",
    "approval_refusal",
    "can_be_assigned",
    "can_open_document",
    "can_see_audit",
    "can_see_request",
    "can_see_task",
    "has_service_cases",
    "holds_records_for",
    "is_caseworker",
    "is_manager",
    "is_record_holder",
]
