"""Searches of source systems: one task per system and request, its candidate matches, gathered records.

The terms searched with, each candidate's identity and explanation, and each record's title, file name,
metadata, text and people are personal data: all encrypted at rest. Source ids, scores, outcomes and
statuses stay readable (the pages and the unique indexes work on them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rights.models.base import Base, EncryptedJSON, EncryptedText, SealedBytes, utcnow
from rights.vocabulary import SearchStatus


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
    terms: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    run_by: Mapped[str] = mapped_column(String(200))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(EncryptedText)
    result_note: Mapped[str | None] = mapped_column(EncryptedText)  # e.g. why the source could not be searched
    candidate_count: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    none_held: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    closed_reason: Mapped[str | None] = mapped_column(EncryptedText)  # an officer closed it without the holder, why
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
    identity: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    score: Mapped[float] = mapped_column(default=0.0)
    outcome: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    deterministic_key: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(EncryptedText)  # why the officer rejected (or reopened) it
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
    title: Mapped[str] = mapped_column(EncryptedText)
    text_enc: Mapped[bytes | None] = mapped_column(SealedBytes)
    file_key: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(EncryptedText)
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    record_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", EncryptedJSON, default=dict)
    # The people a record involves, with roles and sometimes addresses (a foster carer's home): as
    # sensitive as the text, so encrypted like it (JSON list, decrypted by rights.search.record_involved).
    involved_enc: Mapped[bytes | None] = mapped_column(SealedBytes)
    match_score: Mapped[float | None]
    origin: Mapped[str] = mapped_column(String(20), default="connector")  # connector | upload
    #: The source's own retention for what this record copies (CCTV footage: 14 days), when it says so:
    #: rights.retention deletes this copy's file and text that many days after the case closes.
    keep_days: Mapped[int | None] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

