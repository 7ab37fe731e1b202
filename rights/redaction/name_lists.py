"""The vocabulary the name rules read: titles, months and days, relation words, place words, particles,
and the bundled name lists (``rights/data/given_names.txt``, ``surnames.txt``, ``ordinary_words.txt``).

Why a module of its own: the listed-people index, the tokeniser and the cue rules all test words against
the same sets; one home keeps "a title" or "a place word" meaning one thing. Pure data and set look-ups,
nothing about a request.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from typing import Final

TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof", "rev"})
POLICE_TITLES: Final = frozenset({"pc", "dc", "ds", "di", "sgt", "insp"})
CALENDAR: Final = frozenset({
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues",
    "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "christmas", "easter",
})
# Words before a name that say it is a person's, most often a relative's or acquaintance's ("her friend").
STRONG_RELATIONS: Final = frozenset({
    "partner", "mother", "mum", "father", "dad", "stepfather", "stepmother", "step-father", "step-mother",
    "stepdad", "stepmum", "step-dad", "step-mum", "aunt", "auntie", "uncle", "friend", "called", "named",
    "sister", "brother", "half-brother", "half-sister", "cousin", "nan", "nana", "gran", "granny",
    "grandmother", "grandma", "grandad", "grandfather", "neighbour", "boyfriend", "girlfriend", "carer", "son",
    "daughter", "baby", "husband", "wife", "niece", "nephew", "classmate", "sibling", "lodger", "flatmate",
})
WEAK_RELATIONS: Final = STRONG_RELATIONS | frozenset({
    "known as", "ex", "peer", "child", "children", "spoke to", "visited", "met", "by", "with", "and", "to",
    "from", "for",
})


# Words that end a place's name, not a person's ("Brook Street", "Summer term"). Words that are also common
# surnames (Hill, Green, Wood, Hall, Park) are left out: "Lucy Green" is a person.
PLACE_WORDS: Final = frozenset({
    "street", "road", "avenue", "lane", "close", "drive", "way", "court", "cottage", "farm", "school", "academy",
    "college", "centre", "term", "holiday", "holidays", "ward", "unit", "surgery", "gardens", "primary", "nursery",
    "estate", "crescent", "grove", "terrace", "mews", "hospital", "clinic", "team", "service", "services",
    "council", "church",
})
PARTICLES: Final = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "le", "la", "al",
                              "el", "bin", "bint", "ibn", "ap", "ter", "ten", "dos", "das"})


@cache
def _word_list(name: str) -> frozenset[str]:
    text = resources.files("rights").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def given_names() -> frozenset[str]:
    return _word_list("given_names.txt")


def surnames() -> frozenset[str]:
    return _word_list("surnames.txt")


def ordinary_words() -> frozenset[str]:
    return _word_list("ordinary_words.txt")


@cache
def name_words() -> frozenset[str]:
    """The ordinary words that are also names (first section of ordinary_words.txt): Hope, Rose, Will."""
    text = resources.files("rights").joinpath("data/ordinary_words.txt").read_text(encoding="utf-8")
    section = text.split("# names that are words", 1)[1].split("\n#", 1)[0]
    return frozenset(section.split())


@lru_cache(maxsize=65536)
def is_given_name(word: str) -> bool:
    """Every part of a (hyphenated) word is on the given-name list ("mary-jane"); remembered per word."""
    names = given_names()
    return all(p in names for p in word.split("-"))


@lru_cache(maxsize=65536)
def is_namelike(word: str) -> bool:
    """In the name lists, and not an everyday word the lists happen to hold ("the", "council")."""
    ordinary, names = ordinary_words(), name_words()
    return all((p in given_names() or p in surnames()) and (p not in ordinary or p in names)
               for p in word.split("-"))
