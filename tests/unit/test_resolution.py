"""Identity resolution across sources (rights.matching.resolve): table-driven rules, the initials rule, properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rights.matching import Outcome, resolve
from rights.sources.base import Address, Candidate, Identity

HOME = Address(("1 Oak Road",), "SY3 8HQ", current=True)
ELSEWHERE = Address(("9 Mill Street",), "SY8 1AA", current=True)
DOB = date(2012, 5, 17)
NHS = "9434765919"
OTHER_NHS = "4010232137"
A, R, V = Outcome.ACCEPT, Outcome.REJECT, Outcome.REVIEW


def person(given: str = "Amelia", family: str = "Hart", dob: date | None = DOB, **kw: object) -> Identity:
    kw.setdefault("addresses", (HOME,))
    return Identity(given_names=given, family_name=family, date_of_birth=dob, **kw)  # type: ignore[arg-type]


def c(source: str, pid: str, identity: Identity) -> Candidate:
    return Candidate(source=source, person_id=pid, identity=identity)


REQUEST = person()  # no NHS number, no previous surname
LCS = c("LCS", "100084", person(nhs_number=NHS))  # accepted on its own: name, birth date, address
OLD_SURNAME = person(family="Morgan", nhs_number=NHS)  # held under a surname the request does not give

# (case, candidates, officer decisions, expected outcome per person id)
RULES: list[tuple[str, list[Candidate], dict[tuple[str, str], str | bool], dict[str, Outcome]]] = [
    ("alone, a previous surname with an NHS number waits for review",
     [c("SEND", "S1", OLD_SURNAME)], {}, {"S1": V}),
    ("an NHS number confirmed by another source settles a previous surname",
     [LCS, c("SEND", "S1", OLD_SURNAME)], {}, {"100084": A, "S1": A}),
    ("an NHS number confirmed by another source settles an initial",
     [LCS, c("HEALTH", "H1", person("A", nhs_number=NHS))], {}, {"100084": A, "H1": A}),
    ("a surname an accepted record links to the subject counts as theirs",
     [c("LCS", "100084", person(previous_names=("Morgan",))), c("EHM", "E1", person(family="Morgan"))], {},
     {"100084": A, "E1": A}),
    ("the case system's id cross-referenced by another system settles it",
     [LCS, c("EHM", "E1", person(family="Morgan", addresses=(), other_ids=(("LCS", "100084"),)))], {},
     {"100084": A, "E1": A}),
    ("evidence chains to a fixpoint: NHS number to a record that links a surname, that surname to a third",
     [LCS, c("SEND", "S1", replace(OLD_SURNAME, addresses=(ELSEWHERE,))),
      c("RES", "R1", person(family="Morgan", addresses=(ELSEWHERE,)))], {},
     {"100084": A, "S1": A, "R1": A}),
    ("evidence never flows within a source (a record cannot vouch for its own duplicate)",
     [LCS, c("LCS", "100085", person("A", nhs_number=NHS))], {}, {"100084": A, "100085": V}),
    ("accepted records with different NHS numbers: both go to review",
     [LCS, c("HEALTH", "H1", person(nhs_number=OTHER_NHS))], {}, {"100084": V, "H1": V}),
    ("an officer's acceptance is evidence",
     [c("LCS", "100084", person(dob=date(2012, 5, 18), nhs_number=NHS)), c("SEND", "S1", OLD_SURNAME)],
     {("LCS", "100084"): "user:5"}, {"S1": A}),
    ("an officer's rejection undoes what followed from it",
     [LCS, c("SEND", "S1", OLD_SURNAME)], {("LCS", "100084"): False}, {"S1": V}),
    ("a confirmed NHS number never settles a birth date that differs outright",
     [LCS, c("HEALTH", "H1", person(dob=date(2013, 2, 3), nhs_number=NHS))], {}, {"H1": V}),
    ("a twin sharing surname, birth date and address stays rejected with all the evidence",
     [LCS, c("HEALTH", "H1", person("Ava"))], {}, {"100084": A, "H1": R}),
    ("a twin with their own NHS number under the old surname is rejected",
     [LCS, c("SEND", "S2", person("Ava", family="Morgan", nhs_number=OTHER_NHS))], {}, {"S2": R}),
    ("an initial under a surname nothing links to the subject is never accepted",
     [LCS, c("EHM", "E1", person("A", family="Morgan"))], {}, {"E1": R}),
    ("an initial that nothing corroborates goes to review",
     [c("HEALTH", "H1", person("A", nhs_number=NHS))], {}, {"H1": V}),
    ("two automatic accepts in one source both go to review",
     [LCS, c("HEALTH", "H1", person(nhs_number=NHS)), c("HEALTH", "H2", person(nhs_number=NHS))], {},
     {"100084": A, "H1": V, "H2": V}),
]


@pytest.mark.parametrize(("case", "candidates", "decisions", "expected"), RULES, ids=[r[0] for r in RULES])
def test_resolution_rules(case: str, candidates: list[Candidate], decisions: dict[tuple[str, str], str | bool],
                          expected: dict[str, Outcome]) -> None:
    results = {cand.person_id: r for cand, r in resolve(REQUEST, candidates, decisions)}
    assert {pid: results[pid].outcome for pid in expected} == expected, {
        pid: results[pid].explanation for pid in expected}


def test_explanations_name_the_system_and_record() -> None:
    results = {cand.person_id: r for cand, r in resolve(REQUEST, [LCS, c("SEND", "S1", OLD_SURNAME)])}
    assert ("evidence from another system: NHS number 943 476 5919 confirmed by LCS record 100084, "
            "accepted automatically") in results["S1"].explanation
    officer = {cand.person_id: r for cand, r in resolve(REQUEST, [LCS, c("SEND", "S1", OLD_SURNAME)],
                                                        {("LCS", "100084"): "user:5"})}
    assert any("confirmed by LCS record 100084, accepted by user:5" in line for line in officer["S1"].explanation)


# ---------------------------------------------------------------- the initials rule

INITIAL = c("HEALTH", "H1", person("A", nhs_number=NHS))
INITIALS: list[tuple[str, list[Candidate], Outcome]] = [
    ("key, exact birth date and surname, no other child: accepted", [LCS, INITIAL], A),
    ("no identifier: review", [c("LCS", "100084", person()), c("HEALTH", "H1", person("A"))], V),
    ("birth date with a slip: review", [LCS, c("HEALTH", "H1", person("A", dob=date(2012, 5, 18), nhs_number=NHS))],
     V),
    ("the same source holds a sibling with that initial: review",
     [LCS, INITIAL, c("HEALTH", "H2", person("Ava", dob=date(2014, 1, 9), addresses=(ELSEWHERE,)))], V),
    ("another source holds a sibling with that initial at the subject's address: review",
     [LCS, INITIAL, c("SEND", "S9", person("Alfie", dob=date(2010, 3, 2)))], V),
    ("another source holds a twin with that initial: review",
     [LCS, INITIAL, c("EHM", "E9", person("Ava"))], V),
    ("another child with that initial elsewhere in another source: accepted",
     [LCS, INITIAL, c("SEND", "S9", person("Alfie", dob=date(2010, 3, 2), addresses=(ELSEWHERE,)))], A),
    ("a parent with that initial is not a sibling: accepted",
     [LCS, INITIAL, c("HEALTH", "H2", person("Anne", dob=date(1984, 1, 9)))], A),
    ("another surname with that initial: accepted",
     [LCS, INITIAL, c("HEALTH", "H2", person("Ava", family="Price", dob=date(2014, 1, 9)))], A),
]


@pytest.mark.parametrize(("case", "candidates", "expected"), INITIALS, ids=[r[0] for r in INITIALS])
def test_initials_rule(case: str, candidates: list[Candidate], expected: Outcome) -> None:
    results = {cand.person_id: r for cand, r in resolve(REQUEST, candidates)}
    assert results["H1"].outcome is expected, results["H1"].explanation


# ---------------------------------------------------------------- properties

POOL = [LCS, c("SEND", "S1", OLD_SURNAME), c("HEALTH", "H1", person("A", nhs_number=NHS)),
        c("EHM", "E1", person("Ava")), c("RES", "R1", person(family="Morgan")),
        c("YOT", "Y1", person(dob=date(2012, 5, 18), nhs_number=OTHER_NHS))]


@settings(max_examples=60, deadline=None)
@given(st.permutations(POOL), st.sampled_from([{}, {("LCS", "100084"): False}, {("LCS", "100084"): "user:5"}]))
def test_the_order_sources_answer_in_changes_nothing(order: list[Candidate], decisions: dict) -> None:  # type: ignore[type-arg]
    reference = {(x.source, x.person_id): r.outcome for x, r in resolve(REQUEST, POOL, decisions)}
    assert {(x.source, x.person_id): r.outcome for x, r in resolve(REQUEST, order, decisions)} == reference


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(POOL), unique_by=lambda x: x.person_id))
def test_more_sources_never_accept_the_twin(found: list[Candidate]) -> None:
    for cand, result in resolve(REQUEST, found):
        if cand.person_id in ("E1", "Y1"):
            assert result.outcome is not Outcome.ACCEPT
