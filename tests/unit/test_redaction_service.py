"""The pure parts of wiring redaction in: the person key, finding an officer's words, cutting a record's
text into highlighted pieces, and the workflow guard that every gathered record is decided."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from rights.redaction.decisions import occurrences
from rights.redaction.review import Item, pieces
from rights.redaction.service import person_key
from rights.vocabulary import RequestKind
from rights.workflow import Facts, WorkflowError, fire, records_decided


def test_person_key_is_stable_per_request_and_hides_the_key() -> None:
    key = person_key("secret", 7, "person:P2")
    assert key == person_key("secret", 7, "person:P2") and len(key) == 64 and "P2" not in key
    assert key != person_key("secret", 8, "person:P2")  # another request: another key
    assert key != person_key("other secret", 7, "person:P2")
    assert key != person_key("secret", 7, "person:P3")


@pytest.mark.parametrize(("text", "words", "found"), [
    ("Kyle Brook and kyle  brook", "Kyle Brook", [(0, 10), (15, 26)]),  # case and spaces ignored
    ("the blue van, the blue\nvan", "blue van", [(4, 12), (18, 26)]),
    ("a+b (c)", "a+b (c)", [(0, 7)]),  # punctuation taken literally
    ("nothing here", "absent", []),
    ("text", "   ", []),
])
def test_officer_words_are_found_wherever_they_occur(text: str, words: str, found: list[tuple[int, int]]) -> None:
    assert occurrences(text, words) == found


def item(number: int, start: int, end: int, status: str = "proposed") -> Item:
    return Item(number, SimpleNamespace(start=start, end=end, status=status), "", 1)  # type: ignore[arg-type]


def test_pieces_cut_the_text_at_every_edge_and_name_the_covering_redactions() -> None:
    text = "at 14 Elm Road, Leeds today"
    cut = pieces(text, [item(1, 3, 14, "accepted"), item(2, 3, 21)])
    assert "".join(p.text for p in cut) == text
    assert [(p.text, p.numbers, p.status) for p in cut] == [
        ("at ", (), None), ("14 Elm Road", (1, 2), "accepted"), (", Leeds", (2,), "proposed"), (" today", (), None)]
    assert pieces("plain", []) == [pieces("plain", [])[0]] and pieces("plain", [])[0].text == "plain"


def facts(undecided: int) -> Facts:
    return Facts(kind=RequestKind.ACCESS, status="review", role="officer", received_on=date(2026, 3, 2),
                 today=date(2026, 3, 10), records_undecided=undecided, id_verified=True,
                 version_ready=True)  # identity: not tested here


@pytest.mark.parametrize(("undecided", "message"), [
    (0, None),
    (1, "1 gathered record is not decided yet: review the redactions first."),
    (4, "4 gathered records are not decided yet: review the redactions first."),
])
def test_every_record_decided_guard(undecided: int, message: str | None) -> None:
    assert records_decided(facts(undecided)) == message


def test_sending_for_approval_needs_every_record_decided() -> None:
    with pytest.raises(WorkflowError, match="2 gathered records are not decided yet"):
        fire("submit_for_approval", facts(2))
    assert fire("submit_for_approval", facts(0)).to_status == "awaiting_approval"
