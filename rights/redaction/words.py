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

from rights.names import fold
from rights.redaction.name_lists import PARTICLES, POLICE_TITLES, TITLES
from rights.redaction.people_index import NameIndex

_PARTICLE_GAP = re.compile(r" (?:" + "|".join(sorted(PARTICLES)) + r")(?: (?:" + "|".join(sorted(PARTICLES))
                           + r"))? ")
_SENTENCE_END = frozenset(".!?:;\n•*>|")
_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ž](?<![\w'’].)[\w'’]*(?:-[^\W\d_][\w'’]*)*")
# The same words in a text of ASCII only (most notes): ASCII classes test each character in fewer steps.
_ASCII_WORD = re.compile(r"[A-Z](?<![\w'].)[\w']*(?:-[^\W\d_][\w']*)*", re.ASCII)
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$")


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
    tokens: list[Token] = []
    append, base = tokens.append, _base  # locals: this loop runs for every capitalised word
    for m in (_ASCII_WORD if text.isascii() else _WORD).finditer(text):
        start = m.start()
        raw, word, size = base(m.group())
        append(Token(start, start + size, word, raw))
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


_START = attrgetter("start")


@lru_cache(maxsize=65536)
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


_NOT_ASCII_NAME = re.compile(r"[^a-z-]")


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
    if _PARTICLE_GAP.fullmatch(gap):
        return True  # Van der Berg, Da Silva written with a small particle
    return gap.strip(" ") == "." and (len(a.raw) == 1 or a.word in TITLES or a.word in POLICE_TITLES)
