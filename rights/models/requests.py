"""A rights request and what hangs from it: the people, clock and workflow events, documents, notes and
the disclosure log; and the indexes the case list needs.

Everything a person told us, or an officer wrote about them, is encrypted at rest (``Encrypted*``
columns): names, dates of birth, addresses, contact details, identifiers, the request's details, reasons,
notes and file names. What stays readable is what the product must query or sort in SQL and that names
nobody: references, stages, dates of the case, flags and ids. A person's names are found through keyed
digests (:mod:`rights.models.people_index`), never through the names themselves.

Imports the workflow table for the closed stages (the open-cases index), never the other way round.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    cast,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rights.models.base import Base, EncryptedDate, EncryptedJSON, EncryptedText, escape_like, utcnow
from rights.vocabulary import AuthorityBasis, RequestKind
from rights.workflow import CLOSED_STAGES

if TYPE_CHECKING:
    from rights.models.staff import User

REFERENCE_PREFIX: dict[RequestKind, str] = {
    RequestKind.ACCESS: "SAR",
    RequestKind.RECTIFICATION: "RECT",
    RequestKind.ERASURE: "ERAS",
    RequestKind.RESTRICTION: "REST",
    RequestKind.OBJECTION: "OBJ",
    RequestKind.COMPLAINT: "DPC",
}

class Person(Base):
    """A data subject or a requester, as they described themselves on one request."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_names: Mapped[str] = mapped_column(EncryptedText)
    family_name: Mapped[str] = mapped_column(EncryptedText)
    previous_names: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    date_of_birth: Mapped[date | None] = mapped_column(EncryptedDate)
    # [{"lines": [...], "postcode": "", "current": bool}]
    addresses: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    identifiers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)  # {"nhs_number": ..., "upn": ...}
    organisation: Mapped[str | None] = mapped_column(EncryptedText)
    #: Keyed digest of the folded names and date of birth (rights.models.people_index): finds a possible
    #: duplicate request without reading anyone's name. Set on every flush; None without a date of birth.
    match_key: Mapped[str | None] = mapped_column(String(64), index=True)

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


class RightsRequest(Base):
    """One rights request or complaint, from receipt to closure."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_status_due", "status", "due_on"),
        Index("ix_requests_assignee_due", "assignee_id", "due_on"),
        Index("ix_requests_kind_due", "kind", "due_on"),
        # A purged case's id stays in the audit trail: SQLite must never hand it to a new request.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    received_at: Mapped[datetime]
    received_on: Mapped[date] = mapped_column(Date)
    subject_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requester_role: Mapped[str] = mapped_column(String(20))
    authority_basis: Mapped[str] = mapped_column(String(30), default=AuthorityBasis.NONE_NEEDED.value)
    relationship_note: Mapped[str | None] = mapped_column(EncryptedText)
    child_age: Mapped[int | None] = mapped_column(Integer)
    child_view: Mapped[str | None] = mapped_column(String(40))
    competence_note: Mapped[str | None] = mapped_column(EncryptedText)
    id_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    authority_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)  # what they want, by request type
    services: Mapped[list[Any]] = mapped_column(default=list)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    contact_method: Mapped[str] = mapped_column(String(20), default="email")
    preferred_format: Mapped[str | None] = mapped_column(String(40))
    adjustments: Mapped[str | None] = mapped_column(EncryptedText)
    # Clock cache, recomputed from clock events by rights.workflow on every event.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    original_due_on: Mapped[date | None] = mapped_column(Date)
    extension_notice_by: Mapped[date | None] = mapped_column(Date)
    clock_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_reason: Mapped[str | None] = mapped_column(EncryptedText)
    responded_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    #: A legal hold (litigation, an ICO investigation, a complaint still open elsewhere): while set, the
    #: retention purge never touches the case (rights.retention). The reason may name a claim, so it is
    #: encrypted; ``legal_hold_since`` is what the purge reads.
    legal_hold_since: Mapped[datetime | None]
    legal_hold_reason: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    subject: Mapped[Person] = relationship(foreign_keys=[subject_id])
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    clock_events: Mapped[list[ClockEvent]] = relationship(
        back_populates="request", order_by="ClockEvent.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="request", order_by="Document.id")


class ReferenceCounter(Base):
    """Per prefix and year sequence behind references like SAR-2026-00042 (row-locked on increment)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)

class ClockEvent(Base):
    """A dated fact that moves the statutory clock; the due date is replayed from these."""

    __tablename__ = "clock_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[RightsRequest] = relationship(back_populates="clock_events")


class Document(Base):
    """An uploaded file (proof of ID, authority, correspondence). The bytes live encrypted on disk."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))  # proof_of_id | authority | correspondence | record
    filename: Mapped[str] = mapped_column(EncryptedText)  # "amelia-hart-passport.jpg"
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[RightsRequest | None] = relationship(back_populates="documents")

class Note(Base):
    """An internal officers' note on a case; never shown to the requester."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkflowEvent(Base):
    """A state transition or action on a request, for the case timeline."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(EncryptedText)  # officers' reasons, requesters' answers
    at: Mapped[datetime] = mapped_column(default=utcnow)

class Disclosure(Base):
    """The disclosure log of one request's subject: which recipient received their data, and when.

    Art 19 UK GDPR: after a rectification, erasure or restriction the council tells every recipient
    the data was disclosed to, unless impossible or disproportionate (``not_notified_reason``).
    Recipients come from the privacy notice's list (``rights.privacy_notice.load().recipients``).
    """

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(300))
    disclosed_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_on: Mapped[date | None] = mapped_column(Date)
    notified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    not_notified_reason: Mapped[str | None] = mapped_column(Text)

# ---- case list (dashboard lists and reports) ----
# Indexes the officers' case list needs at 100,000 cases (rights.caselist; measured by bench/dashboard.py).
# Declared beside the models so models and migrations agree; migration 0031 creates them. On PostgreSQL
# the reference index is a pg_trgm GIN index, which answers case-insensitive substring searches
# (ILIKE '%00042%'); SQLite (the demo) gets a plain index of the same name. Names are encrypted and found
# through rights.models.people_index (migration 0067 dropped their trigram indexes).
Index("ix_requests_subject_id", RightsRequest.subject_id)  # name search joins people -> requests
Index("ix_requests_requester_id", RightsRequest.requester_id)  # ... and finds a requester's cases (0061)
Index("ix_requests_reference_trgm", RightsRequest.reference,
      postgresql_using="gin", postgresql_ops={"reference": "gin_trgm_ops"})
#: The partial index below holds only open cases, in due-date order: the list's default view and its
#: counts read it instead of the whole table, however many closed cases accumulate. The closed stages
#: come from the workflow table (migration 0031 wrote the same four stages).
Index("ix_requests_open_due", RightsRequest.due_on, RightsRequest.id,
      postgresql_where=RightsRequest.status.not_in(CLOSED_STAGES),
      sqlite_where=RightsRequest.status.not_in(CLOSED_STAGES))


def names_service(service: str) -> ColumnElement[bool]:
    """Cases whose ``services`` JSON list contains ``service``: the one definition of "this case names this
    service", used by the case list's filter and by a record holder's list of their services' cases.

    ``services`` is a flat JSON list of identifier strings (``["early_help", "send"]``), so "contains
    ``send``" is exactly "its JSON text contains the token ``"send"``" (quotes included: ``"send"`` never
    matches ``"send_support"``). A ``LIKE`` on the text costs a fraction of a microsecond per row on
    PostgreSQL and SQLite alike, where ``CAST(services AS JSONB) @> '["send"]'`` parses every row's JSON
    (about 7 microseconds each: 25 ms to count 3,500 open cases). The key is JSON-encoded the way the
    column stores it (``json.dumps``) and its LIKE wildcards are escaped.
    """
    token = json.dumps(service)
    return cast(RightsRequest.services, Text).like(f"%{escape_like(token)}%", escape="\\")
