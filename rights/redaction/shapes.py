"""Where an identifier pattern can start in a note, found by substring search in the note's shape.

Why: to find where a pattern that starts with a character class (a digit, a capital) can begin, Python's
regular-expression engine tests that class at every character of the note, some twenty nanoseconds each;
the identifier passes doing so were about a third of a note's time. The shape of a note (every ASCII
digit ``0``, every capital A-Z ``A``, every other character ``.``) is made by two C calls, and a literal
such as ``.000`` (three digits after a character that is no digit) is found in it by substring search,
tens of times faster. A pattern is then tried only where one of its shape literals says a match can
start. Every match of the pattern holds one of them at its start, so the matches are exactly those of a
full pass (``tests/unit/test_redaction_fast_paths.py`` compares them over random texts).

Only for patterns compiled with ``re.ASCII``, unless the note is ASCII: any other character is ``.`` in
the shape, which is right for ASCII classes (no other character is a digit or a capital to them) and
wrong for Unicode ones (``\\d`` matches other scripts' digits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from mypy_extensions import i64

_DIGITS, _CAPITALS = b"0123456789", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TABLE: Final = bytes(ord("0") if b in _DIGITS else ord("A") if b in _CAPITALS else ord(".") for b in range(256))
_LOOSE_TABLE: Final = bytes(ord("0") if b in _DIGITS else ord("A") if b in _CAPITALS + _CAPITALS.lower() else ord(".")
                            for b in range(256))

# (literal, offset): the pattern can start ``offset`` bytes after where the literal is in the shape
Literals = Sequence[tuple[bytes, int]]


def shape_of(text: str) -> bytes:
    """``.`` (the character before the note's start, which is none) then the note's shape, one byte a
    character: any character outside ASCII is replaced by one ``?``, so offsets stay those of the text."""
    return b"." + text.encode("ascii", "replace").translate(_TABLE)


def loose_shape_of(text: str) -> bytes:
    """:func:`shape_of` with letters of either case ``A``: for patterns that ignore case (ASCII only)."""
    return b"." + text.encode("ascii", "replace").translate(_LOOSE_TABLE)


def digit_runs(shape: bytes) -> list[tuple[int, int]]:
    """Each run of ASCII digits in the text whose shape this is, as its start and end in the text, in order.

    Why: a pattern that starts at a number (an NHS number, a sort code, a house number) is tried only at
    the runs of a length it can start with, instead of a pass testing every character. One walk over the
    shape's bytes, compiled (``setup.py``): a few instructions a byte, where a method call per run to find
    the next digit costs more.
    """
    runs: list[tuple[int, int]] = []
    size: i64 = len(shape)  # machine integers, compiled: no boxing nor overflow checks per byte
    at: i64 = 1
    end: i64 = 0
    while at < size:
        if shape[at] == _ZERO:
            end = at + 1
            while end < size and shape[end] == _ZERO:
                end += 1
            runs.append((at - 1, end - 1))  # the shape is one longer than the text: its first byte is before it
            at = end
        at += 1  # after a run: the byte that ended it is no digit
    return runs


_ZERO: Final = ord("0")


def outside_ascii(text: str) -> list[int]:
    """Where ``text`` has a character outside ASCII, in order: found as the ``?`` that ASCII encoding puts in
    its place (a few per note at most; a ``?`` written in the note is left out)."""
    raw = text.encode("ascii", "replace")
    found: list[int] = []
    at = raw.find(b"?")
    while at >= 0:
        if text[at] != "?":
            found.append(at)
        at = raw.find(b"?", at + 1)
    return found


def non_ascii_decimals(text: str) -> list[int]:
    """Where ``text`` has a digit outside ASCII (what a pattern's ``\\d`` takes, not ASCII-only), in order.

    The shape cannot say: every character outside ASCII is ``.`` there.
    """
    return [at for at in outside_ascii(text) if text[at].isdecimal()]  # the pattern engine's \\d outside ASCII


def starts(shape: bytes, literals: Literals) -> list[int]:
    """Where in the text (not the shape: one less) a match can start, in order."""
    found = [at + offset - 1 for literal, offset in literals for at in occurrences(shape, literal)]
    if len(literals) > 1:
        found.sort()
    return found


def occurrences(text: str | bytes, literal: str | bytes) -> list[int]:
    """Every place ``literal`` starts in ``text`` (overlapping ones too), in order."""
    found: list[int] = []
    at = text.find(literal)  # type: ignore[arg-type]
    while at >= 0:
        found.append(at)
        at = text.find(literal, at + 1)  # type: ignore[arg-type]
    return found


def matches(pattern: re.Pattern[str], text: str, where: Sequence[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` when every match starts at one of ``where`` (in order): tried there only.

    As a full pass does, the next match is searched from the end of the last one; a pattern never
    matches empty text here, so no start is tried twice.
    """
    end = 0
    match = pattern.match
    for at in where:
        if at >= end:
            m = match(text, at)
            if m is not None:
                yield m
                end = m.end()
