"""Applying decided redactions: the output carries a code box, never the characters it replaces.

The box is the same whatever it hides (``[TP]`` for one letter or a paragraph), so its length reveals
nothing; overlapping or touching redactions, or ones separated only by spaces, become one box so the
number of boxes does not count the words of a name either. The PDF renderer and every export consume
:func:`segments`; :func:`redact_text` is the plain-text form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rights.redaction.codes import CODES, check_code

_ORDER = {code: i for i, code in enumerate(CODES)}


@dataclass(frozen=True)
class Redaction:
    """A decided redaction: characters start..end of the original text, removed under ``code``."""

    start: int
    end: int
    code: str


@dataclass(frozen=True)
class Segment:
    """A piece of output: plain text (``code`` None) or a box (``text`` None, ``code`` like 'TP' or 'TP, CRIME')."""

    text: str | None
    code: str | None

    @property
    def rendered(self) -> str:
        return self.text if self.code is None else f"[{self.code}]"  # type: ignore[return-value]


def _merged(text: str, redactions: Iterable[Redaction]) -> list[tuple[int, int, tuple[str, ...]]]:
    spans = sorted((max(0, r.start), min(len(text), r.end), check_code(r.code)) for r in redactions
                   if r.end > r.start)
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, code in spans:
        if merged:
            last_start, last_end, codes = merged[-1]
            if start <= last_end or text[last_end:start].strip() == "":
                merged[-1] = (last_start, max(last_end, end), codes | {code})
                continue
        merged.append((start, end, {code}))
    return [(s, e, tuple(sorted(c, key=_ORDER.__getitem__))) for s, e, c in merged]


def segments(text: str, redactions: Iterable[Redaction]) -> list[Segment]:
    """The text cut into plain pieces and code boxes, in order; no box holds any original character."""
    out: list[Segment] = []
    pos = 0
    for start, end, codes in _merged(text, redactions):
        if start > pos:
            out.append(Segment(text[pos:start], None))
        out.append(Segment(None, ", ".join(codes)))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:], None))
    return out


def redact_text(text: str, redactions: Iterable[Redaction]) -> str:
    """The text as disclosed: every redaction replaced by its code box, e.g. 'seen by [TP] at home'."""
    return "".join(s.rendered for s in segments(text, redactions))
