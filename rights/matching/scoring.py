"""The vocabulary of a match: outcomes, comparison levels, their weights in bits, and the result type.

The weights are judgement, not estimates (see :mod:`rights.matching`); every one is named here so the
explanation an officer reads can cite it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum


class Outcome(StrEnum):
    ACCEPT = "accept"  # the subject: records attached without an officer
    REVIEW = "review"  # plausible but uncertain: an officer decides on the case page
    REJECT = "reject"  # not the subject


class Level(StrEnum):
    """How two values compare; the same vocabulary for every field."""

    EXACT = "exact"
    NICKNAME = "nickname"  # a known short form: Bill ~ William
    PREVIOUS = "previous name"  # agrees with a previous (maiden, birth) name on either side
    HYPHEN_PART = "part of a double name"  # Smith ~ Smith-Jones
    MIDDLE_NAME = "another given name"  # known by a middle name
    INITIAL = "initial"  # J ~ Jack
    SPELLING = "spelling variant"  # close spelling, not a known form
    TRANSPOSED = "day and month swapped"
    TYPO = "one digit different"
    SHARED = "shared address"
    SAME_DISTRICT = "same postcode district"
    KEY = "identifier equal"
    CONFLICT = "identifier differs"
    MISSING = "missing"
    DIFFERENT = "different"


# Weights in bits (log2 of how much likelier the level is for the same person than for different
# people), set by judgement from how children's records are kept; see the module docstring.
PRIOR_WEIGHT = -8.0  # a search by surname or date of birth returns mostly other people
GIVEN_NAME_WEIGHTS: Mapping[Level, float] = {
    Level.EXACT: 5.0, Level.NICKNAME: 4.0, Level.PREVIOUS: 4.0, Level.SPELLING: 2.5, Level.MIDDLE_NAME: 2.0,
    Level.INITIAL: 1.5, Level.MISSING: 0.0, Level.DIFFERENT: -6.0,
}
FAMILY_NAME_WEIGHTS: Mapping[Level, float] = {
    Level.EXACT: 4.5, Level.PREVIOUS: 3.5, Level.HYPHEN_PART: 3.5, Level.SPELLING: 2.0, Level.MISSING: 0.0,
    Level.DIFFERENT: -4.0,
}
DOB_WEIGHTS: Mapping[Level, float] = {
    Level.EXACT: 6.5, Level.TRANSPOSED: 2.0, Level.TYPO: 1.5, Level.MISSING: 0.0, Level.DIFFERENT: -8.0,
}
ADDRESS_WEIGHTS: Mapping[Level, float] = {
    Level.SHARED: 2.5, Level.SAME_DISTRICT: 0.5, Level.MISSING: 0.0, Level.DIFFERENT: -1.0,
}
NHS_WEIGHTS: Mapping[Level, float] = {Level.KEY: 14.0, Level.CONFLICT: -10.0}
UPN_WEIGHTS: Mapping[Level, float] = {Level.KEY: 12.0, Level.CONFLICT: -5.0}
OTHER_ID_WEIGHTS: Mapping[Level, float] = {Level.KEY: 10.0, Level.CONFLICT: -3.0}
CONFIRMED_WEIGHT = 14.0

ACCEPT_WEIGHT = 6.0
"""Match weight (bits) at or above which a candidate with no rule against it is accepted.

Reached by full name and exact date of birth even when the addresses disagree (families move, and a
children's home or foster placement is an address the request may not list): 5 + 4.5 + 6.5 - 1 - 8 = 7.
Not reached when two of the three agreements are weaker forms and nothing else corroborates, e.g. a
nickname and a previous surname with a different address (4 + 3.5 + 6.5 - 1 - 8 = 5): that goes to an
officer. Weight alone never accepts: the hard rules in :func:`match` come first.
"""
REVIEW_WEIGHT = 0.0
"""Match weight below which a candidate is rejected outright rather than shown to an officer.

Zero is where the evidence for and against balances. Above it sit the cases an officer can settle
quickly (a date of birth with a typing slip, a surname the request did not mention with a shared
address); below it sit strangers who merely share a birthday or a surname, which would bury officers.
"""
SPELLING_SIMILARITY = 0.9
"""Jaro–Winkler similarity at which two different spellings count as a variant (Jayden ~ Jaden)."""


def score_of(weight: float) -> float:
    """Weight in bits to 0..1 (logistic, base 2); 0 bits is 0.5."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-weight))


ACCEPT_THRESHOLD = score_of(ACCEPT_WEIGHT)
"""The accept threshold as a score (about 0.985), for display beside ``MatchResult.score``."""
REVIEW_THRESHOLD = score_of(REVIEW_WEIGHT)
"""The review threshold as a score (0.5)."""

ACCEPTABLE_GIVEN = frozenset({Level.EXACT, Level.NICKNAME, Level.PREVIOUS})
ACCEPTABLE_FAMILY = frozenset({Level.EXACT, Level.PREVIOUS, Level.HYPHEN_PART})


@dataclass(frozen=True)
class Comparison:
    """One field compared: the level found, its weight and a plain-English account."""

    field: str
    level: Level
    weight: float
    detail: str

    @property
    def line(self) -> str:
        return f"{self.field}: {self.detail} ({self.weight:+.1f})"


@dataclass(frozen=True)
class MatchResult:
    """The decision about one candidate and why.

    ``score`` summarises the weight (0..1); ``outcome`` also reflects the hard rules, so a candidate with
    a high score can still be rejected (a twin) and its explanation says which rule decided.
    ``deterministic_key`` names the identifier that settled identity ("nhs_number", "upn",
    "confirmed_person_id", "id:<scheme>"), if any.
    """

    outcome: Outcome
    score: float
    explanation: tuple[str, ...]
    deterministic_key: str | None = None
    weight: float = 0.0
    levels: tuple[tuple[str, str], ...] = ()  # (field, level) pairs, for statistics and the case page


def guard_ambiguity(results: Sequence[MatchResult]) -> list[MatchResult]:
    """Send every automatic accept to review when one source yields more than one of them.

    Two people in one system who both pass as the subject are either a duplicate record or two
    children the data cannot tell apart (same name and birth date, no identifier); only an officer can
    say which, so neither is gathered unseen. A person id an officer already confirmed is their
    judgement, not the matcher's, and is left as it is.
    """
    accepted = [r for r in results if r.outcome is Outcome.ACCEPT and r.deterministic_key != "confirmed_person_id"]
    if len(accepted) < 2:
        return list(results)
    note = (f"officer review: {len(accepted)} people in this source were each accepted as the subject; "
            "an officer must say which record (or records) are theirs")
    return [
        replace(r, outcome=Outcome.REVIEW, explanation=(*r.explanation, note)) if r in accepted else r
        for r in results
    ]


