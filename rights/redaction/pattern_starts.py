"""Where an identifier pattern can start in a note, so that it is tried there only.

Why a module of its own: a pattern that starts with a character class (a digit, a capital) or a word
boundary costs a test at every character of a note when run as a full pass. These functions name the few
places it can start instead: runs of digits of a length it can start with (from the note's runs,
:func:`~rights.redaction.shapes.digit_runs`, and its shape: digits "0", capitals "A", the rest "."),
the places before an anchor every match holds (:func:`near`), or where the letters every match starts with
are written (:func:`person_ids`); :func:`~rights.redaction.shapes.matches` tries the pattern at each.
Each is a necessary condition of its pattern in :mod:`rights.redaction.identifiers` (what every match
starts with), so the matches are exactly those of a full pass:
``tests/unit/test_redaction_fast_paths.py`` compares the two over random texts. Compiled (``setup.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from rights.redaction.shapes import non_ascii_decimals, occurrences


def address_starts(text: str, shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """Where a street address can start: "Flat", "Apartment" or "Unit", or a house number: a run of at most
    four digits after no word character, followed by what the pattern needs (:func:`street_follows`).

    The pattern is not ASCII-only (its \\d takes other scripts' digits): those are added from
    :func:`~rights.redaction.shapes.non_ascii_decimals` in a note that has any character outside ASCII.
    """
    found = [start for start, end in runs
             if end - start <= 4 and shape[start] == _OTHER and street_follows(text, end)]
    if not text.isascii():
        found.extend(non_ascii_decimals(text))
    for word in ("Flat", "Apartment", "Unit"):
        if word in text:
            found.extend(occurrences(text, word))
    found.sort()
    return found


def street_follows(text: str, at: int) -> bool:
    """Whether what follows a house number's digits can go on as the address pattern needs: maybe a letter,
    maybe a comma, white space, then a capital ("12a, Oak Road"). Most numbers in a note fail here (dates,
    times, ages) without a pattern call; another script's digit after them is left to the pattern."""
    size = len(text)
    if at < size and text[at].isdecimal():
        return True
    if at < size and ("a" <= text[at] <= "z" or "A" <= text[at] <= "Z"):
        at += 1
    if at < size and text[at] == ",":
        at += 1
    if at >= size or not text[at].isspace():
        return False
    while at < size and text[at].isspace():
        at += 1
    return at < size and "A" <= text[at] <= "Z"


def phone_starts(text: str, shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """Where a phone number can start: "+44", "(0", or a run of two digits or more starting with "0" after
    no word character."""
    found = [start for start, end in runs if end - start >= 2 and text[start] == "0" and shape[start] == _OTHER]
    if "+44" in text:
        found.extend(occurrences(text, "+44"))
    if "(0" in text:
        found.extend(occurrences(text, "(0"))
    found.sort()
    return found


def nhs_starts(runs: list[tuple[int, int]]) -> list[int]:
    """An NHS number's digits up to its first space or hyphen, if any: 3 (3-3-4), 6 (6-4) or 10."""
    return [start for start, end in runs if end - start == 3 or end - start == 6 or end - start == 10]


def upn_starts(shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """A UPN: a capital, then eleven digits and a digit or a capital (a run of eleven or twelve)."""
    return [start - 1 for start, end in runs if 11 <= end - start <= 12 and shape[start] == _CAPITAL]


def nino_starts(shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """An NI number: two capitals, maybe a space, then six digits in pairs maybe spaced (a run of 2, 4 or 6)."""
    found: list[int] = []
    for start, end in runs:
        if (end - start == 2 or end - start == 4 or end - start == 6) and start >= 2:
            if shape[start] == _CAPITAL and shape[start - 1] == _CAPITAL:
                found.append(start - 2)
            elif (start >= 3 and shape[start] == _OTHER and shape[start - 1] == _CAPITAL
                  and shape[start - 2] == _CAPITAL):
                found.append(start - 3)  # a space between
    return found


def vehicle_starts(shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """A plate: two capitals, then two digits (a run of two), maybe a space, three capitals."""
    return [start - 2 for start, end in runs
            if end - start == 2 and start >= 2 and shape[start] == _CAPITAL and shape[start - 1] == _CAPITAL]


def sort_code_starts(shape: bytes, runs: list[tuple[int, int]]) -> list[int]:
    """A sort code: two digits after no word character, then two pairs after hyphens or spaces."""
    return [start for start, end in runs if end - start == 2 and shape[start] == _OTHER]


def account_starts(runs: list[tuple[int, int]]) -> list[int]:
    """An account number: eight digits, no more."""
    return [start for start, end in runs if end - start == 8]


# Bytes of the shape: shape[start] is the character before a run of digits starting at ``start``.
_OTHER: Final = ord(".")
_CAPITAL: Final = ord("A")


def near(pattern: re.Pattern[str], anchors: list[int], nearest: int, farthest: int,
          text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, trying the pattern only ``nearest`` to ``farthest`` characters before
    each of ``anchors`` (every place, in order, where the anchor matches: every match of ``pattern`` holds
    an anchor that far from its start).

    The anchors are taken in order, overlapping ones too, and the starts before each are tried in
    order, each once: the first that matches is the leftmost match, as a full pass would find it.
    """
    tried = 0  # starts before this have failed, or lie inside the last match
    after = nearest  # the next anchor worth trying is at or after this
    for at in anchors:
        if at < after:
            continue
        for start in range(max(tried, at - farthest), at - nearest + 1):
            m = pattern.match(text, start)
            if m is not None:
                yield m
                tried = m.end()
                after = tried + nearest
                break
        else:
            tried = max(tried, at - nearest + 1)
            after = at + 1


def person_ids(pattern: re.Pattern[str], needed: str, text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``; when every match starts with ``needed``, tried only where it is written.

    A pattern starting with a word boundary cannot skip ahead on its own, so a full pass tries it at every
    character; a substring search for its first letters is many times faster and finds the same starts.
    """
    if not needed:
        yield from pattern.finditer(text)
        return
    at = text.find(needed)
    while at >= 0:
        m = pattern.match(text, at)
        if m is None:
            at = text.find(needed, at + 1)
        else:  # not empty: it starts with ``needed``
            yield m
            at = text.find(needed, m.end())


@lru_cache(maxsize=64)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=64)
def required_text(pattern: str) -> str:
    """Letters every match of ``pattern`` starts with, when it plainly says so (r"\\bLCS..." -> "LCS"), or "".

    A pass over a note without them cannot match and is skipped. Only a leading ``\\b`` then letters and
    digits count, never a pattern with flags, alternatives or a quantifier on the last of them.
    """
    m = re.match(r"\\b([A-Za-z0-9]+)(.?)", pattern)
    if m is None or "|" in pattern or "(?" in pattern:
        return ""
    letters = m.group(1)
    return letters if m.group(2) not in ("?", "*", "{") else letters[:-1]
