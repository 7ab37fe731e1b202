"""Applying redactions: code boxes only, no original characters, no length leaked, spans merged."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rights.redaction import CODES, Redaction, RedactionContext, Segment, check_code, propose, redact_text, segments
from rights.redaction.evalset import generate
from rights.sources.base import Identity, Involvement


@pytest.mark.parametrize(("text", "redactions", "expected"), [
    ("seen by Sarah at home", [Redaction(8, 13, "TP")], "seen by [TP] at home"),
    ("Sarah Nowak came", [Redaction(0, 5, "TP"), Redaction(6, 11, "TP")], "[TP] came"),  # space-separated: one box
    ("Sarah Nowak came", [Redaction(0, 8, "TP"), Redaction(4, 11, "TP")], "[TP] came"),  # overlapping
    ("abcdef", [Redaction(0, 3, "TP"), Redaction(3, 6, "TP")], "[TP]"),  # adjacent
    ("a, b", [Redaction(0, 1, "TP"), Redaction(3, 4, "TP")], "[TP], [TP]"),  # punctuation between: two boxes
    ("x secret y", [Redaction(2, 8, "CRIME"), Redaction(4, 8, "TP")], "x [TP, CRIME] y"),  # codes in table order
    ("no redactions", [], "no redactions"),
])
def test_redact_text(text: str, redactions: list[Redaction], expected: str) -> None:
    assert redact_text(text, redactions) == expected


def test_box_does_not_reveal_length() -> None:
    short = redact_text("name: Al.", [Redaction(6, 8, "TP")])
    long = redact_text("name: Bartholomew-Featherstonehaugh.", [Redaction(6, 35, "TP")])
    assert short == long == "name: [TP]."


def test_segments_for_the_pdf_renderer() -> None:
    assert segments("seen by Sarah at home", [Redaction(8, 13, "TP")]) == [
        Segment("seen by ", None), Segment(None, "TP"), Segment(" at home", None)]


def test_unknown_code_is_refused_with_one_line() -> None:
    with pytest.raises(ValueError, match="unknown exemption code 'XX'; use one of: TP, CRIME"):
        redact_text("abc", [Redaction(0, 1, "XX")])
    assert check_code("SWHARM") == "SWHARM"
    assert list(CODES)[:3] == ["TP", "CRIME", "CA89"]


@given(st.text(min_size=1, max_size=200), st.data())
def test_no_redacted_character_survives(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=6))
    redactions = [Redaction(min(a, b), max(a, b), "TP") for a, b in cuts]
    parts = segments(text, redactions)
    hidden = {i for r in redactions for i in range(r.start, r.end)}
    # Where the boxes must be, by the documented rule (overlapping, touching or only whitespace between:
    # one box). Searching the text for each plain part cannot say where it came from ("00" with the first
    # "0" hidden), so the plain parts are compared with the text between these boxes instead.
    boxes: list[list[int]] = []
    for start, end in sorted((r.start, r.end) for r in redactions if r.end > r.start):
        if boxes and (start <= boxes[-1][1] or text[boxes[-1][1]:start].strip() == ""):
            boxes[-1][1] = max(boxes[-1][1], end)
        else:
            boxes.append([start, end])
    assert all(any(s <= i < e for s, e in boxes) for i in hidden)
    expected: list[str | None] = []
    pos = 0
    for start, end in boxes:
        expected += [text[pos:start]] if start > pos else []
        expected.append(None)
        pos = end
    expected += [text[pos:]] if pos < len(text) else []
    assert [part.text for part in parts] == expected  # plain parts: exactly the characters outside the boxes
    assert all((part.text is None) == (part.code is not None) for part in parts)


def test_no_third_party_string_survives_in_disclosed_notes() -> None:
    """End to end on generated notes: a redacted string survives only where it was also left in on purpose.

    (A surname redacted in one place may stand, kept, inside a professional's name elsewhere.)
    """
    for case in generate(60, seed=3):
        proposals = [p for p in propose(case.text, case.context) if p.redact]
        disclosed = redact_text(case.text, [Redaction(p.start, p.end, p.code or "TP") for p in proposals])
        masked = list(case.text)
        for p in proposals:
            masked[p.start:p.end] = ["\0"] * (p.end - p.start)
        kept_text = "".join(masked)
        for p in proposals:
            secret = case.text[p.start:p.end]
            if len(secret) >= 4 and secret not in kept_text:
                assert secret not in disclosed, secret


def test_listed_people_absent_after_applying() -> None:
    subject = Identity("Amelia", "Smith", date(2014, 1, 2))
    involved = (Involvement("Piotr Nowak", "family_member", "Partner", "P1", "4 Elm Close"),)
    text = "PIOTR NOWAK (piotr) rang from 4 Elm Close; Nowak's car outside. Amelia fine."
    proposals = propose(text, RedactionContext(subject, involved, involved))
    out = redact_text(text, [Redaction(p.start, p.end, p.code) for p in proposals if p.redact and p.code])
    assert "nowak" not in out.lower() and "piotr" not in out.lower() and "elm close" not in out.lower()
    assert "Amelia fine." in out
