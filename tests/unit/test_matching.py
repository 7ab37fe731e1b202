"""Identity matching: table-driven cases for each rule and name variant, plus properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rights import identifiers
from rights.matching import (
    ACCEPT_THRESHOLD,
    ACCEPT_WEIGHT,
    REVIEW_THRESHOLD,
    Level,
    Outcome,
    are_nicknames,
    compare_addresses,
    compare_family_names,
    compare_given_names,
    dob_level,
    fold,
    guard_ambiguity,
    learn_identifiers,
    match,
    resolve,
)
from rights.sources.base import Address, Candidate, Identity

HOME = Address(("1 Oak Road", "Shrewsbury"), "SY3 8HQ", current=True)
ELSEWHERE = Address(("9 Mill Street", "Ludlow"), "SY8 1AA", current=True)
DOB = date(2012, 5, 17)
NHS = "9434765919"  # valid (NHS Digital's example number)
OTHER_NHS = "4010232137"  # valid, different
UPN = "B801200005001"  # valid check letter


def person(given: str = "Alfred", family: str = "Smith", dob: date | None = DOB, **kw: object) -> Identity:
    kw.setdefault("addresses", (HOME,))
    return Identity(given_names=given, family_name=family, date_of_birth=dob, **kw)  # type: ignore[arg-type]


def cand(identity: Identity, source: str = "social-care", person_id: str = "LCS1") -> Candidate:
    return Candidate(source=source, person_id=person_id, identity=identity)


SUBJECT = person()

# (case, subject, candidate identity, expected outcome)
CASES: list[tuple[str, Identity, Identity, Outcome]] = [
    ("everything exact", SUBJECT, person(), Outcome.ACCEPT),
    ("nickname on the request", person("Alfie"), person("Alfred James"), Outcome.ACCEPT),
    ("nickname in the source", SUBJECT, person("Alf"), Outcome.ACCEPT),
    ("previous surname on the request", person(family="Jones", previous_names=("Smith",)), person(), Outcome.ACCEPT),
    ("maiden name held by the source", SUBJECT, person(family="Jones", previous_names=("Smith",)), Outcome.ACCEPT),
    ("previous full name", person(family="Jones", previous_names=("Alfred Smith",)), person(), Outcome.ACCEPT),
    ("double-barrelled vs first part", person(family="Smith-Jones"), person(family="Smith"), Outcome.ACCEPT),
    ("double-barrelled vs second part", person(family="Smith-Jones"), person(family="Jones"), Outcome.ACCEPT),
    ("hyphen vs space", person(family="Smith-Jones"), person(family="Smith Jones"), Outcome.ACCEPT),
    ("diaeresis dropped", person("Zoë"), person("Zoe"), Outcome.ACCEPT),
    ("Polish L with stroke", person("Łukasz", "Wiśniewski"), person("Lukasz", "Wisniewski"), Outcome.ACCEPT),
    ("apostrophe and case", person(family="O'Brien"), person(family="OBRIEN"), Outcome.ACCEPT),
    ("case and whitespace", person("  alfred ", " smith"), person("ALFRED", "Smith"), Outcome.ACCEPT),
    ("exact name and birth date, family moved", SUBJECT, person(addresses=(ELSEWHERE,)), Outcome.ACCEPT),
    ("no address on the source", SUBJECT, person(addresses=()), Outcome.ACCEPT),
    ("initial only", SUBJECT, person("A"), Outcome.REVIEW),
    ("initial with full stop", SUBJECT, person("A. J."), Outcome.REVIEW),
    ("known by a middle name", person("James"), person("Alfred James"), Outcome.REVIEW),
    ("close spelling, not a known form", person("Jayden"), person("Jaden"), Outcome.REVIEW),
    ("day and month transposed", person(dob=date(2012, 5, 7)), person(dob=date(2012, 7, 5)), Outcome.REVIEW),
    ("one digit of the day wrong", SUBJECT, person(dob=date(2012, 5, 18)), Outcome.REVIEW),
    ("one digit of the year wrong", SUBJECT, person(dob=date(2013, 5, 17)), Outcome.REVIEW),
    ("adjacent digits swapped", person(dob=date(2012, 10, 13)), person(dob=date(2012, 10, 31)), Outcome.REVIEW),
    ("date of birth missing in the source", SUBJECT, person(dob=None), Outcome.REVIEW),
    ("surname differs, same address", SUBJECT, person(family="Kelly"), Outcome.REVIEW),
    ("surname differs, nothing shared", SUBJECT, person(family="Kelly", addresses=(ELSEWHERE,)), Outcome.REJECT),
    ("nickname and previous surname, moved", person("Alfie", "Jones", previous_names=("Smith",)),
     person(addresses=(ELSEWHERE,)), Outcome.REVIEW),
    ("same name, different birth date", SUBJECT, person(dob=date(2009, 11, 3)), Outcome.REJECT),
    ("same birth date, different given name", SUBJECT, person("Oliver"), Outcome.REJECT),
    ("sibling", SUBJECT, person("Jack", dob=date(2014, 9, 2)), Outcome.REJECT),
    ("twin", SUBJECT, person("Amelia"), Outcome.REJECT),
    ("father with the same name", SUBJECT, person(dob=date(1984, 2, 11)), Outcome.REJECT),
    ("stranger sharing a birthday", SUBJECT, person("Oliver", "Kelly", addresses=(ELSEWHERE,)), Outcome.REJECT),
    ("NHS numbers both valid and different", person(nhs_number=NHS), person(nhs_number=OTHER_NHS), Outcome.REVIEW),
    ("NHS number equal", person(nhs_number=NHS), person(nhs_number="943 476 5919"), Outcome.ACCEPT),
    ("NHS equal, initial only", person(nhs_number=NHS), person("A", nhs_number=NHS), Outcome.ACCEPT),
    ("NHS equal, surname changed", person(nhs_number=NHS), person(family="Kelly", nhs_number=NHS), Outcome.ACCEPT),
    ("NHS equal, birth date slip", person(nhs_number=NHS), person(dob=date(2012, 5, 18), nhs_number=NHS),
     Outcome.ACCEPT),
    ("NHS equal, birth date differs outright", person(nhs_number=NHS),
     person(dob=date(2015, 1, 30), nhs_number=NHS), Outcome.REVIEW),
    ("NHS equal, given name differs", person(nhs_number=NHS), person("Oliver", nhs_number=NHS), Outcome.REVIEW),
    ("NHS equal, name and birth date both differ", person(nhs_number=NHS),
     person("Oliver", dob=date(2015, 1, 30), nhs_number=NHS), Outcome.REJECT),
    ("NHS equal, slip and initial together", person(nhs_number=NHS),
     person("A", dob=date(2012, 5, 18), nhs_number=NHS), Outcome.REVIEW),
    ("NHS equal but fails its check", person(nhs_number="9434765918"), person("A", nhs_number="9434765918"),
     Outcome.REVIEW),
    ("UPN equal", person(upn=UPN), person("A", upn=UPN.lower()), Outcome.ACCEPT),
    ("UPN equal, NHS conflicting", person(upn=UPN, nhs_number=NHS), person(upn=UPN, nhs_number=OTHER_NHS),
     Outcome.REVIEW),
    ("other id equal", person(other_ids=(("LCS", "123456"),)), person("A", other_ids=(("lcs", "123456"),)),
     Outcome.ACCEPT),
]


@pytest.mark.parametrize(("subject", "other", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_outcome_table(subject: Identity, other: Identity, expected: Outcome) -> None:
    result = match(subject, cand(other))
    assert result.outcome is expected, "\n".join(result.explanation)
    assert 0.0 <= result.score <= 1.0
    for field in ("given name:", "family name:", "date of birth:", "address:"):
        assert any(line.startswith(field) for line in result.explanation), field
    assert result.explanation[-1].split(":")[0] in {"accept", "reject", "officer review"}


def test_every_comparison_line_states_its_contribution() -> None:
    result = match(person("Alfie", nhs_number=NHS), cand(person("Alfred", nhs_number=NHS)))
    comparison_lines = [line for line in result.explanation if line.split(":")[0] in
                        {"given name", "family name", "date of birth", "address", "NHS number"}]
    assert len(comparison_lines) == 5
    assert all(line.rstrip().endswith(")") and ("(+" in line or "(-" in line) for line in comparison_lines)
    assert any("known short form" in line for line in result.explanation)


@pytest.mark.parametrize(("subject", "other", "key"), [
    (person(nhs_number=NHS), person(nhs_number=NHS), "nhs_number"),
    (person(upn=UPN), person(upn=UPN), "upn"),
    (person(nhs_number="9434765918"), person(nhs_number="9434765918"), None),  # invalid: not a key
    (person(nhs_number=NHS), person(nhs_number=OTHER_NHS), None),
])
def test_deterministic_keys(subject: Identity, other: Identity, key: str | None) -> None:
    assert match(subject, cand(other)).deterministic_key == key


def test_confirmed_person_id_is_a_key_but_not_against_a_birth_date() -> None:
    confirmed = {"social-care": "LCS1"}
    ok = match(SUBJECT, cand(person("A", family="Kelly")), confirmed)
    assert (ok.outcome, ok.deterministic_key) == (Outcome.ACCEPT, "confirmed_person_id")
    wrong_dob = match(SUBJECT, cand(person(dob=date(2001, 1, 1))), confirmed)
    assert wrong_dob.outcome is Outcome.REVIEW
    other_id = match(SUBJECT, cand(person("A"), person_id="LCS2"), confirmed)
    assert other_id.deterministic_key is None and other_id.outcome is Outcome.REVIEW


def test_sibling_rejection_says_so() -> None:
    result = match(SUBJECT, cand(person("Jack", dob=date(2014, 9, 2))))
    assert "sibling" in result.explanation[-1]


def test_wrong_nhs_number_from_requester_does_not_pull_in_another_child() -> None:
    """A parent types the brother's NHS number: the brother is not accepted, the subject goes to review."""
    subject = person(nhs_number=NHS)
    brother = match(subject, cand(person("Jack", dob=date(2014, 9, 2), nhs_number=NHS), person_id="LCS2"))
    assert brother.outcome is Outcome.REJECT
    himself = match(subject, cand(person(nhs_number=OTHER_NHS)))
    assert himself.outcome is Outcome.REVIEW


def test_an_identifier_nothing_corroborates_goes_to_review() -> None:
    """A source answering to a prison or case number alone (no name, no birth date) is never taken unseen."""
    subject = person(other_ids=(("prn", "A1234BC"),))
    bare = Identity(given_names="", family_name="", date_of_birth=None, other_ids=(("prn", "A1234BC"),))
    result = match(subject, cand(bare, source="prison-sar", person_id="A1234BC"))
    assert result.deterministic_key == "id:prn"
    assert result.outcome is Outcome.REVIEW
    assert "corroborate" in result.explanation[-1]
    named = Identity(given_names="Alfred", family_name="Smith", date_of_birth=DOB, other_ids=(("prn", "A1234BC"),))
    assert match(subject, cand(named, source="prison-sar", person_id="A1234BC")).outcome is Outcome.ACCEPT


def test_two_accepts_in_one_source_both_go_to_review() -> None:
    """Same name and birth date, no identifiers: the data cannot tell the two apart, so an officer must."""
    first = match(SUBJECT, cand(person(), person_id="LCS1"))
    second = match(SUBJECT, cand(person(addresses=(ELSEWHERE,)), person_id="LCS9"))
    third = match(SUBJECT, cand(person("Jack", dob=date(2014, 9, 2)), person_id="LCS2"))
    assert first.outcome is Outcome.ACCEPT
    assert second.outcome is Outcome.ACCEPT
    guarded = guard_ambiguity([first, second, third])
    assert [r.outcome for r in guarded] == [Outcome.REVIEW, Outcome.REVIEW, third.outcome]
    assert "2 people in this source" in guarded[0].explanation[-1]
    assert guard_ambiguity([first, third]) == [first, third]


def test_invalid_identifiers_are_reported_not_used() -> None:
    result = match(person(nhs_number="123 456 7890"), cand(person()))
    assert any("fails its check" in line for line in result.explanation)
    assert result.deterministic_key is None


def test_thresholds_are_consistent() -> None:
    assert REVIEW_THRESHOLD < ACCEPT_THRESHOLD < 1
    accepted = match(SUBJECT, cand(person(addresses=(ELSEWHERE,))))
    assert accepted.weight >= ACCEPT_WEIGHT and accepted.score >= ACCEPT_THRESHOLD


# ---------------------------------------------------------------- comparisons


@pytest.mark.parametrize(("a", "b", "level"), [
    (DOB, DOB, Level.EXACT),
    (date(2012, 5, 7), date(2012, 7, 5), Level.TRANSPOSED),
    (DOB, date(2012, 5, 18), Level.TYPO),
    (DOB, date(2012, 6, 17), Level.TYPO),
    (DOB, date(2021, 5, 17), Level.TYPO),  # adjacent year digits swapped
    (date(2012, 10, 13), date(2012, 10, 31), Level.TYPO),  # adjacent day digits swapped
    (DOB, date(2014, 9, 2), Level.DIFFERENT),
    (DOB, None, Level.MISSING),
])
def test_dob_levels(a: date, b: date | None, level: Level) -> None:
    assert dob_level(a, b) is level


@pytest.mark.parametrize(("a", "b", "level"), [
    ("William", "Bill", Level.NICKNAME),
    ("Elizabeth", "Liz", Level.NICKNAME),
    ("Alfred", "Alfie", Level.NICKNAME),
    ("Katherine", "Kate", Level.NICKNAME),
    ("John", "Jack", Level.NICKNAME),
    ("Madison", "Maddie", Level.NICKNAME),
    ("Bill", "Billy", Level.NICKNAME),
    ("Alex", "Alexandra", Level.NICKNAME),
    ("Alexander", "Alexandra", Level.SPELLING),  # a shared short form does not make them one name: review at best
    ("Mary-Jane", "Maryjane", Level.EXACT),
    ("J", "Jack", Level.INITIAL),
    ("J", "Kate", Level.DIFFERENT),
    ("Katherine", "Catherine", Level.SPELLING),
    ("Jack Oliver", "Oliver", Level.MIDDLE_NAME),
    ("Ella", "Ruby", Level.DIFFERENT),
    ("", "Ruby", Level.MISSING),
])
def test_given_name_levels(a: str, b: str, level: Level) -> None:
    assert compare_given_names(person(a), person(b)).level is level
    assert compare_given_names(person(b), person(a)).level is level


def test_previous_given_name_counts() -> None:
    renamed = person("Grace", previous_names=("Kayleigh Smith",))
    assert compare_given_names(renamed, person("Kayleigh")).level is Level.PREVIOUS


@pytest.mark.parametrize(("a", "b", "level"), [
    (person(family="Smith"), person(family="SMITH"), Level.EXACT),
    (person(family="Smith-Jones"), person(family="Jones"), Level.HYPHEN_PART),
    (person(family="Van der Berg"), person(family="Van Houten"), Level.DIFFERENT),  # particles are not parts
    (person(family="Kelly", previous_names=("Smith",)), person(family="Smith"), Level.PREVIOUS),
    (person(family="Kelly", previous_names=("Smith-Jones",)), person(family="Jones"), Level.PREVIOUS),
    (person(family="Macdonald"), person(family="McDonald"), Level.SPELLING),
    (person(family="Smith"), person(family="Kelly"), Level.DIFFERENT),
])
def test_family_name_levels(a: Identity, b: Identity, level: Level) -> None:
    assert compare_family_names(a, b).level is level
    assert compare_family_names(b, a).level is level


@pytest.mark.parametrize(("a", "b", "level"), [
    ((HOME,), (Address((), "sy38hq"),), Level.SHARED),
    ((HOME, replace(ELSEWHERE, current=False)), (ELSEWHERE,), Level.SHARED),  # previous address overlaps
    ((HOME,), (Address(("1 Oak Road",), None),), Level.SHARED),  # by first line
    ((HOME,), (Address((), "SY3 1AB"),), Level.SAME_DISTRICT),
    ((HOME,), (ELSEWHERE,), Level.DIFFERENT),
    ((HOME,), (), Level.MISSING),
])
def test_address_levels(a: tuple[Address, ...], b: tuple[Address, ...], level: Level) -> None:
    assert compare_addresses(person(addresses=a), person(addresses=b)).level is level


@pytest.mark.parametrize(("raw", "folded"), [
    ("Zoë", "zoe"), ("Łukasz", "lukasz"), ("O'Brien", "obrien"), ("  Mary   Jane ", "mary jane"),
    ("J.R.", "j r"), ("Søren", "soren"), ("Renée", "renee"), ("Wiśniewska", "wisniewska"),
])
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_nicknames_are_not_transitive_and_not_reflexive() -> None:
    assert are_nicknames("alex", "alexander") and are_nicknames("alex", "alexandra")
    assert not are_nicknames("alexander", "alexandra")
    assert not are_nicknames("william", "william")


# ---------------------------------------------------------------- across sources


def test_resolve_learns_the_nhs_number_from_an_accepted_record() -> None:
    subject = person()  # the request has no NHS number
    case_system = cand(person(nhs_number=NHS), source="social-care", person_id="LCS1")
    health_initial = cand(person("A", nhs_number=NHS), source="health", person_id="OHC1")
    assert match(subject, health_initial).outcome is Outcome.REVIEW
    results = {c.person_id: r for c, r in resolve(subject, [case_system, health_initial])}
    assert results["LCS1"].outcome is Outcome.ACCEPT
    assert results["OHC1"].outcome is Outcome.ACCEPT
    assert ("evidence from another system: NHS number 943 476 5919 confirmed by social-care record LCS1, "
            "accepted automatically") in results["OHC1"].explanation


def test_an_initial_is_held_when_another_child_has_that_initial_and_surname() -> None:
    case_system = cand(person(nhs_number=NHS), source="social-care", person_id="LCS1")
    health_initial = cand(person("A", nhs_number=NHS), source="health", person_id="OHC1")
    health_twin = cand(person("A", nhs_number=OTHER_NHS), source="health", person_id="OHC2")
    results = {c.person_id: r for c, r in resolve(person(), [case_system, health_initial, health_twin])}
    assert results["OHC1"].outcome is Outcome.REVIEW
    assert "another child with that initial and surname" in results["OHC1"].explanation[-1]
    assert results["OHC2"].outcome is not Outcome.ACCEPT


def test_learn_identifiers_needs_agreement() -> None:
    a = cand(person(nhs_number=NHS), person_id="1")
    b = cand(person(nhs_number=OTHER_NHS), source="health", person_id="2")
    disagree = learn_identifiers(person(), [a, b])
    assert disagree.identity.nhs_number is None and disagree.conflicts
    agree = learn_identifiers(person(), [a, cand(person(nhs_number=None), person_id="3")])
    assert agree.identity.nhs_number == NHS and [e.kind for e in agree.evidence].count("NHS number") == 1
    assert learn_identifiers(person(nhs_number=OTHER_NHS), [a]).identity.nhs_number == OTHER_NHS


# ---------------------------------------------------------------- identifiers


@pytest.mark.parametrize(("value", "valid"), [
    ("9434765919", True), ("943 476 5919", True), ("943-476-5919", True), ("9434765918", False),
    ("943476591", False), ("0000000000", False), ("94347659l9", False), ("", False), (None, False),
])
def test_nhs_number_valid(value: str | None, valid: bool) -> None:
    assert identifiers.nhs_number_valid(value) is valid


@pytest.mark.parametrize(("value", "valid"), [
    ("B801200005001", True), ("b801 2000 05001", True), ("A801200005001", False), ("B80120000500", False),
    ("I801200005001", False), ("X80120000A001", False),
])
def test_upn_valid(value: str, valid: bool) -> None:
    assert identifiers.upn_valid(value) is valid


@pytest.mark.parametrize(("value", "normal"), [
    ("sy38hq", "SY3 8HQ"), (" SY3  8HQ ", "SY3 8HQ"), ("ec1a1bb", "EC1A 1BB"), ("W1A 1AA", "W1A 1AA"),
    ("M1 1AE", "M1 1AE"), ("12345", None), ("SY3", None), ("", None),
])
def test_normalise_postcode(value: str, normal: str | None) -> None:
    assert identifiers.normalise_postcode(value) == normal


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_error_breaks_an_nhs_number(first: str, position: int, delta: int) -> None:
    check = identifiers.nhs_check_digit(first)
    assume(check is not None and len(set(first + str(check))) > 1)
    number = first + str(check)
    assert identifiers.nhs_number_valid(number)
    wrong = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert not identifiers.nhs_number_valid(wrong)


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(st.text(alphabet="0123456789", min_size=11, max_size=11), st.integers(1, 11), st.integers(1, 9))
def test_any_single_digit_error_breaks_a_upn(body: str, position: int, delta: int) -> None:
    upn = identifiers.upn_check_letter(body + "0") + body + "0"
    assert identifiers.upn_valid(upn)
    wrong = upn[:position] + str((int(upn[position]) + delta) % 10) + upn[position + 1:]
    assert not identifiers.upn_valid(wrong)


# ---------------------------------------------------------------- properties

NAMES = st.sampled_from(["Oliver", "Amelia", "Zoë", "Łukasz", "Mary-Jane", "Jack", "Isla", "Noah", "Harriet",
                         "Theo", "Renée", "Aoife", "Muhammad", "Freya", "Jayden"])
SURNAMES = st.sampled_from(["Smith", "O'Brien", "Smith-Jones", "Wiśniewska", "Van der Berg", "Khan", "Hughes"])
DATES = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 12, 31))
POSTCODES = st.sampled_from(["SY3 8HQ", "SY8 1AA", "TF1 2AX", None])
NAME_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "Zs", "Pd", "Po", "Mn")), max_size=20)


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    postcode = draw(POSTCODES)
    return Identity(
        given_names=draw(NAMES), family_name=draw(SURNAMES), date_of_birth=draw(DATES),
        previous_names=tuple(draw(st.lists(SURNAMES, max_size=1))),
        addresses=(Address(("1 High Street",), postcode, current=True),) if postcode else (),
        nhs_number=draw(st.sampled_from([None, NHS])),
    )


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(identities(), st.integers(2005, 2025))
def test_changing_the_birth_year_of_an_accepted_candidate_never_accepts(subject: Identity, year: int) -> None:
    assert subject.date_of_birth is not None
    unkeyed = replace(subject, nhs_number=None)
    assume(match(unkeyed, cand(unkeyed)).outcome is Outcome.ACCEPT)
    born = subject.date_of_birth
    assume(year != born.year)
    moved = born.replace(year=year, day=min(born.day, 28))
    assume(moved != born)
    assert match(unkeyed, cand(replace(unkeyed, date_of_birth=moved))).outcome is not Outcome.ACCEPT
    # With an NHS number on both sides, a change beyond a typing slip is still never accepted.
    keyed = replace(subject, nhs_number=NHS)
    if dob_level(born, moved) is Level.DIFFERENT:
        assert match(keyed, cand(replace(keyed, date_of_birth=moved))).outcome is not Outcome.ACCEPT


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(identities(), NAMES)
def test_a_different_given_name_is_never_accepted(subject: Identity, other_name: str) -> None:
    level = compare_given_names(subject, replace(subject, given_names=other_name)).level
    assume(level is Level.DIFFERENT)
    for s in (subject, replace(subject, nhs_number=None)):
        assert match(s, cand(replace(s, given_names=other_name))).outcome is not Outcome.ACCEPT


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(identities(), identities())
def test_name_and_date_comparisons_are_symmetric(a: Identity, b: Identity) -> None:
    assert compare_given_names(a, b).level is compare_given_names(b, a).level
    assert compare_family_names(a, b).level is compare_family_names(b, a).level
    assert dob_level(a.date_of_birth, b.date_of_birth) is dob_level(b.date_of_birth, a.date_of_birth)
    assert compare_addresses(a, b).level is compare_addresses(b, a).level


@settings(deadline=None)  # timing is not under test; CI machines vary
@given(identities(), identities())
def test_sharing_an_address_never_lowers_the_outcome(a: Identity, b: Identity) -> None:
    rank = {Outcome.REJECT: 0, Outcome.REVIEW: 1, Outcome.ACCEPT: 2}
    before = match(a, cand(b)).outcome
    shared = Address(("77 Castle Gates",), "SY1 2AQ", current=True)
    after = match(replace(a, addresses=(*a.addresses, shared)), cand(replace(b, addresses=(*b.addresses, shared))))
    assert rank[after.outcome] >= rank[before]


@settings(max_examples=200, deadline=None)
@given(NAME_TEXT, NAME_TEXT, NAME_TEXT, NAME_TEXT)
def test_match_never_fails_on_odd_names(g1: str, f1: str, g2: str, f2: str) -> None:
    result = match(person(g1, f1, previous_names=(f2,)), cand(person(g2, f2, previous_names=(g1,))))
    assert result.outcome in set(Outcome)
    assert 0.0 <= result.score <= 1.0
    assert fold(fold(g1)) == fold(g1)
