"""The labelled set holds what the quality benchmark claims to measure, and its labels point at the text."""

from __future__ import annotations

from rights.redaction.evalset import generate
from rights.redaction.model import Kind, Whose


def test_labels_cover_the_required_cases() -> None:
    cases = generate(300, seed=5)
    labels = {m.label for c in cases for m in c.mentions}
    for prefix in ("subject name", "subject nickname", "mother", "partner", "sibling", "professional full",
                   "professional (unlisted)", "uncle sharing surname (unlisted)", "friend (unlisted)",
                   "neighbour (unlisted)", "other child (pasted)", "foster carer address"):
        assert any(label.startswith(prefix) for label in labels), prefix
    texts = [c.text[m.start:m.end] for c in cases for m in c.mentions if m.kind is Kind.NAME]
    for word in ("Hope", "Rose", "Will", "Summer", "Brook", "Frank", "Young", "Moss", "Bright"):
        assert any(word in t.split() for t in texts), word
    assert any("O'" in t for t in texts) and any("-" in t for t in texts)  # O'Brien, Smith-Jones
    assert any("[Pasted]" in c.text for c in cases)
    assert any(not m.listed and m.whose is Whose.THIRD_PARTY for c in cases for m in c.mentions)
    shared = [c for c in cases if any(i.name.endswith(" " + c.context.subject.family_name)
                                      for i in c.context.involved if i.role == "family_member")]
    assert shared


def test_mentions_are_inside_the_text() -> None:
    for case in generate(50, seed=6):
        for m in case.mentions:
            assert 0 <= m.start < m.end <= len(case.text)
            assert case.text[m.start:m.end].strip() == case.text[m.start:m.end]
