"""The declarative base, the naming convention and the column types every model uses.

Aware UTC datetimes everywhere (SQLite would hand back naive ones) and values encrypted at rest with the
process's column keys. Imports nothing from ``rights`` at import time.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    LargeBinary,
    MetaData,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

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


def _seal(text: str) -> str:
    from rights.security import field_cipher

    return field_cipher().encrypt(text.encode()).decode("ascii")


def _open(stored: str) -> str:
    """The plaintext of a stored value. A value that is not a Fernet token was written before its column
    was encrypted (migration 0067 turned such columns to text in place): it is returned as it is until
    ``rights keys rotate`` encrypts it, so upgrading never makes old cases unreadable."""
    from rights.security import TOKEN_PREFIX, open_field

    if not stored.startswith(TOKEN_PREFIX):
        return stored
    return open_field(stored)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest with the process's column keys (stored as the token's ASCII text).

    For personal data kept in the database itself (names, addresses, letters, officers' notes): a copy of
    the table, or a backup, shows only ciphertext. Reads decrypt transparently. Such a column cannot be
    searched or compared in SQL; where a lookup is needed a keyed digest sits beside it
    (:mod:`rights.models.people_index`).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else _seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else _open(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (dict or list) encrypted at rest like :class:`EncryptedText`.

    Assign a new object to save a change (``row.details = {**row.details, ...}``), as with plain JSON.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else _seal(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(_open(value))


class EncryptedDate(TypeDecorator[date]):
    """A date encrypted at rest (a date of birth is as identifying as a name)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Any) -> str | None:
        return None if value is None else _seal(value.isoformat())

    def process_result_value(self, value: str | None, dialect: Any) -> date | None:
        return None if value is None else date.fromisoformat(_open(value))


class SealedBytes(TypeDecorator[bytes]):
    """Bytes the caller encrypted with the column cipher (``rt.cipher``) before storing.

    No conversion happens here: the type marks the column as ciphertext so ``rights keys rotate`` finds it
    (record texts are decrypted only when an officer opens one, never on every load).
    """

    impl = LargeBinary
    cache_ok = True


#: The column types whose values are ciphertext under the column keys (what key rotation walks).
ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON, EncryptedDate, SealedBytes)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def escape_like(text: str) -> str:
    """``text`` with SQL LIKE's wildcards escaped (use with ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
