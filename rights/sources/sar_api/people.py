"""The per-source mapping from content fields to the people a record involves, with their roles."""


from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rights.sources.base import (
    Involvement,
)
from rights.sources.sar_api.contract import (
    NAME_KEYS,
    PERSON_ID_KEYS,
)


# ---------------------------------------------------------------------- the involved-people mapping
@dataclass(frozen=True)
class InvolvedRule:
    """Content paths naming people, with their role: ``*.authorName`` -> professional.

    A path is keys joined by dots; ``[]`` after a key steps into each item of a list (``[]`` alone at the
    start is an item of a content that is a list); ``*`` stands for any run of keys. The value found is a
    name, or an object with first/last names (``otherPrisonerDetails``).
    """

    path: str
    role: str
    job_title: str | None = None
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        body = re.escape(self.path).replace(r"\*", ".*")
        if self.path.startswith("*."):
            body = f"(?:.*\\.)?{re.escape(self.path[2:]).replace(chr(92) + '*', '.*')}"
        object.__setattr__(self, "pattern", re.compile(f"^{body}$"))

    def matches(self, path: str) -> bool:
        return bool(self.pattern.match(path))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every node under ``value`` with its path (list items as ``key[]``)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, _join(path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, f"{path}[]")


def _person_name(value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, str):
        return (value.strip(), None) if value.strip() else None
    if isinstance(value, dict):
        full = next((value[k] for k in ("fullName", "name", "displayName") if isinstance(value.get(k), str)), None)
        given = next((value[k] for k in NAME_KEYS["given"] if isinstance(value.get(k), str)), "")
        family = next((value[k] for k in NAME_KEYS["family"] if isinstance(value.get(k), str)), "")
        name = (full or f"{given} {family}").strip()
        person_id = next((str(value[k]) for k in PERSON_ID_KEYS if value.get(k) not in (None, "")), None)
        return (name, person_id) if name else None
    return None


def involved_in(value: Any, path: str, rules: Sequence[InvolvedRule]) -> tuple[Involvement, ...]:
    """The people the rules find in one record's part of the answer, once each."""
    if not rules:
        return ()
    found: dict[tuple[str, str], Involvement] = {}
    for node_path, node in _walk(value, path):
        for rule in rules:
            if rule.matches(node_path):
                named = _person_name(node)
                if named and (named[0], rule.role) not in found:
                    found[(named[0], rule.role)] = Involvement(name=named[0], role=rule.role,
                                                               job_title=rule.job_title, person_id=named[1])
    return tuple(found.values())
