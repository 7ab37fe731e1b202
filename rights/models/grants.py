"""Server-side grants a browser holds by a random token: pending sign-ins, trusted devices, set-password
links, and a requester's access to their progress page or download.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, utcnow


class Grant(Base):
    """One short-lived grant, keyed by the SHA-256 of the token its holder has (``rights.tokens``).

    Why a table and not the signed session cookie: whoever knows the secret key (the development one is
    public) can write any cookie they like, and a cookie copied from a browser keeps working elsewhere. A
    row can be used once (``used_at``), ends at ``expires_at`` whatever the cookie says, and a grant that
    is handed on token by token (``family``) ends for everyone when a spent token comes back.
    """

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # signin | device | set_password | progress | download
    family: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    scope: Mapped[str | None] = mapped_column(String(64))  # the sign-in step, or the download link's id
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
