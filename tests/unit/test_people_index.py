"""Keyed digests of name prefixes (rights.models.people_index): what is indexed and what a typed word finds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from rights import security
from rights.models.people_index import match_keys, prefixes, query_keys, search_keys
from rights.security import generate_key


@pytest.fixture(autouse=True)
def keys() -> Iterator[list[str]]:
    before = security._field_keys
    keys = [generate_key(), generate_key()]
    security.set_field_keys(keys)
    yield keys
    security._field_keys = before  # other tests in this process see the keys their runtime set


def finds(word: str, given: str, family: str) -> bool:
    stored = search_keys(given, family)
    return all(any(k in stored for k in part) for part in query_keys(word))


def test_prefixes_from_two_letters_and_whole_short_words() -> None:
    assert prefixes(["hart"]) == {"ha", "har", "hart"}
    assert prefixes(["o"]) == {"o"}
    assert max(len(p) for p in prefixes(["a" * 40])) == 20


@pytest.mark.parametrize(("word", "found"), [
    ("Hart", True), ("har", True), ("HA", True), ("amelia", True), ("Amél", True),  # case and accents folded
    ("art", False), ("harts", False), ("h", False),  # no middle fragments, no one-letter prefixes
    ("Mary-Jane", False),
])
def test_a_typed_word_finds_names_starting_with_it(word: str, found: bool) -> None:
    assert finds(word, "Amelia", "Hart") is found


def test_hyphenated_and_apostrophe_names() -> None:
    assert finds("jane", "Mary-Jane", "O'Brien") and finds("obrien", "Mary-Jane", "O'Brien")
    assert finds("O'Bri", "Mary-Jane", "O'Brien") and finds("mary-jane", "Mary-Jane", "O'Brien")


def test_digests_are_keyed_and_every_configured_key_is_tried(keys: list[str]) -> None:
    newest = search_keys("Amelia", "Hart")
    older = search_keys("Amelia", "Hart", key=security.derive(keys[1], "tokens"))
    assert newest.isdisjoint(older)
    assert all(len(part) == 2 for part in query_keys("hart"))  # one digest per configured key
    security.set_field_keys([generate_key()])
    assert newest.isdisjoint(search_keys("Amelia", "Hart"))


def test_match_key_means_same_folded_names_and_date_of_birth() -> None:
    one = match_keys("Amelia", "Hart", date(2014, 9, 2))
    assert one == match_keys(" amélia ", "HART", date(2014, 9, 2))
    assert one != match_keys("Amelia", "Hart", date(2014, 9, 3))
    assert match_keys("Amelia", "Hart", None) == []
    assert len(one) == 2 and all(len(k) == 64 for k in one)
