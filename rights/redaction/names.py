"""Finding people's names in text: those the records list as involved, and those on no list.

Listed people (the subject, relatives, carers, professionals: ``Involvement`` entries of every record of
the request) are found in any case, on word boundaries, by full name, given or family name alone, title
with surname (Ms Nowak), initial with surname (J. Nowak, J Nowak) and possessive (Nowak's). The span
carries every listed person the words could mean; :mod:`rights.redaction.policy` decides whom.

People on no list are found from capitalised words checked against the bundled name lists
(``rights/data/given_names.txt``, ``surnames.txt``), the full names any configured source knows, and cues:
a title (Mr, Ms, Dr), a relation before the name ("her partner", "his mother", "a friend called"), a
reporting verb after it ("said", "told"). Words that are also names (Hope, Rose, Will, Summer, May) count
only with a cue, or when capitalised inside a sentence, never at the start of one; months and days only
with a cue. The rules are written, not learned: no model can be downloaded where councils run this.
They are still most of the time a note takes (``bench/redaction_speed.py``): one pass over capitalised
words, set look-ups, and per-request answers remembered on the index.

This module is the entry point (:func:`find_names`, :func:`involved_addresses`, and :func:`index_for`
from :mod:`rights.redaction.people_index`); the parts live beside it, one job each:
:mod:`~rights.redaction.name_lists` (titles, cue words, the bundled name lists),
:mod:`~rights.redaction.people_index` (the listed people of a request and its caches),
:mod:`~rights.redaction.words` (the words of a text) and :mod:`~rights.redaction.name_rules` (whether
capitalised words are a name, from cues).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Final

from rights.redaction.identifiers import address_key
from rights.redaction.model import Kind, Person
from rights.redaction.name_lists import (
    CALENDAR,
    PLACE_WORDS,
    POLICE_TITLES,
    STRONG_RELATIONS,
    TITLES,
    is_namelike,
    ordinary_words,
)
from rights.redaction.name_rules import in_context, professional_cue, settled, tail_phrase
from rights.redaction.people_index import NameIndex, candidates, index_for, is_listed
from rights.redaction.spans import Span
from rights.redaction.words import Token, joined, words_of

__all__ = ["NameIndex", "find_names", "index_for", "involved_addresses"]

_NAME: Final = Kind.NAME  # a member read through its enum class goes through a Python-level descriptor


def find_names(text: str, index: NameIndex, lowered: str | None = None) -> Iterator[Span]:
    """Every mention of a person's name: listed people with their candidates, others with the evidence.

    ``lowered`` is ``text.lower()`` when the caller has it (every detector reads it: made once a note)."""
    tokens = words_of(text, index, lowered)
    n = len(tokens)
    i = 0
    starts = index.starts_memo  # one dict look-up per word: a request's records repeat their words
    while i < n:
        tok = tokens[i]
        may = starts.get(tok.raw)
        if may is None:
            may = starts[tok.raw] = _may_start(tok, index)
        if not may:
            i += 1
            continue
        taken = _mention(text, tokens, i, index)
        if taken is None:
            i += 1
            continue
        span, used = taken
        yield span
        i += used


def _may_start(tok: Token, index: NameIndex) -> bool:
    """Whether a word may start a name, from the word alone (its folded form is a function of it as written).

    Cheap tests first: an everyday word that is no name, no title and no listed person's ("Placement",
    "The"), or a word in capitals that is no name (NHS, CAMHS), cannot.
    """
    skip = _skip_word(tok.word)
    return not (skip == 2 or (skip == 1 and not is_listed(tok.word, index))
                or (tok.raw.isupper() and len(tok.raw) > 1 and _acronym(tok.word, index)))


@lru_cache(maxsize=65536)
def _skip_word(word: str) -> int:
    """Whether a word cannot start a name: 2 never (it has digits), 1 unless a listed person has it
    (an everyday word that is no name, title or month), 0 it may."""
    if any(c.isdigit() for c in word):
        return 2  # SY3, 2nd: names have no digits
    return int(len(word) > 1 and word in ordinary_words() and word not in TITLES and not is_namelike(word)
               and word not in CALENDAR)


def _acronym(word: str, index: NameIndex) -> bool:
    """A word in capitals that is no name, no title and no listed person's (NHS, UPN, SY3, CAMHS)."""
    return _plain_capitals(word) and not is_listed(word, index) and word not in index.known_words


@lru_cache(maxsize=65536)
def _plain_capitals(word: str) -> bool:
    return word not in TITLES and word not in POLICE_TITLES and not is_namelike(word)


def _mention(text: str, tokens: list[Token], i: int, index: NameIndex) -> tuple[Span, int] | None:
    n = len(tokens)
    tok = tokens[i]
    word = tok.word
    titled = False
    initial: str | None = None
    j = i
    police = word in POLICE_TITLES and tok.raw.isupper() and index.config.police_are_professionals
    if (word in TITLES and tok.raw[0].isupper()) or police:
        titled = True
        j += 1
        if j < n and not joined(text, tokens[j - 1], tokens[j]):
            return None
    if j < n and len(tokens[j].raw) == 1 and tokens[j].raw.isupper():
        if j + 1 < n and joined(text, tokens[j], tokens[j + 1]) and tokens[j + 1].raw[0].isupper():
            initial = tokens[j].word
            j += 1
        else:
            return None
    if j >= n:
        return None
    first = tokens[j]
    heads = index.heads_memo
    head = heads.get(first.raw)
    if head is None:
        head = heads[first.raw] = _head(first, index)
    if head == 2 or (head == 1 and not titled and initial is None):
        return None  # "Visited Amelia Smith": the name starts at the next word
    # collect the name words: the first one, then joined words that continue a name
    words = [first]
    k = j + 1
    goes_on = index.continues_memo
    while k < n and len(words) < 4:
        a, nxt = tokens[k - 1], tokens[k]
        # one space after a word not ending in an apostrophe joins at once; anything else asks joined()
        if (text[a.end:nxt.start] != " " or a.raw[-1] in "'’") and not joined(text, a, nxt):
            break
        more = goes_on.get(nxt.raw)
        if more is None:
            more = goes_on[nxt.raw] = _continues(nxt, index)
        if not more:
            break
        words.append(nxt)
        k += 1
    folded = tuple([w.word for w in words])
    memo_key = (folded, titled, initial)
    known = index.names_memo.get(memo_key)
    if known is None:
        known = index.names_memo[memo_key] = _what_words_say(folded, titled, initial, index)
    verdict, people, key, reason = known
    if verdict is None:
        verdict = in_context(text, tok, first, words, folded, titled, initial, index)
    if not verdict:
        return None
    start = tok.start
    end = words[-1].end
    before = text[max(0, start - 48):start]
    after = text[end:end + 40]
    professional = professional_cue(before, after, index) or (titled and word == "dr") or police
    relation = tail_phrase(before, STRONG_RELATIONS)
    return Span(start, end, _NAME, key, reason, people, folded, titled, initial is not None,
                    professional, relation), k - i


def _what_words_say(folded: tuple[str, ...], titled: bool, initial: str | None,
                    index: NameIndex) -> tuple[bool | None, tuple[Person, ...], str, str]:
    """Whether these words are a name when they alone decide (None when the text around them does), the
    listed people they can mean, the span's key and its reason: one answer per request for each spelling."""
    people = candidates(list(folded), initial, titled, index)
    if people:
        key = people[0].key if len(people) == 1 else "name:" + " ".join(folded)
        reason = "listed as involved"
    else:
        key = "name:" + " ".join(folded)
        reason = "a name on no list (" + ("after a title" if titled else "name list or context") + ")"
    return settled(folded, titled, initial, index), people, key, reason


def _head(first: Token, index: NameIndex) -> int:
    """Whether a word can be a name's first word: 2 never (lower case and no listed person's), 1 only
    after a title or initial (an everyday word that is no name and no listed person's), 0 it can.
    A function of the word as written, remembered per request."""
    if not first.raw[0].isupper() and not is_listed(first.word, index):
        return 2
    return int(first.word in ordinary_words() and not is_listed(first.word, index) and not is_namelike(first.word))


def _continues(nxt: Token, index: NameIndex) -> bool:
    """Whether a word joined to a name continues it (not a title, month, place or everyday word, and in
    capitals or a listed person's). A function of the word as written, remembered per request."""
    word = nxt.word
    if not nxt.raw[0].isupper() and not is_listed(word, index):
        return False
    if word in TITLES or word in CALENDAR or word in PLACE_WORDS:
        return False
    return not (word in ordinary_words() and not (is_listed(word, index) or is_namelike(word)))


def involved_addresses(text: str, people: Iterable[Person], lowered: str | None = None) -> Iterator[Span]:
    """Addresses of listed people written out in the text: the first line, in any case and spacing.

    A plain substring search finds the usual spelling; the pattern that allows other spacing and commas
    is compiled only when every word of the line is present but that spelling is not.
    """
    if lowered is None:  # text.lower(), unless the caller has it
        lowered = text.lower()
    for person in people:
        if not person.address:
            continue
        first = person.address.split(",")[0].strip()
        words = first.split()
        if len(words) < 2:
            continue
        reason = f"address of someone listed as involved ({person.role.replace('_', ' ')})"
        needle = " ".join(words).lower()
        at = lowered.find(needle)
        if at >= 0:
            while at >= 0:
                end = at + len(needle)
                if (at == 0 or not lowered[at - 1].isalnum()) and (end == len(text) or not lowered[end].isalnum()):
                    yield Span(at, end, Kind.ADDRESS, address_key(first), reason, (person,))
                at = lowered.find(needle, end)
            continue
        if all(w.lower() in lowered for w in words):
            for m in _address_pattern(tuple(re.findall(r"[\w'’]+", first))).finditer(text):
                yield Span(m.start(), m.end(), Kind.ADDRESS, address_key(first), reason, (person,))


@lru_cache(maxsize=1024)
def _address_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b" + r"[\s,]+".join(re.escape(w) for w in words) + r"\b", re.IGNORECASE)
