"""The labelled set holds what the quality benchmark claims to measure, and its labels point at the text."""

from __future__ import annotations

from rights.redaction.evalset import generate, generate_requests
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


def test_requests_share_one_context_and_one_note_per_request_is_the_plain_set() -> None:
    requests = generate_requests(60, seed=9, per_request=25)
    assert [len(r) for r in requests] == [25, 25, 10]
    for request in requests:
        assert all(case.context is request[0].context for case in request)
        assert len({case.text for case in request}) > 1  # each note draws its own wording
    assert requests[0][0].context != requests[1][0].context
    singles = [r[0] for r in generate_requests(40, seed=9, per_request=1)]
    plain = generate(40, seed=9)
    assert [c.text for c in singles] == [c.text for c in plain]
    assert [c.mentions for c in singles] == [c.mentions for c in plain]
