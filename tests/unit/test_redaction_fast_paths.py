"""The speed-ups must give the answers of the slow ways they replace."""

from __future__ import annotations

import dataclasses

import pytest

from rights.redaction.identifiers import _phone_parsed, _required_text, phone_valid
from rights.redaction.model import Kind, Proposal, Span, Whose, new_proposal, new_span


def test_fast_constructors_build_equal_frozen_objects_with_every_field() -> None:
    args = (3, 9, Kind.NAME, "name:rose", "a name", (), ("rose",), True, False, True, False)
    fast, slow = new_span(*args), Span(*args)
    assert fast == slow and hash(fast) == hash(slow)
    assert [f.name for f in dataclasses.fields(Span)] == list(vars(fast))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.start = 4  # type: ignore[misc]
    assert new_span(1, 2, Kind.EMAIL, "k", "r") == Span(1, 2, Kind.EMAIL, "k", "r")
    p = (1, 2, Kind.PHONE, "phone:+447700900123", Whose.THIRD_PARTY, True, "TP", "UK phone number")
    assert new_proposal(*p) == Proposal(*p)
    assert [f.name for f in dataclasses.fields(Proposal)] == list(vars(new_proposal(*p)))


@pytest.mark.parametrize("value", [
    "07700 900123", "07700-900-123", "+44 7700 900123", "+44 (0) 7700 900123", "+44(0)1743 351262",
    "(01743) 351262", "01743 351262", "020 7946 0000", "0300 123 4567", "0800 123 4567", "09001 234567",
    "00447700900123", "0044 7700 900123", "+44 1800 201234", "0180020 1234", "07700 90012", "+1 202 555 0100",
    "0 7700 900123", "+440 7700 900123", "call 07700 900123", "",
])
def test_phone_fast_path_agrees_with_phonenumbers(value: str) -> None:
    assert phone_valid(value) == _phone_parsed.__wrapped__(value)


@pytest.mark.parametrize(("pattern", "needed"), [
    (r"\bLCS[ :#-]?\d{6,7}\b", "LCS"), (r"\bAB?\d", "A"), (r"\bAB{2}", "A"), (r"\bAB+", "AB"),
    (r"(?i)\bLCS\d+", ""), (r"\bLCS|\bEHM", ""), (r"LCS\d+", ""),
])
def test_person_id_passes_are_skipped_only_for_text_every_match_starts_with(pattern: str, needed: str) -> None:
    assert _required_text(pattern) == needed


def test_nhs_check_digit_shortcut_agrees_with_python_stdnum() -> None:
    import random

    from rights import identifiers
    from rights.redaction.identifiers import nhs_valid

    def slow(value: str) -> bool:
        digits = identifiers.normalise_nhs_number(value)
        return digits is not None and not digits.startswith("999")

    rng = random.Random(5)
    values = ["".join(rng.choice("0123456789") for _ in range(10)) for _ in range(20_000)]
    values += [f"{v[:3]} {v[3:6]} {v[6:]}" for v in values[:2000]]
    values += [f"{v[:3]}-{v[3:6]}-{v[6:]}" for v in values[:2000]]
    values += ["0000000000", "4444444444", "9990000000", "943 476 5919", "12345", "١٢٣٤٥٦٧٨٩٠"]
    assert sum(nhs_valid(v) for v in values) > 1000  # the sample holds valid numbers, not only refusals
    assert [v for v in values if nhs_valid(v) != slow(v)] == []


def test_email_search_from_each_at_sign_finds_what_a_full_scan_finds() -> None:
    import random

    from rights.redaction.identifiers import _EMAIL, _emails

    rng = random.Random(1)
    alphabet = "ab.Z9_%+'-@ ,é中x.com"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(20_000)]
    texts += ["a@b.co @@x.com x@y@z.com é.ü@mail.org +a@b.cd .a@b.cd _a@b.cd", "a" * 500 + "@x.com"]
    assert sum(1 for t in texts for _ in _EMAIL.finditer(t)) > 100
    assert [t for t in texts if [m.span() for m in _EMAIL.finditer(t)] != [m.span() for m in _emails(t)]] == []
