"""Keyed digests beside the encrypted people columns: how officers still find a case by a name, and intake
a possible duplicate, when the names themselves are ciphertext.

Why digests and not decryption in SQL: the database never holds a key, so a stolen copy or backup shows
neither names nor a way to read them. Each word of a person's given and family names is folded
(:func:`rights.names.name_tokens`: case, accents and punctuation removed) and every prefix of it from two
letters up is stored as the first 8 bytes of an HMAC under the ``tokens`` key (``person_search_keys``).
The case list looks a typed word up the same way, so "har" finds Hart and Harrison; a fragment from the
middle of a name ("art") no longer does. ``people.match_key`` digests the folded names with the date of
birth: equal keys mean "same name and date of birth" (the duplicate check).

What a digest still reveals, and why that is accepted: rows that share a name share its digests, so a
thief sees that two people are called alike (and how common each name is) but not what the name is.

Both are written on every flush of a :class:`Person` (the listeners below); bulk inserts that bypass the
ORM call :func:`search_rows` themselves (bench/dashboard.py). Lookups try every configured key, newest
first, so rows indexed under an older key are still found until ``rights keys rotate`` re-indexes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, delete, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from rights.models.base import Base
from rights.models.requests import Person
from rights.names import name_tokens

#: Longest prefix indexed (and longest word looked up): longer names are matched on their first 20 letters.
MAX_PREFIX = 20
#: The attributes whose change re-indexes a person.
INDEXED = ("given_names", "family_name", "date_of_birth")


class PersonSearchKey(Base):
    """One keyed digest of one name prefix of one person (no name, no prefix: 8 bytes of an HMAC)."""

    __tablename__ = "person_search_keys"
    __table_args__ = (Index("ix_person_search_keys_key", "key"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


def _keys() -> tuple[bytes, ...]:
    from rights.security import field_keys, token_keys

    return token_keys(field_keys())


def _short(key: bytes, text: str) -> int:
    from rights.security import digest

    return int.from_bytes(digest(key, "name", text)[:8], "big", signed=True)


def prefixes(words: Iterable[str]) -> set[str]:
    """Every prefix of every word from two letters up to :data:`MAX_PREFIX` (a one-letter word as itself)."""
    out: set[str] = set()
    for word in words:
        word = word[:MAX_PREFIX]
        out.add(word)
        out.update(word[:n] for n in range(2, len(word)))
    return out


def name_words(given_names: str | None, family_name: str | None) -> tuple[str, ...]:
    return name_tokens(given_names) + name_tokens(family_name)


def search_keys(given_names: str | None, family_name: str | None, key: bytes | None = None) -> set[int]:
    """The digests stored for a person's names under ``key`` (the newest by default)."""
    key = key or _keys()[0]
    return {_short(key, p) for p in prefixes(name_words(given_names, family_name))}


def search_rows(person_id: int, given_names: str | None, family_name: str | None) -> list[dict[str, int]]:
    return [{"person_id": person_id, "key": k} for k in sorted(search_keys(given_names, family_name))]


def query_keys(word: str) -> list[list[int]]:
    """What one typed word looks up: for each folded part of it, its digest under every configured key.

    A person matches the word when, for every part, one of that part's digests is stored for them.
    """
    return [[_short(key, part[:MAX_PREFIX]) for key in _keys()] for part in name_tokens(word)]


def name_digest(text: str) -> str:
    """A short keyed digest of a typed name (folded), for the audit trail of name searches."""
    from rights.security import digest

    return digest(_keys()[0], "search", " ".join(name_tokens(text))).hex()[:16]


def match_keys(given_names: str | None, family_name: str | None, date_of_birth: date | None) -> list[str]:
    """The duplicate-check digest under every configured key, newest first ([] without a date of birth)."""
    from rights.security import digest

    if date_of_birth is None:
        return []
    text = "\x1f".join([" ".join(name_tokens(given_names)), " ".join(name_tokens(family_name)),
                        date_of_birth.isoformat()])
    return [digest(key, "match", text).hex() for key in _keys()]


def reindex(session: Session, people: Sequence[Person]) -> None:
    """Write the search digests of these (flushed) people under the newest key, replacing any others."""
    if not people:
        return
    table = PersonSearchKey.__table__
    session.execute(delete(table).where(table.c.person_id.in_([p.id for p in people])))
    rows = [row for p in people for row in search_rows(p.id, p.given_names, p.family_name)]
    if rows:
        session.execute(insert(table), rows)


def _changed(person: Person) -> bool:
    state = inspect(person)
    return state.pending or any(state.attrs[name].history.has_changes() for name in INDEXED)


@event.listens_for(Session, "before_flush")
def _set_match_keys(session: Session, _context: Any, _instances: Any) -> None:
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, Person) and _changed(o)]
    for person in touched:
        keys = match_keys(person.given_names, person.family_name, person.date_of_birth)
        person.match_key = keys[0] if keys else None
    session.info["rights_people_to_index"] = touched


@event.listens_for(Session, "after_flush")
def _write_search_keys(session: Session, _context: Any) -> None:
    touched = session.info.pop("rights_people_to_index", [])
    reindex(session, [p for p in touched if p.id is not None and p not in session.deleted])


__all__ = ["MAX_PREFIX", "PersonSearchKey", "match_keys", "name_digest", "prefixes", "query_keys", "reindex",
           "search_keys", "search_rows"]
