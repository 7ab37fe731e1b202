"""The decision: sum the comparisons' weights, then apply the hard rules that can only lower the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping

from rights.matching.compare import (
    _Identifiers,
    compare_addresses,
    compare_dates_of_birth,
    compare_family_names,
    compare_given_names,
    compare_identifiers,
)
from rights.matching.scoring import (
    ACCEPT_WEIGHT,
    ACCEPTABLE_FAMILY,
    ACCEPTABLE_GIVEN,
    PRIOR_WEIGHT,
    REVIEW_WEIGHT,
    Comparison,
    Level,
    MatchResult,
    Outcome,
    score_of,
)
from rights.sources.base import Candidate, Identity

# ---------------------------------------------------------------- decision


def match(subject: Identity, candidate: Candidate, confirmed_ids: Mapping[str, str] | None = None) -> MatchResult:
    """Compare the request's subject with one candidate a source returned; explain every step.

    ``confirmed_ids`` maps a source name to the person id an officer has confirmed as the subject there.
    """
    other = candidate.identity
    ids = compare_identifiers(subject, candidate, confirmed_ids)
    given = compare_given_names(subject, other)
    family = compare_family_names(subject, other)
    dob = compare_dates_of_birth(subject.date_of_birth, other.date_of_birth)
    address = compare_addresses(subject, other)
    comparisons = (*ids.comparisons, given, family, dob, address)
    weight = PRIOR_WEIGHT + sum(c.weight for c in comparisons)
    score = score_of(weight)

    lines = [f"starting point: most people a search returns are not the subject ({PRIOR_WEIGHT:+.1f})"]
    lines += [c.line for c in comparisons]
    lines.append(f"total weight {weight:+.1f} bits, score {score:.3f}")
    outcome, reasons = _decide(ids, given, family, dob, address, weight)
    lines += reasons
    return MatchResult(
        outcome=outcome,
        score=score,
        explanation=tuple(lines),
        deterministic_key=ids.key,
        weight=weight,
        levels=tuple((c.field, c.level.value) for c in comparisons),
    )


def _decide(ids: _Identifiers, given: Comparison, family: Comparison, dob: Comparison, address: Comparison,
            weight: float) -> tuple[Outcome, list[str]]:
    """Hard rules first (they can only lower the outcome), then the weight thresholds."""
    if ids.key:
        if dob.level is Level.DIFFERENT and given.level is Level.DIFFERENT:
            return Outcome.REJECT, [f"reject: the {ids.key} agrees but the given name and date of birth both differ, "
                                    "so the identifier was most likely mistyped"]
        held: list[str] = []
        if dob.level is Level.DIFFERENT:
            held.append("the date of birth differs outright, so the identifier alone cannot settle it")
        if given.level is Level.DIFFERENT:
            held.append("the given name differs, so the identifier alone cannot settle it")
        if dob.level in (Level.TRANSPOSED, Level.TYPO) and given.level not in ACCEPTABLE_GIVEN:
            held.append(f"the date of birth has a slip and the given name agrees only as {given.level.value}")
        if ids.conflict:
            held.append(f"the {ids.conflict} conflicts with the other identifier")
        if given.level is Level.MISSING and dob.level is Level.MISSING:
            # A mistyped identifier on the request must not pull in someone else's file unseen.
            held.append("the source gives neither a given name nor a date of birth to corroborate it")
        if held:
            return Outcome.REVIEW, [f"officer review: the {ids.key} agrees but " + "; ".join(held)]
        slipped = dob.level in (Level.TRANSPOSED, Level.TYPO)
        slip = " (the date of birth differs only by a typing slip)" if slipped else ""
        return Outcome.ACCEPT, [f"accept: the {ids.key} is a deterministic key and nothing conflicts with it{slip}"]

    if dob.level is Level.DIFFERENT or given.level is Level.DIFFERENT:
        why = []
        if given.level is Level.DIFFERENT and dob.level is Level.DIFFERENT and family.level in ACCEPTABLE_FAMILY \
                and address.level is Level.SHARED:
            why.append("looks like a sibling (same family name and address, different given name and birth date)")
        if dob.level is Level.DIFFERENT:
            why.append("the date of birth differs outright, which is never accepted")
        if given.level is Level.DIFFERENT:
            why.append("the given name is a different name, which is never accepted")
        return Outcome.REJECT, ["reject: " + "; ".join(why)]
    if weight < REVIEW_WEIGHT:
        return Outcome.REJECT, [f"reject: weight below the review threshold ({REVIEW_WEIGHT:+.1f})"]

    held = []
    if dob.level is Level.MISSING:
        held.append("the date of birth is missing on one side")
    elif dob.level is not Level.EXACT:
        held.append("the date of birth is not an exact match")
    if given.level not in ACCEPTABLE_GIVEN:
        held.append(f"the given name agrees only as {given.level.value}")
    if family.level not in ACCEPTABLE_FAMILY:
        held.append(f"the family name agrees only as {family.level.value}" if family.level is not Level.DIFFERENT
                    else "the family name differs")
    if ids.conflict:
        held.append(f"the {ids.conflict} conflicts")
    if weight < ACCEPT_WEIGHT:
        held.append(f"weight below the accept threshold ({ACCEPT_WEIGHT:+.1f})")
    if held:
        return Outcome.REVIEW, ["officer review: " + "; ".join(held)]
    return Outcome.ACCEPT, [f"accept: weight at least {ACCEPT_WEIGHT:+.1f} and no rule against it"]


