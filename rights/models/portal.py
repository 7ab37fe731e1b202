"""The citizen portal's server-side state: unfinished drafts and check-progress codes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, EncryptedText, SealedBytes, new_id, utcnow


class PortalDraft(Base):
    """A citizen's unfinished request: their answers, encrypted at rest, until the idle timeout.

    Why not the session cookie: answers hold names, dates of birth, addresses and NHS numbers (a signed
    cookie is readable by anyone holding the browser) and free text that would overflow a 4 KB cookie and
    be silently dropped. The cookie carries only a random token; the row is keyed by its SHA-256, so the
    table alone cannot be used to take over a draft.
    """

    __tablename__ = "portal_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers_enc: Mapped[bytes] = mapped_column(SealedBytes)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ProgressCode(Base):
    """A one-time code e-mailed for "check progress"; only its keyed hash is stored.

    A row is written for every attempt to start a check, including those whose reference or email
    matched nothing (``request_id`` NULL), so the public sees the same thing either way. The details typed
    wait in ``lookup`` (encrypted) for the ``progress_code`` job, which matches them and clears the column:
    the page does the same work whether or not anything matches (``rights.progress``).
    """

    __tablename__ = "progress_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    lookup: Mapped[str | None] = mapped_column(EncryptedText)

