"""Whether capitalised words are a person's name: the written rules on cues, for people on no list.

Why a module of its own: a word on the name lists is often an ordinary word too (Hope, Rose, May), so a
name needs evidence: a title, an initial, a relation before it ("her friend"), a reporting verb after it
("said"), particulars ("(DOB"), or its place inside a sentence; and a role word nearby ("social worker")
marks a professional. These rules are written, not learned (no model can be downloaded where councils
run this), and are kept apart from the index of listed people they consult.
"""

from __future__ import annotations

import re
from typing import Final

from rights.redaction.name_lists import (
    CALENDAR,
    PLACE_WORDS,
    STRONG_RELATIONS,
    WEAK_RELATIONS,
    given_names,
    is_given_name,
    is_namelike,
    ordinary_words,
    surnames,
)
from rights.redaction.people_index import NameIndex, is_listed
from rights.redaction.words import Token, sentence_start


def tail_phrase(before: str, phrases: frozenset[str]) -> bool:
    """Whether ``before`` ends (spaces, commas, colons aside) with one of ``phrases`` (one or two words)."""
    if not before:
        return False
    last = before[-1]
    if last != " " and last != "," and last != ":" and not last.isspace():
        return False  # the name must follow a space, a comma or a colon: "grandmother" does not end in "mother"
    words = before.rstrip(" \t,:")[-40:].lower().rsplit(None, 2)  # the last two words are all a phrase can be
    if not words:
        return False
    if words[-1] in phrases:
        return True
    return len(words) > 1 and f"{words[-2]} {words[-1]}" in phrases


_AFTER_CUE: Final = re.compile(
    r"^(?:'s\b|’s\b|\s+(?:said|says|told|tells|reported|reports|stated|explained|asked|shouted|texted|phoned|"
    r"disclosed|alleged|admitted|denied|agreed|refused|lives|lived|is|was|has|had|and|who)\b)",
    re.IGNORECASE,
)


_PLACE_AFTER: Final = re.compile(r"^\s+(?:" + "|".join(w.title() for w in sorted(PLACE_WORDS)) + r")\b")


def _named(folded: tuple[str, ...], index: NameIndex) -> bool:
    """Some word is a listed person's."""
    listed = index.listed_words
    for w in folded:  # noqa: SIM110 (a loop, not any() over a generator: this runs for every candidate name)
        if w in listed or ("-" in w and is_listed(w, index)):
            return True
    return False


def settled(folded: tuple[str, ...], titled: bool, initial: str | None, index: NameIndex) -> bool | None:
    """Whether these capitalised words are a person's name, from the words alone (listed, titled, on the lists):
    True or False, or None when the text around them decides (:func:`in_context`).

    Why apart: most names in a request are listed people's, written with a title or in full, and the
    words settle those; the caller remembers this answer per request and reads the text around a name
    (:func:`in_context`) only for the rest: a single listed word that is an everyday word or a month
    ("Rose", "June"), and words on no list with no title.
    """
    if _named(folded, index):
        word = folded[0]
        if len(folded) == 1 and not titled and ((word in ordinary_words() and initial is None) or word in CALENDAR):
            return None
        return True
    if " ".join(folded) in index.known_full:
        return True
    if titled or initial is not None:  # "Ms Brook", "J. Moss": a title or initial makes the next word a name
        head = folded[0]
        return head not in CALENDAR and head not in PLACE_WORDS and (head not in ordinary_words() or is_namelike(head))
    return None


def in_context(text: str, lead: Token, first: Token, words: list[Token], folded: tuple[str, ...], titled: bool,
               initial: str | None, index: NameIndex) -> bool:
    """Whether these words are a name, where :func:`settled` leaves it open: cues in the text around them decide."""
    if _named(folded, index):
        word = folded[0]
        if (len(folded) == 1 and word in ordinary_words() and not titled and initial is None
                and (first.raw.islower() or sentence_start(text, first.start))):
            # "misses rose and", not "the rose garden", "I will hope" nor "Frank discussion held"
            if _PLACE_AFTER.match(text[first.end:first.end + 20]):
                return False
            return (_cued(text, lead, first, strong=False) and not _preceded_by_article(text, first.start)
                    and not _SUBJECT_NOUN.search(text[max(0, first.start - 20):first.start]))
        if len(folded) == 1 and word in CALENDAR and not titled:  # a listed "June", but not "in June"
            return _cued(text, lead, first, strong=True) or not _date_context(text, first.start, first.end)
        return True  # a listed everyday word, capitalised inside a sentence: "with Rose and"
    ordinary = ordinary_words()
    head = folded[0]
    if head in CALENDAR:  # "June Smith" or "her friend May", not "in May"
        if len(folded) > 1 and folded[1] in surnames() and folded[1] not in CALENDAR | PLACE_WORDS:
            return True
        return _cued(text, lead, first, strong=True)
    namelike = [is_namelike(w) for w in folded]
    inside = not sentence_start(text, first.start)
    if (len(folded) > 1 and _PARTICULARS.match(text[words[-1].end:words[-1].end + 12])
            and all(w not in ordinary or is_namelike(w) for w in folded)):
        return True  # a name with particulars after it: "Zuzanna Al-Sayed (DOB ..."
    if len(folded) > 1 and inside and head not in ordinary and any(namelike[1:]):
        return True  # "and Rajesh Brook": capitalised words inside a sentence ending in a listed surname
    if not namelike[0]:  # a word on no list: a name only after a relation ("her friend Oluwaseun")
        if len(folded) > 1 and inside and all(w not in ordinary for w in folded):
            return _cued(text, lead, first, strong=False)  # "with Rajesh Wiśniewska"
        return head not in ordinary and _cued(text, lead, first, strong=True)
    if len(folded) == 1 and head in PLACE_WORDS:
        return False
    is_given = is_given_name(head)
    if head in ordinary:
        if len(folded) > 1 and namelike[1] and folded[1] not in ordinary:
            return True  # "Hope Marsden": an ordinary word followed by a surname
        if _PLACE_AFTER.match(text[words[-1].end:words[-1].end + 20]):
            return False
        return _cued(text, lead, first, strong=False) or (
            is_given and not sentence_start(text, first.start) and head in given_names()
            and not _preceded_by_article(text, first.start))
    if len(head) <= 2:
        return False
    if is_given:
        return not _PLACE_AFTER.match(text[words[-1].end:words[-1].end + 20])
    # a surname-list word alone: only inside a sentence, or with a cue
    if len(folded) > 1:
        return True
    return not sentence_start(text, first.start) and (
        _cued(text, lead, first, strong=False) or _AFTER_CUE.match(text[first.end:first.end + 12]) is not None)


_DATE_BEFORE: Final = re.compile(r"(?:\b(?:in|on|of|by|since|until|till|from|to|during|next|last|early|late|mid|"
                                 r"this|every|before|after|until|end|start|beginning)|\d(?:st|nd|rd|th)?)\s*$",
                                 re.IGNORECASE)


def _date_context(text: str, start: int, end: int) -> bool:
    """A month or day written as a date: 'in May', '3rd June', 'June 2024', 'on Friday'."""
    return _DATE_BEFORE.search(text[max(0, start - 12):start]) is not None or _DIGIT_AFTER.match(
        text[end:end + 4]) is not None


_DIGIT_AFTER: Final = re.compile(r"^\s*\d")
_ARTICLE_BEFORE: Final = re.compile(r"\b(?:the|a|an|this|that|of)\s+$", re.IGNORECASE)


def _preceded_by_article(text: str, start: int) -> bool:
    return _ARTICLE_BEFORE.search(text[max(0, start - 6):start]) is not None


# "Mum will bring her": a relation noun as the subject of the sentence makes the next word its verb
_SUBJECT_NOUN: Final = re.compile(r"(?:^|[.!?]\s+|\n)(?:mum|dad|mother|father|nan|gran|carer|she|he|they|i|we)\s+$",
                                  re.IGNORECASE)
_PARTICULARS: Final = re.compile(r"^\s*[,(]?\s*(?:dob|d\.o\.b|born|aged?|nhs|date of birth)\b", re.IGNORECASE)
_REPORTING: Final = re.compile(r"^\s+(?:said|says|told|reported|stated|explained|asked|disclosed)\b")


def _cued(text: str, lead: Token, first: Token, *, strong: bool) -> bool:
    """A cue that these words name a person: a relation before them, or a reporting verb after.

    ``strong`` asks for a relation naming a person ("her friend", "called") or a reporting verb ("said"),
    needed for months and days; otherwise weaker cues inside a sentence also count ("with Rose and").
    """
    before = text[max(0, lead.start - 30):lead.start]
    after = text[first.end:first.end + 14]
    if tail_phrase(before, STRONG_RELATIONS if strong else WEAK_RELATIONS):
        return True
    if _REPORTING.match(after) or after[:2] in ("'s", "’s") or _PARTICULARS.match(text[first.end:first.end + 12]):
        return True  # "Moss said", "Moss's NI number", "Zuzanna Al-Sayed (DOB ..."
    return not strong and not sentence_start(text, lead.start) and _AFTER_CUE.match(after) is not None


def professional_cue(before: str, after: str, index: NameIndex) -> bool:
    """A role word right before the name ("social worker Jane Doe", "SW: Jane") or after it ("(SW)")."""
    phrases, after_pattern = index.role_phrases, index.role_after
    assert after_pattern is not None
    stripped = before.rstrip(" \t,:(-–")
    last = stripped[-48:].rsplit(None, 1)
    if last and last[-1].lower() in index.role_last_words:  # a phrase ending anywhere else cannot match
        words = stripped[-48:].lower().split()
        for k in (1, 2, 3, 4):
            if len(words) >= k and " ".join(words[-k:]) in phrases:
                return True
    return role_after(after, after_pattern)


# What the role pattern after a name (people_index._role_phrases) can start with, after white space: a comma,
# a bracket, a dash, or "is" / "the" in any case (a letter outside ASCII may be a case variant: tried too).
_ROLE_AFTER_FIRST: Final = frozenset(",(-–iItT")


def role_after(after: str, pattern: re.Pattern[str]) -> bool:
    """``pattern.match(after)``, not tried when the first character after white space cannot start it
    (most names are followed by a verb or "and": a look at one character instead of a pattern call)."""
    rest = after.lstrip()  # the characters str.isspace() and the pattern's \s both skip
    if not rest or (rest[0] not in _ROLE_AFTER_FIRST and ord(rest[0]) < 128):  # isascii(), as a compiled test
        return False
    return pattern.match(after) is not None
