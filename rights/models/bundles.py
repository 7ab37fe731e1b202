"""Prepared responses: numbered versions of the access-response letter and disclosure bundle, and the
requester's download links.

Nothing here holds personal data in the clear: the PDFs live in the encrypted file store (``*_key`` is the
store's key), a version holds counts, hashes and the fingerprint of the decisions it was built from, and
a leak finding is stored as where it was found and which record, never the text itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, new_id, utcnow


class BundleVersion(Base):
    """One rendering of a request's response from one set of decisions (``fingerprint``).

    ``status``: ``draft`` (prepared, marked DRAFT on every page), ``submitted`` (named when sent for
    approval), ``approving`` (a manager other than the preparer approved it; a job is rendering the final,
    unmarked PDFs, ``render_progress`` says how far), ``approved`` (the final PDFs are stored, hashed and
    leak-checked), ``released``. Unique by (request, number) and by (request, fingerprint): preparing again
    from the same decisions returns the same version. A letter-only version (nothing held, or every record
    withheld in full) has no bundle: ``bundle_key`` and ``final_bundle_key`` are null and ``pages`` is 0.
    """

    __tablename__ = "bundle_versions"
    __table_args__ = (
        Index("uq_bundle_versions_request_number", "request_id", "number", unique=True),
        Index("uq_bundle_versions_request_fingerprint", "request_id", "fingerprint", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    pages: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    withheld: Mapped[int] = mapped_column(Integer)
    letter_key: Mapped[str] = mapped_column(String(64))
    bundle_key: Mapped[str | None] = mapped_column(String(64))  # None: a letter-only version
    bundle_sha256: Mapped[str | None] = mapped_column(String(64))
    prepared_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    final_letter_key: Mapped[str | None] = mapped_column(String(64))
    final_bundle_key: Mapped[str | None] = mapped_column(String(64))
    final_sha256: Mapped[str | None] = mapped_column(String(64))
    leak_findings: Mapped[list[Any] | None] = mapped_column(JSON)  # None: not checked; [] clean
    released_at: Mapped[datetime | None]
    render_progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the finalisation job's {done, total}


class DownloadLink(Base):
    """The requester's link to a released version on the portal; opening it needs a fresh emailed code."""

    __tablename__ = "download_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("bundle_versions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    last_downloaded_at: Mapped[datetime | None]
