"""Identity matching: is this person a source system holds the subject of the request?

The worst failure is not a missed record (an officer can still find it) but another child's records
pulled into a disclosure bundle. So matching is in two layers:

1. **Comparisons with weights.** Each field is compared at a named level (exact, nickname, transposed,
   ...) and each level carries a weight in bits, Fellegi–Sunter style: how much more likely that
   agreement is for the same person than for two different people. The sum, from a sceptical starting
   point, is the match weight; ``score`` squashes it to 0..1. Every comparison writes one explanation
   line with its contribution, so an officer sees exactly why.
2. **Hard rules that can only lower the outcome.** Whatever the weight, a date of birth that differs
   outright, or a given name that is not the same name, a short form, an initial or a variant, or a
   conflicting NHS number, can never be accepted automatically; without a deterministic key a date of
   birth with a plausible slip (day and month swapped, one digit different) goes to an officer at best.
   A deterministic key (a valid NHS number or UPN on both sides, or a source person id an officer
   already confirmed) settles identity, but not against a date of birth that differs outright or a
   different given name: a wrong NHS number typed by a requester must not pull in another child's
   records. Against a mere slip in the date of birth a checksummed key still wins, since a mistyped
   valid number would also have to land on a child of the same name born within a digit of the date.

Why rapidfuzz and hand-set weights rather than splink: splink estimates its weights from the data
(expectation maximisation over many record pairs) and needs Spark or DuckDB; here each request brings a
handful of candidates per source, there is no labelled training data, and the weights must be defensible
one by one to an officer and to the ICO. rapidfuzz gives well-tested string similarity (Jaro–Winkler for
spelling variants) without writing our own edit-distance code; the name rules around it (nicknames,
hyphenation, initials, previous names, diacritic folding) are domain knowledge a generic scorer lacks.
The weights are judgement, not estimates: the score is a summary of evidence, not a calibrated
probability. ``bench/matching_eval.py`` measures the outcome on synthetic families.

Modules: :mod:`.scoring` (outcomes, levels, weights, results), :mod:`.compare` (field comparisons),
:mod:`.decide` (:func:`match`), :mod:`.resolve` (across sources: what one source's accepted record confirms
settles another's candidate; the initials rule). Name folding and nicknames are
:mod:`rights.names`. Imports: names, identifiers, the connectors' value types; nothing that touches
the database.
"""

from rights.matching.compare import (
    compare_addresses,
    compare_dates_of_birth,
    compare_family_names,
    compare_given_names,
    compare_identifiers,
    dob_level,
)
from rights.matching.decide import match
from rights.matching.resolve import Evidence, Learnt, initial_rule, learn_identifiers, resolve
from rights.matching.scoring import (
    ACCEPT_THRESHOLD,
    ACCEPT_WEIGHT,
    ACCEPTABLE_FAMILY,
    ACCEPTABLE_GIVEN,
    ADDRESS_WEIGHTS,
    CONFIRMED_WEIGHT,
    DOB_WEIGHTS,
    FAMILY_NAME_WEIGHTS,
    GIVEN_NAME_WEIGHTS,
    NHS_WEIGHTS,
    OTHER_ID_WEIGHTS,
    PRIOR_WEIGHT,
    REVIEW_THRESHOLD,
    REVIEW_WEIGHT,
    SPELLING_SIMILARITY,
    UPN_WEIGHTS,
    Comparison,
    Level,
    MatchResult,
    Outcome,
    guard_ambiguity,
    score_of,
)
from rights.names import are_nicknames, fold, name_tokens

__all__ = [
    "ACCEPTABLE_FAMILY",
    "ACCEPTABLE_GIVEN",
    "ACCEPT_THRESHOLD",
    "ACCEPT_WEIGHT",
    "ADDRESS_WEIGHTS",
    "CONFIRMED_WEIGHT",
    "DOB_WEIGHTS",
    "FAMILY_NAME_WEIGHTS",
    "GIVEN_NAME_WEIGHTS",
    "NHS_WEIGHTS",
    "OTHER_ID_WEIGHTS",
    "PRIOR_WEIGHT",
    "REVIEW_THRESHOLD",
    "REVIEW_WEIGHT",
    "SPELLING_SIMILARITY",
    "UPN_WEIGHTS",
    "Comparison",
    "Evidence",
    "Learnt",
    "Level",
    "MatchResult",
    "Outcome",
    "are_nicknames",
    "compare_addresses",
    "compare_dates_of_birth",
    "compare_family_names",
    "compare_given_names",
    "compare_identifiers",
    "dob_level",
    "fold",
    "guard_ambiguity",
    "initial_rule",
    "learn_identifiers",
    "match",
    "name_tokens",
    "resolve",
    "score_of",
]
