"""Operational records: the hash-chained audit trail, the mirror of every background job, the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, EncryptedJSON, EncryptedText, new_id, utcnow
from rights.vocabulary import JobStatus


class AuditEvent(Base):
    """Append-only record of who saw and did what, chained by keyed MACs (see rights.audit)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # "user:12", "citizen", "system", "worker"
    action: Mapped[str] = mapped_column(String(60), index=True)
    # No foreign key: the trail outlives the case. When retention purges a request its entries keep the
    # id (and the reference in ``target``), and ``purged_requests`` holds the tombstone that explains it.
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Which audit key signed the entry (rights.audit.chain); empty for entries from before the keyed chain.
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditHead(Base):
    """Single-row lock point that serialises audit appends so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer, default=0)

class JobRun(Base):
    """The database mirror of one background job: officers see it without asking Redis."""

    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)  # a letter job carries its reasons
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(EncryptedText)  # an exception's text may quote a value
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The RQ job last enqueued for this run: the sweeper asks Redis about it (lost in a restart? failed?).
    rq_job_id: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    """An email written in the same transaction as the change it reports, sent by a job after commit.

    ``key`` makes sending idempotent: the same message for the same event is never written twice.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    to: Mapped[str] = mapped_column(EncryptedText)  # the recipient's address is personal data too
    template: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(EncryptedText)
    body_text: Mapped[str] = mapped_column(EncryptedText)  # letters carry names, reasons and codes
    body_html: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(EncryptedText)  # a bounce quotes the address
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

