"""The data model: SQLAlchemy 2 typed models, migrated by Alembic (``rights/migrations``).

Names come from the domain. The database is the source of truth: a request's due date is a cache
recomputed from its clock events, and every background job is mirrored by a :class:`JobRun` row so a
lost Redis loses no work.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rights.clock import RequestKind  # one definition of the request types, shared with the clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest with the process's Fernet keys (stored as the token's ASCII text).

    For personal data kept in the database itself, such as the letters in the outbox: a copy of the
    table, or a backup, shows only ciphertext. Reads decrypt transparently.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        from rights.security import field_cipher

        return None if value is None else field_cipher().encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        from rights.security import field_cipher

        return None if value is None else field_cipher().decrypt(value.encode("ascii")).decode()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


REFERENCE_PREFIX: dict[RequestKind, str] = {
    RequestKind.ACCESS: "SAR",
    RequestKind.RECTIFICATION: "RECT",
    RequestKind.ERASURE: "ERAS",
    RequestKind.RESTRICTION: "REST",
    RequestKind.OBJECTION: "OBJ",
    RequestKind.COMPLAINT: "DPC",
}


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    IN_PERSON = "in_person"


class RequesterRole(enum.StrEnum):
    """Who is asking, relative to the data subject (legal-rules.md §2)."""

    SELF_ADULT = "self_adult"
    SELF_CHILD = "self_child"
    PARENT = "parent"
    REPRESENTATIVE = "representative"


class AuthorityBasis(enum.StrEnum):
    NONE_NEEDED = "none_needed"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    CHILD_CONSENT = "child_consent"
    SIGNED_CONSENT = "signed_consent"
    POWER_OF_ATTORNEY = "power_of_attorney"
    DEPUTYSHIP = "deputyship"
    COURT_ORDER = "court_order"


class Role(enum.StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"
    RECORD_HOLDER = "record_holder"
    ADMIN = "admin"


class User(Base):
    """A member of staff. Passwords are argon2 hashes; the TOTP secret is encrypted at rest."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    services: Mapped[list[Any]] = mapped_column(default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    mfa_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    last_totp_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Flask-Login's user protocol, written out here so the domain model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Person(Base):
    """A data subject or a requester, as they described themselves on one request."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_names: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    previous_names: Mapped[list[Any]] = mapped_column(default=list)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    addresses: Mapped[list[Any]] = mapped_column(default=list)  # [{"lines": [...], "postcode": "", "current": bool}]
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    identifiers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"nhs_number": "...", "upn": "..."}
    organisation: Mapped[str | None] = mapped_column(String(200))

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
    relationship_note: Mapped[str | None] = mapped_column(Text)
    child_age: Mapped[int | None] = mapped_column(Integer)
    child_view: Mapped[str | None] = mapped_column(String(40))
    competence_note: Mapped[str | None] = mapped_column(Text)
    id_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    authority_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what they want, by request type
    services: Mapped[list[Any]] = mapped_column(default=list)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    contact_method: Mapped[str] = mapped_column(String(20), default="email")
    preferred_format: Mapped[str | None] = mapped_column(String(40))
    adjustments: Mapped[str | None] = mapped_column(Text)
    # Clock cache, recomputed from clock events by rights.workflow on every event.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    original_due_on: Mapped[date | None] = mapped_column(Date)
    extension_notice_by: Mapped[date | None] = mapped_column(Date)
    clock_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
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


class ClockEventKind(enum.StrEnum):
    ID_REQUESTED = "id_requested"
    ID_RECEIVED = "id_received"
    AUTHORITY_REQUESTED = "authority_requested"
    AUTHORITY_RECEIVED = "authority_received"
    FEE_REQUESTED = "fee_requested"
    FEE_RECEIVED = "fee_received"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"


class ClockEvent(Base):
    """A dated fact that moves the statutory clock; the due date is replayed from these."""

    __tablename__ = "clock_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[RightsRequest] = relationship(back_populates="clock_events")


class Document(Base):
    """An uploaded file (proof of ID, authority, correspondence). The bytes live encrypted on disk."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))  # proof_of_id | authority | correspondence | record
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[RightsRequest | None] = relationship(back_populates="documents")


class AuditEvent(Base):
    """Append-only, hash-chained record of who saw and did what (see rights.audit)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # "user:12", "citizen", "system", "worker"
    action: Mapped[str] = mapped_column(String(60), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """Single-row lock point that serialises audit appends so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer, default=0)


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # committed, not yet handed to the queue (or the queue lost it)
    QUEUED = "queued"
    STARTED = "started"
    FINISHED = "finished"
    FAILED = "failed"


class JobRun(Base):
    """The database mirror of one background job: officers see it without asking Redis."""

    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(default=list)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An email written in the same transaction as the change it reports, sent by a job after commit.

    ``key`` makes sending idempotent: the same message for the same event is never written twice.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    to: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(EncryptedText)  # letters carry names, reasons and codes
    body_html: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Scheduled work: the case reference (Notify's ``reference``), Notify's personalisation fields, when
    # the last send began (a row left ``sending`` by a dead worker is recovered by the sweeper) and how
    # many times an administrator resent it (at most once; see rights.notify.outbox).
    reference: Mapped[str | None] = mapped_column(String(40))
    personalisation: Mapped[str | None] = mapped_column(EncryptedText)
    sending_at: Mapped[datetime | None]
    resends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Note(Base):
    """An internal officers' note on a case; never shown to the requester."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
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
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "REFERENCE_PREFIX",
    "AuditEvent",
    "AuditHead",
    "AuthorityBasis",
    "Base",
    "Channel",
    "ClockEvent",
    "ClockEventKind",
    "Document",
    "JobRun",
    "JobStatus",
    "Note",
    "OutboxMessage",
    "Person",
    "ReferenceCounter",
    "RequestKind",
    "RequesterRole",
    "RightsRequest",
    "Role",
    "User",
    "WorkflowEvent",
]


# ---- dashboard (staff sessions, issued passwords, disclosure log) ----
class StaffSession(Base):
    """One signed-in staff session, tracked on the server.

    The cookie carries only a random token; this row (keyed by the token's SHA-256) is what makes the
    session valid. Sign-out, idle expiry, deactivation and an administrator's password or MFA reset end
    the row, so a copied cookie stops working at once rather than when it would have expired.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(30))
    ip: Mapped[str | None] = mapped_column(String(45))


class IssuedPassword(Base):
    """A password an administrator (or ``rights users``) issued: it must be changed at first sign-in.

    Kept apart from :class:`User` so the account row says nothing about how the password was set; the
    row is deleted when the member of staff chooses their own password, and refused after ``expires_at``.
    """

    __tablename__ = "issued_passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


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
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_on: Mapped[date | None] = mapped_column(Date)
    notified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    not_notified_reason: Mapped[str | None] = mapped_column(Text)


__all__ += ["Disclosure", "IssuedPassword", "StaffSession"]


# ---- search (issue 5: searches of source systems, candidates, gathered records) ----
class SearchStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"  # searched; a candidate match waits for an officer


class SearchTask(Base):
    """The search of one source system for one request: terms, who ran it, progress, and the outcome.

    One row per source per request (re-running reuses it); together the rows are the evidence of a
    reasonable and proportionate search. The record holder's confirmation lives here too.
    """

    __tablename__ = "search_tasks"
    __table_args__ = (Index("uq_search_tasks_request_source", "request_id", "source", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(60))
    source_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SearchStatus.QUEUED.value, index=True)
    terms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run_by: Mapped[str] = mapped_column(String(200))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result_note: Mapped[str | None] = mapped_column(Text)  # e.g. why the source could not be searched
    candidate_count: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    none_held: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidates: Mapped[list[SearchCandidate]] = relationship(back_populates="task", order_by="SearchCandidate.id")


class SearchCandidate(Base):
    """A person a source holds who might be the subject, with the matcher's score and explanation.

    ``outcome`` is the matcher's (accept, review, reject); ``decision`` is an officer's (accepted,
    rejected) and overrides it. Records are gathered only for accepted candidates.
    """

    __tablename__ = "search_candidates"
    __table_args__ = (Index("uq_search_candidates_task_person", "task_id", "person_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("search_tasks.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(200))
    identity: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[float] = mapped_column(default=0.0)
    outcome: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    deterministic_key: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    records_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    task: Mapped[SearchTask] = relationship(back_populates="candidates")


class GatheredRecord(Base):
    """A record gathered for a request: text encrypted at rest, file in the encrypted store.

    Unique by (request, source, record id), so running a search again adds nothing twice.
    """

    __tablename__ = "gathered_records"
    __table_args__ = (Index("uq_gathered_records_request_source_record", "request_id", "source", "record_id",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("search_tasks.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("search_candidates.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[str] = mapped_column(String(300))
    person_id: Mapped[str] = mapped_column(String(200))
    record_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500))
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_key: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    record_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # The people a record involves, with roles and sometimes addresses (a foster carer's home): as
    # sensitive as the text, so encrypted like it (JSON list, decrypted by rights.search.record_involved).
    involved_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    match_score: Mapped[float | None]
    origin: Mapped[str] = mapped_column(String(20), default="connector")  # connector | upload
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ += ["GatheredRecord", "SearchCandidate", "SearchStatus", "SearchTask"]


# ---- case list (dashboard lists and reports) ----
# Indexes the officers' case list needs at 100,000 cases (rights.caselist; measured by bench/dashboard.py).
# Declared beside the models so models and migrations agree; migration 0031 creates them. On PostgreSQL
# the name and reference indexes are pg_trgm GIN indexes, which answer case-insensitive substring
# searches (ILIKE '%hart%'); SQLite (the demo) gets plain indexes of the same names.
Index("ix_requests_subject_id", RightsRequest.subject_id)  # name search joins people -> requests
Index("ix_requests_reference_trgm", RightsRequest.reference,
      postgresql_using="gin", postgresql_ops={"reference": "gin_trgm_ops"})
Index("ix_people_given_names_trgm", Person.given_names,
      postgresql_using="gin", postgresql_ops={"given_names": "gin_trgm_ops"})
Index("ix_people_family_name_trgm", Person.family_name,
      postgresql_using="gin", postgresql_ops={"family_name": "gin_trgm_ops"})
#: Stages in which a case needs no more work (rights.caselist.CLOSED_STAGES; a unit test keeps them equal).
#: The partial index below holds only open cases, in due-date order: the list's default view and its
#: counts read it instead of the whole table, however many closed cases accumulate.
CASELIST_CLOSED_STAGES = ("closed", "withdrawn", "refused", "released")
Index("ix_requests_open_due", RightsRequest.due_on, RightsRequest.id,
      postgresql_where=RightsRequest.status.not_in(CASELIST_CLOSED_STAGES),
      sqlite_where=RightsRequest.status.not_in(CASELIST_CLOSED_STAGES))


# ---- portal (issue 3: drafts of unfinished requests, check-progress codes) ----
class PortalDraft(Base):
    """A citizen's unfinished request: their answers, encrypted at rest, until the idle timeout.

    Why not the session cookie: answers hold names, dates of birth, addresses and NHS numbers (a signed
    cookie is readable by anyone holding the browser) and free text that would overflow a 4 KB cookie and
    be silently dropped. The cookie carries only a random token; the row is keyed by its SHA-256, so the
    table alone cannot be used to take over a draft.
    """

    __tablename__ = "portal_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ProgressCode(Base):
    """A one-time code e-mailed for "check progress"; only its keyed hash is stored.

    A row is written for every attempt to start a check, including those whose reference or email
    matched nothing (``request_id`` NULL), so the public sees the same thing either way.
    """

    __tablename__ = "progress_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


__all__ += ["PortalDraft", "ProgressCode"]


# ---- scheduled work (the schedule's run table lives in rights/schedule/models.py) ----
from rights.schedule.models import ScheduleRun  # noqa: E402  (needs Base, defined above)

__all__ += ["ScheduleRun"]
