"""Letters to post: the post queue, the twin of the email outbox for requesters who chose post.

Each row is one letter (or, later, a print pack of a letter and a disclosure bundle) waiting to be
printed and posted, with the address it goes to. The address and the letter carry personal data, so
both are encrypted at rest like the outbox.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, EncryptedText, utcnow


class PostItem(Base):
    """One letter to print and post. ``key`` makes queueing idempotent, as the outbox's does.

    ``status`` is ``to_post`` until an officer marks it ``posted`` with the day it went in the post.
    ``text`` is the letter itself; ``document_ref`` names a stored document to print with it (a bundle).
    """

    __tablename__ = "post_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))  # the letter's template, or what a print pack holds
    addressee: Mapped[str] = mapped_column(EncryptedText)
    address: Mapped[str] = mapped_column(EncryptedText)  # lines joined by newlines, postcode last
    subject: Mapped[str] = mapped_column(EncryptedText)
    text: Mapped[str | None] = mapped_column(EncryptedText)
    document_ref: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="to_post", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_on: Mapped[date | None] = mapped_column(Date)
    posted_by: Mapped[str | None] = mapped_column(String(100))
