"""Redaction decisions on gathered records: the proposed and officer-added redactions, and one decision
per record (include or withhold).

Nothing here holds personal data in the clear: a redaction is character offsets into the record's
(encrypted) text, an exemption code, the kind of identifier and a reason that names a role, never a person;
the person or identifier a redaction is about is a keyed hash (the same for every mention across one
request, so "every mention of this person" can be decided at once without storing who it is).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, EncryptedText, utcnow


class Redaction(Base):
    """One stretch of a gathered record's text to remove under an exemption code.

    ``origin`` is ``detector`` (proposed by :mod:`rights.redaction`, status ``proposed`` until an officer
    accepts or rejects it) or ``officer`` (added by an officer, accepted when added). Unique by
    (record, start, end, origin), so proposing again adds nothing twice.
    """

    __tablename__ = "redactions"
    __table_args__ = (
        Index("uq_redactions_record_span_origin", "record_id", "start", "end", "origin", unique=True),
        Index("ix_redactions_request_key", "request_id", "person_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("gathered_records.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    person_key: Mapped[str] = mapped_column(String(64))  # HMAC of the detector's key, never the name itself
    origin: Mapped[str] = mapped_column(String(10))  # detector | officer
    status: Mapped[str] = mapped_column(String(10))  # proposed | accepted | rejected
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordDecision(Base):
    """What happens to one gathered record: ``include`` (with its accepted redactions) or ``withhold``.

    The row is written when the record's redactions are first proposed (``decision`` None until an
    officer decides), so ``proposed_at`` says the detectors have run and ``needs_officer`` flags a record
    with no text layer. A record is decided only when ``decision`` is set and none of its redactions is
    still ``proposed``.
    """

    __tablename__ = "record_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("gathered_records.id", ondelete="CASCADE"), unique=True)
    decision: Mapped[str | None] = mapped_column(String(10))  # include | withhold
    code: Mapped[str | None] = mapped_column(String(20))  # the exemption code when withheld
    note: Mapped[str | None] = mapped_column(EncryptedText)  # an officer's words may name people
    needs_officer: Mapped[bool] = mapped_column(Boolean, default=False)  # no text layer: withhold or redact by region
    proposed_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageRegion(Base):
    """A rectangle an officer marked on a page of a scan (a record with no text layer), under a code.

    Fractions of the page (0 to 1 from the top left), so it holds at any resolution; the bundle paints it
    into the page's pixels (:mod:`rights.redaction.scans`). Added by an officer, so decided when added.
    """

    __tablename__ = "page_regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("gathered_records.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    left: Mapped[float] = mapped_column(Float)
    top: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    code: Mapped[str] = mapped_column(String(20))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
