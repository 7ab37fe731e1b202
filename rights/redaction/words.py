"""The words of a text as the name rules see them: capitalised words, and listed names written in lower case.

Why a module of its own: splitting a note into words (possessive endings dropped, folded for look-up) and
telling which words run together into one name (spaces, initials with full stops, particles such as
"Van der") is one job the rules in :mod:`rights.redaction.name_rules` and :mod:`rights.redaction.names`
build on. A word is a plain slotted object: tens of thousands are made per megabyte.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from operator import attrgetter
from typing import Final

from mypy_extensions import i64

from rights.names import fold
from rights.redaction.name_lists import PARTICLES, POLICE_TITLES, TITLES
from rights.redaction.people_index import NameIndex
from rights.redaction.shapes import outside_ascii

_PARTICLE_GAP: Final = re.compile(r" (?:" + "|".join(sorted(PARTICLES)) + r")(?: (?:" + "|".join(sorted(PARTICLES))
                                  + r"))? ")
# The shortest and longest gap _PARTICLE_GAP can match (" da ", " della della "): most gaps between two
# capitalised words are longer, and are not tried.
_PARTICLE_GAP_SIZES: Final = (min(map(len, PARTICLES)) + 2, 2 * max(map(len, PARTICLES)) + 3)
_SENTENCE_END: Final = frozenset(".!?:;\n•*>|")
# A word as the name rules see it: what _walk_words finds, written as a pattern (the tests hold the two
# to the same words; the walk is several times faster than a pass of the pattern).
_WORD: Final = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž](?<![\w'’].)[\w'’]*(?:-[^\W\d_][\w'’]*)*")
_POSSESSIVE: Final = re.compile(r"(?:['’]s|s['’])$")


class Token:
    """A word of the text (a plain slotted class: tens of thousands are made per megabyte)."""

    __slots__ = ("end", "raw", "start", "word")

    def __init__(self, start: int, end: int, word: str, raw: str) -> None:
        self.start = start
        self.end = end  # without a possessive ending
        self.word = word  # folded
        self.raw = raw


def words_of(text: str, index: NameIndex, lowered: str | None = None) -> list[Token]:
    """The capitalised words of ``text``, and listed people's name words written in lower case, by start."""
    tokens = _walk_words(text, _classes(text))
    if lowered is None:  # text.lower(), unless the caller has it
        lowered = text.lower()
    if len(lowered) == len(text):  # lower() kept every offset (true but for a few rare letters)
        size = len(text)
        for word in index.lower_words:
            at = lowered.find(word)
            while at >= 0:
                end = at + len(word)
                if (text[at].islower() and (at == 0 or not _WORDCHAR(lowered[at - 1]))
                        and (end == size or not _WORDCHAR(lowered[end]))):
                    # put in its place, unless a word starts there already (a capitalised word may start
                    # with a lower case letter outside A-Z): a few per note, so no set and no re-sort
                    i = bisect_left(tokens, at, key=_START)
                    if i == len(tokens) or tokens[i].start != at:
                        raw = text[at:end]
                        tokens.insert(i, Token(at, end, _fold_word(raw), raw))
                at = lowered.find(word, end)
    return tokens


_START: Final = attrgetter("start")


def _classes(text: str) -> bytes:
    """Each character's class for :func:`_walk_words`, one byte a character.

    ASCII characters by a table (one C call for the note); the few others (accented names, curly
    apostrophes: :func:`~rights.redaction.shapes.outside_ascii`) are classed one by one.
    """
    classes = text.encode("ascii", "replace").translate(_CLASSES)
    if text.isascii():
        return classes
    fixed = bytearray(classes)
    for at in outside_ascii(text):
        fixed[at] = _class_of(text[at])
    return bytes(fixed)


@lru_cache(maxsize=4096)
def _class_of(ch: str) -> int:
    """The class of a character outside ASCII, as ``_WORD`` sees it (Unicode word characters)."""
    if "À" <= ch <= "Ö" or "Ø" <= ch <= "Þ" or "Ā" <= ch <= "ž":
        return _UPPER  # what a word can start with (letters all: tests/unit/test_redaction_fast_paths.py)
    if ch == "’":
        return _WORDLIKE
    if ch.isalnum():  # the engine's \w outside ASCII; a letter is a word character that is no digit
        return _WORDLIKE if ch.isdecimal() else _LETTER
    return _OTHER


def _walk_words(text: str, classes: bytes) -> list[Token]:
    """The words ``_WORD`` finds in ``text``, as tokens, from one walk over its characters' classes.

    Why not the pattern: the engine tests a character class at every character of the note; here each
    character's class is one byte, made by a table in C (:func:`_classes`), and read by compiled code.
    The pattern is a capital after no word character or apostrophe, word characters or apostrophes, then
    any number of a hyphen, a letter, word characters or apostrophes; the walk takes the same, greedily,
    and goes on after each word as a full pass does (``tests/unit/test_redaction_fast_paths.py`` compares
    the two).
    """
    tokens: list[Token] = []
    size: i64 = len(classes)  # machine integers, compiled: no boxing nor overflow checks per character
    at: i64 = 0
    end: i64 = 0
    while at < size:
        if classes[at] == _UPPER and (at == 0 or classes[at - 1] < _WORDLIKE):
            end = at + 1
            while end < size and classes[end] >= _WORDLIKE:
                end += 1
            while end + 1 < size and classes[end] == _HYPHEN and classes[end + 1] >= _LETTER:
                end += 2
                while end < size and classes[end] >= _WORDLIKE:
                    end += 1
            found = text[at:end]
            raw, word, length = _based(found)
            tokens.append(Token(at, at + length, word, raw))
            at = end
        else:
            at += 1
    return tokens


# A character's class for _walk_words: ordered so that "word character or apostrophe" (the pattern's
# [\w'’]) is at least _WORDLIKE, a letter at least _LETTER, and _UPPER is what a word starts with.
_OTHER: Final = 0
_HYPHEN: Final = 1
_WORDLIKE: Final = 2
_LETTER: Final = 3
_UPPER: Final = 4
_CLASSES: Final = bytes(_UPPER if chr(b).isupper() and b < 128 else _LETTER if chr(b).islower() and b < 128
                        else _WORDLIKE if chr(b) in "0123456789_'" else _HYPHEN if chr(b) == "-" else _OTHER
                        for b in range(256))
_BASES: Final[dict[str, tuple[str, str, int]]] = {}  # _base's answers (a dict: a call per word costs more)


def _based(found: str) -> tuple[str, str, int]:
    """:func:`_base`, remembered for the most recent 65,536 words (then forgotten at once)."""
    known = _BASES.get(found)
    if known is None:
        if len(_BASES) >= 65536:
            _BASES.clear()
        known = _BASES[found] = _base(found)
    return known


def _base(raw: str) -> tuple[str, str, int]:
    """A word without its possessive ending (Nowak's, James'), its folded form, and its length."""
    p = _POSSESSIVE.search(raw)
    if p and len(raw) > 3:
        raw = raw[: p.start()] if raw[p.start()] in "'’" else raw[:-1]
    return raw, _fold_word(raw), len(raw)


def _WORDCHAR(ch: str) -> bool:
    return ch.isalnum() or ch in "'’_"


@lru_cache(maxsize=65536)
def _fold_word(raw: str) -> str:
    if raw.isascii():  # what fold does to ASCII: lower case, keep letters and hyphens (a quarter of the time)
        return _NOT_ASCII_NAME.sub("", raw.lower())
    return fold(raw).replace(" ", "")


_NOT_ASCII_NAME: Final = re.compile(r"[^a-z-]")


def sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'‘“(-–[":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def joined(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end:b.start]
    if a.raw[-1:] in "'’" or gap == "":
        return False
    if gap.strip(" ") == "" and len(gap) <= 2:
        return True
    if _PARTICLE_GAP_SIZES[0] <= len(gap) <= _PARTICLE_GAP_SIZES[1] and _PARTICLE_GAP.fullmatch(gap):
        return True  # Van der Berg, Da Silva written with a small particle
    return gap.strip(" ") == "." and (len(a.raw) == 1 or a.word in TITLES or a.word in POLICE_TITLES)
