"""Staff: accounts, their server-side sessions, sign-in throttling and two-administrator account changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, SealedBytes, utcnow


class User(Base):
    """A member of staff. Passwords are argon2 hashes; the TOTP secret is encrypted at rest."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    services: Mapped[list[Any]] = mapped_column(default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_enc: Mapped[bytes | None] = mapped_column(SealedBytes)
    mfa_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
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


class SignInThrottle(Base):
    """Failed sign-ins counted per address, per typed email and per trusted device (``rights.users.throttle``).

    Why not a lock on the account row: anyone who knows a member of staff's email address could keep them
    locked out. Counting per key lets each key be slowed on its own, and a trusted device is counted apart
    from the rest of the world. ``key`` never holds typed text: an email is kept as its SHA-256.
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "ip:…", "email:<sha256>", "device:<id>"
    label: Mapped[str] = mapped_column(String(254))  # what an administrator is shown: an address, "user:12"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    blocked_until: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]


class AccountChange(Base):
    """A password or authenticator reset (or a new account's first password) waiting for a second administrator.

    One administrator asks, a different one approves; only then does anything change, and the account
    holder is emailed at both steps. The row stays as the record of who asked and who approved.
    """

    __tablename__ = "account_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # first_password | password | mfa
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done | declined | cancelled
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
