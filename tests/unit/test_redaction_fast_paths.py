"""The speed-ups must give the answers of the slow ways they replace."""

from __future__ import annotations

import copy
import pickle

import pytest

from rights.redaction.identifiers import _phone_parsed, phone_valid
from rights.redaction.model import Kind, Whose
from rights.redaction.pattern_starts import required_text
from rights.redaction.spans import PROPOSAL_FIELDS, SPAN_FIELDS, Proposal, Span


def test_spans_and_proposals_are_read_only_values_with_every_field() -> None:
    args = (3, 9, Kind.NAME, "name:rose", "a name", (), ("rose",), True, False, True, False)
    span = Span(*args)
    assert span == Span(*args) and hash(span) == hash(Span(*args)) and span != Span(*args[:-1], True)
    assert tuple(getattr(span, name) for name in SPAN_FIELDS) == args == span.fields()
    assert repr(span).startswith("Span(start=3, end=9, kind=<Kind.NAME: 'name'>, key='name:rose', ")
    with pytest.raises(AttributeError):
        span.start = 4  # type: ignore[misc]
    assert Span(1, 2, Kind.EMAIL, "k", "r") == Span(1, 2, Kind.EMAIL, "k", "r", (), (), False, False, False, False)
    p = (1, 2, Kind.PHONE, "phone:+447700900123", Whose.THIRD_PARTY, True, "TP", "UK phone number")
    proposal = Proposal(*p)
    assert proposal == Proposal(*p) and hash(proposal) == hash(Proposal(*p)) and proposal != span
    assert tuple(getattr(proposal, name) for name in PROPOSAL_FIELDS) == p == proposal.fields()
    with pytest.raises(AttributeError):
        proposal.redact = False  # type: ignore[misc]
    for value in (span, proposal):
        assert pickle.loads(pickle.dumps(value)) == value and copy.copy(value) == value  # as dataclasses were


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
    assert required_text(pattern) == needed


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


def _texts(pieces: list[str], seed: int, count: int = 20_000) -> list[str]:
    """Random texts from pieces of what a pattern matches and what comes near it."""
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def test_postcodes_tried_before_an_inward_code_are_what_a_full_scan_finds() -> None:
    from rights.redaction.identifiers import _POSTCODE, _postcodes

    texts = _texts(["SY", "sy", "2", "29", " ", "  ", "9EQ", "9eq", "GIR", "0AA", "EC1A", "1", "B", "W", "x", ",",
                    "-", "Q", "A"], 2)
    texts += ["SY2 9EQ", "sy29eq", "GIR 0AA", "EC1A 1BB W1A 0AX", "xSY2 9EQ", "SY2 9EQx", "SY2 9EQ SY3 8AB",
              "M1 1AE,B33 8TH", "CR2 6XH" * 3, "DN55 1PT", "9EQ 9EQ", "A1 1AAA1 1AA", "sy2 9ſq", "SY2 9\u212aQ"]
    assert sum(1 for t in texts for _ in _POSTCODE.finditer(t)) > 200
    assert [t for t in texts
            if [m.span() for m in _POSTCODE.finditer(t)] != [m.span() for m in _postcodes(t)]] == []


def test_person_ids_tried_where_their_letters_are_written_are_what_a_full_scan_finds() -> None:
    import re

    from rights.redaction.model import DEFAULT_PERSON_ID_PATTERNS
    from rights.redaction.pattern_starts import person_ids, required_text

    texts = _texts(["LCS", "CRN", "PRN", "EHM", "L", " ", ":", "#", "-", "12", "123456", "1234567", "A", "B1234CD",
                    "x", "LC"], 3)
    texts += ["LCS 1234567", "LCS1234567LCS 123456", "xLCS 123456", "LCSLCS 123456", "CRN A123456 PRN B1234CD"]
    for _, source in DEFAULT_PERSON_ID_PATTERNS:
        pattern, needed = re.compile(source), required_text(source)
        assert needed  # the default patterns all take the fast path
        full = [[m.span() for m in pattern.finditer(t)] for t in texts]
        assert sum(map(len, full)) > 5
        assert [[m.span() for m in person_ids(pattern, needed, t)] for t in texts] == full


def test_lower_case_listed_names_are_put_in_place_once() -> None:
    from datetime import date

    from rights.redaction.model import RedactionContext
    from rights.redaction.names import index_for
    from rights.redaction.words import words_of
    from rights.sources.base import Identity, Involvement

    context = RedactionContext(subject=Identity("Willow", "Ionescu", date(2016, 11, 8)),
                               involved=(Involvement("Gemma Smith-Jones", "family_member"),))
    text = "Seen by Gemma. gemma and smith-jones came; jones too. āgemma Gemma smith"
    tokens = words_of(text, index_for(context))
    starts = [t.start for t in tokens]
    assert starts == sorted(set(starts))  # in order, one word per start
    words = {(text[t.start:t.end], t.word) for t in tokens}
    assert {("gemma", "gemma"), ("smith-jones", "smith-jones"), ("jones", "jones"), ("smith", "smith")} <= words
    assert ("Seen", "seen") in words and not any(w.startswith("gemma") and t == "āgemma" for t, w in words)


def test_words_walked_by_their_classes_are_what_the_word_pattern_finds() -> None:
    from rights.redaction.words import _WORD, _base, _classes, _walk_words

    texts = _texts(["Ann", "O'Neil", "smith-Jones", "Smith-jones", "Al-3", "A", "x", " ", "-", "'", "_", "9", "Q1",
                    "McD", ".", "Anna's", "É", "Żaneta", "Wiśniewska", "ś", "’", "O’Brien", "٣", "²", "×", "ſ",
                    "Ā", "ž", "ÿ", "?", "Þ", "-é", "Ö-ö", "\u2003", "Ω", "ǅ"], 5)
    assert len([t for t in texts if t.isascii()]) > 1000 and len([t for t in texts if not t.isascii()]) > 10_000
    # the pattern's words (without a possessive ending, as tokens keep them), and the walk's
    found = [[(m.start(), _base(m.group())[0]) for m in _WORD.finditer(t)] for t in texts]
    assert sum(map(len, found)) > 15_000
    assert [[(token.start, token.raw) for token in _walk_words(t, _classes(t))] for t in texts] == found


def test_every_character_a_word_can_start_with_is_a_letter() -> None:
    """_class_of gives the start class alone to what the pattern starts a word with: they must be letters
    (a word character, not a digit nor "_") for the walk to read them inside a word as the pattern does."""
    from rights.redaction.words import _LETTER, _UPPER, _class_of

    starts = [chr(c) for c in (*range(0xC0, 0xD7), *range(0xD8, 0xDF), *range(0x100, 0x17F))]
    assert all(ch.isalnum() and not ch.isdecimal() for ch in starts)
    assert all(_class_of(ch) == _UPPER for ch in starts) and _UPPER > _LETTER
    assert _class_of("ÿ") == _LETTER and _class_of("٣") < _LETTER and _class_of("×") < _LETTER


def test_digit_runs_are_the_runs_of_ascii_digits() -> None:
    import re

    from rights.redaction.shapes import digit_runs, shape_of

    texts = [*_texts(["1", "23", "x", " ", "٣", "é", "A", "0", "-", "\n"], 12, 5000), "", "1", "x1", "1x", "٣1٣"]
    assert [digit_runs(shape_of(t)) for t in texts] == [
        [m.span() for m in re.finditer("[0-9]+", t)] for t in texts]


def test_patterns_tried_at_the_runs_of_digits_they_start_at_are_what_a_full_scan_finds() -> None:
    from rights.redaction import identifiers as ids
    from rights.redaction import pattern_starts as ps
    from rights.redaction.shapes import digit_runs, matches, shape_of

    texts = _texts(["AB", "ab", "QQ", "G", "Z", "12", "123456", "12345678901", "1234", " ", "  ", "-", "\t", "_",
                    "C", "D", "PBY", "CT", "59", "é", "٣", "x", ".", "12-34-56", "12 34 56", "AB 12 34 56 C",
                    "CT59 PBY", "CT59", "AB1", "943 476 5919", "9434765919", "943476 5919", "943-476-5919", "0",
                    "07700 900123", "+44", "(0", "(01743) 351262", "+44 (0) 7700 900123", "01743", "2", "12a",
                    "12, ", "Oak Road", "Flat 3, ", "Unit", "Apartment", "Road", " Street", "Ab", ",", "\u2003",
                    "Hill", "x12", "١٢", "Lane, Shrewsbury", "0" * 5, "3 Oak Way"], 9, 40_000)
    texts += ["G854040260662", "xG854040260662", "YN356644D", "YN 35 66 44 D", "CT59 PBY", "CT59PBY", "é12345678",
              "-12345678", "12345678", "1234567890", "a12-34-56", "_12 34 56", "AA00A AA00 AAA", "G85404026066é",
              "12 Oak Road", "12a, Oak Road", "Flat 3, 12 Oak Road", "١٢ Oak Road", "1٢ Oak Road", "12٣ Oak Road",
              "12345 Oak Road", "12\u2003Oak Road", "x12 Oak Road", "é12 Oak Road", "Unit 4, 9 Mill Lane",
              "Apartment 2, 7 Hill Rise", "call 07700 900123", "+44 7700 900123", "(01743) 351262 or 01743 351262"]

    def starts(name: str, t: str) -> list[int]:
        shape = shape_of(t)
        runs = digit_runs(shape)
        return {"upn": lambda: ps.upn_starts(shape, runs), "nino": lambda: ps.nino_starts(shape, runs),
                "vehicle": lambda: ps.vehicle_starts(shape, runs), "account": lambda: ps.account_starts(runs),
                "sort code": lambda: ps.sort_code_starts(shape, runs), "nhs": lambda: ps.nhs_starts(runs),
                "phone": lambda: ps.phone_starts(t, shape, runs),
                "address": lambda: ps.address_starts(t, shape, runs)}[name]()

    for name, pattern in (("upn", ids._UPN), ("nino", ids._NINO), ("vehicle", ids._VEHICLE), ("account", ids._ACCOUNT),
                          ("sort code", ids._SORT_CODE), ("nhs", ids._NHS), ("phone", ids._PHONE),
                          ("address", ids._ADDRESS)):
        full = [[m.span() for m in pattern.finditer(t)] for t in texts]
        assert sum(map(len, full)) > 10, name
        assert [[m.span() for m in matches(pattern, t, starts(name, t))] for t in texts] == full, name


def test_dates_of_birth_tried_where_a_cue_starts_are_what_a_full_scan_finds() -> None:
    from rights.redaction.identifiers import _DOB, _dobs

    texts = _texts(["born", "BORN", "Born on", "dob", "DOB", "d.o.b", "D.O.B.", "do.b", "d.ob", "date of birth",
                    "Date Of  Birth", "bdob", " ", ": ", "12/03/2015", "3rd May 2016", "May 3, 2016", "is ", "İ", "x",
                    "1.2.16", "-", "born 12/03/2015", "DOB 1.2.16", "d.o.b. 3rd May 2016", "xdob 1/2/2016"], 11)
    texts += ["born 12/03/2015", "xborn 12/03/2015", "DOB: 3rd May 2016", "İ dob 1/2/2016", "reborn 1/2/2016"]
    full = [[m.span(1) for m in _DOB.finditer(t)] for t in texts]
    assert sum(map(len, full)) > 3000

    def spans(text: str, lowered: str) -> list[tuple[int, int]]:
        out: list[Span] = []
        _dobs(text, lowered, out)
        return [(s.start, s.end) for s in out]

    assert [spans(t, t.lower()) for t in texts] == [
        spans(t, t.lower() + "!") for t in texts]  # the full pass, lower() at odds


def test_role_pattern_skipped_by_its_first_character_answers_as_the_pattern() -> None:
    from rights.redaction.model import RedactionConfig
    from rights.redaction.name_rules import role_after
    from rights.redaction.people_index import _role_phrases

    _, pattern = _role_phrases(RedactionConfig().roles())
    texts = _texts([" ", "  ", "\t", "\n", "\x1c", "\u2003", ",", "(", "-", "–", "is", "IS", "Is", "the", "THE", "İs",
                    "ıs", "ſ", "said", "and", "social worker", "SW", "(SW)", "a", "teacher", "x", "é", "."], 7)
    texts += [" (SW)", ", social worker", " is the social worker", " İS a teacher", " the\tGP", "\u2003– nurse", ""]
    answers = [pattern.match(t) is not None for t in texts]
    assert sum(answers) > 50
    assert [role_after(t, pattern) for t in texts] == answers


def test_roles_written_as_a_tree_match_where_the_plain_alternatives_do() -> None:
    import re

    from rights.redaction.model import RedactionConfig
    from rights.redaction.people_index import ROLE_AFTER_NAME, _role_phrases, alternatives_tree

    # the council's roles, and some a council might add in other cases and scripts
    roles = (*RedactionConfig(police_are_professionals=True).roles(), "Key Worker", "İmam", "Straße", "SW")
    _, tree = _role_phrases(roles)
    plain = re.compile(ROLE_AFTER_NAME.format(
        roles="|".join(re.escape(r) for r in sorted(roles, key=len, reverse=True))), re.IGNORECASE)
    starts = [" ", ", ", " (", " is ", " the ", "-", " IS THE ", ",", "x"]
    texts = [starts[i % len(starts)] + t for i, t in enumerate(_texts(
        ["the ", "a ", "her ", "An ", *roles, *(r.upper() for r in roles), "s", "sw", "social", "worker", "x", " ",
         "-", "ſ", "\u212a", "'s", "guardian's", "nurses", "Dr", "imam", "i̇mam", "strasse", "STRASSE"], 13))]
    answers = [plain.match(t) is not None for t in texts]
    assert 1000 < sum(answers) < len(texts) - 1000
    assert [tree.match(t) is not None for t in texts] == answers
    assert alternatives_tree(("sw", "social worker", "sergeant", "s")) == "s(?:(?:ergeant|ocial\\ worker|w))?"
    assert alternatives_tree(("GP", "gp")) == "(?:GP|gp)"


def test_tail_phrase_answers_as_its_plain_reading() -> None:
    from rights.redaction.name_lists import STRONG_RELATIONS, WEAK_RELATIONS
    from rights.redaction.name_rules import tail_phrase

    def plain(before: str, phrases: frozenset[str]) -> bool:  # the rule as first written
        stripped = before.rstrip(" \t,:")
        if stripped == before.rstrip(" \t") and not before[-1:].isspace():
            return False
        words = stripped[-40:].lower().rsplit(None, 2)
        return bool(words) and (words[-1] in phrases or (len(words) > 1 and f"{words[-2]} {words[-1]}" in phrases))

    texts = _texts(["her ", "friend", "Friend", "mother", "grandmother", "known", " as", "spoke to", ",", ":", " ",
                    "\t", "\n", "\u2003", "x", "and", "AND", "partner", "-", ";", "İ"], 14)
    texts.append("")
    for phrases in (STRONG_RELATIONS, WEAK_RELATIONS):
        answers = [plain(t, phrases) for t in texts]
        assert 300 < sum(answers) < len(texts) - 1000
        assert [tail_phrase(t, phrases) for t in texts] == answers
