"""People's names as the product compares them: folding (case, accents, punctuation), name tokens,
particles and the bundled nickname table.

Why a module of its own: identity matching, the synthetic demo data and redaction (finding a third
party's name in a record) all need the same idea of "the same name". Imports nothing from ``rights``;
the nickname table is ``rights/data/nicknames.txt``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources

_NO_DECOMPOSITION = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ß": "ss", "æ": "ae",
    "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H",
})
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "st", "al", "el",
                        "bin", "bint", "ben", "ap"})


_APOSTROPHES = re.compile(r"['’`]")
_NOT_LETTERS = re.compile(r"[^\w\s-]|[\d_]")
_SPACES = re.compile(r"\s+")
_NAME_SPLIT = re.compile(r"[\s-]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, accents and punctuation removed: 'Zoë O'Brien' -> 'zoe obrien', 'Łukasz' -> 'lukasz'.

    NFKD splits accented letters into letter + combining mark, which is dropped; letters with no
    decomposition (Ł, ø, ß, æ) are mapped first. Apostrophes join (O'Brien ~ OBrien); full stops after
    initials separate ('J.R.' -> 'j r'); hyphens are kept for the callers that split on them.
    """
    for _ in range(3):  # decomposing can expose letters to map or case (Ǽ -> Æ + accent): until stable
        before = text
        text = unicodedata.normalize("NFKD", text.casefold().translate(_NO_DECOMPOSITION))
        text = "".join(c for c in text if not unicodedata.combining(c))
        if text == before:
            break
    text = _APOSTROPHES.sub("", text)
    text = _NOT_LETTERS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def name_tokens(text: str | None) -> tuple[str, ...]:
    """Folded words of a name, hyphenated parts split: 'Mary-Jane  Smith' -> ('mary', 'jane', 'smith')."""
    return tuple(t for t in _NAME_SPLIT.split(fold(text or "")) if t)


@cache
def _nickname_groups() -> Mapping[str, frozenset[int]]:
    text = resources.files("rights").joinpath("data/nicknames.txt").read_text(encoding="utf-8")
    groups: dict[str, set[int]] = {}
    for number, raw in enumerate(text.splitlines()):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        full, _, rest = line.partition(":")
        for name in (full, *rest.split()):
            groups.setdefault(fold(name), set()).add(number)
    return {name: frozenset(ids) for name, ids in groups.items()}


def are_nicknames(a: str, b: str) -> bool:
    """Two different folded given names that the bundled table treats as one (Bill ~ William, Bill ~ Billy)."""
    if a == b:
        return False
    groups = _nickname_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


