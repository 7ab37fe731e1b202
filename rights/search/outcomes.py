"""Match outcomes as a search stores them: the matcher's verdict, the officer's decision, and their labels.

The outcomes themselves are :class:`rights.matching.Outcome`; this module only records and words them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rights import matching
from rights.matching import Outcome
from rights.models import (
    SearchCandidate,
    SearchStatus,
)
from rights.sources.base import (
    Candidate,
    Identity,
)

ACCEPT, REVIEW, REJECT = Outcome.ACCEPT.value, Outcome.REVIEW.value, Outcome.REJECT.value  # the matcher's words
ACCEPTED, REJECTED = "accepted", "rejected"  # an officer's decision on a candidate sent to review
# ---------------------------------------------------------------------- matching
@dataclass(frozen=True)
class Score:
    outcome: str
    score: float
    explanation: tuple[str, ...]
    deterministic_key: str | None




def score_candidates(subject: Identity, candidates: Sequence[Candidate], confirmed_ids: Mapping[str, str] | None
                     ) -> list[tuple[Candidate, Score]]:
    """Score one source's candidates together, so two automatic accepts in one source both go to review."""
    results = matching.guard_ambiguity([matching.match(subject, c, confirmed_ids) for c in candidates])
    scored = []
    for candidate, result in zip(candidates, results, strict=True):
        outcome = result.outcome if result.outcome in (ACCEPT, REVIEW, REJECT) else REVIEW
        scored.append((candidate, Score(outcome=outcome, score=float(result.score),
                                        explanation=tuple(result.explanation),
                                        deterministic_key=result.deterministic_key)))
    return scored


def effective_outcome(candidate: SearchCandidate) -> str:
    """An officer's decision wins over the matcher's outcome."""
    if candidate.decision == ACCEPTED:
        return ACCEPT
    if candidate.decision == REJECTED:
        return REJECT
    return candidate.outcome


STATUS_LABELS: dict[str, tuple[str, str]] = {  # status -> (words, GOV.UK tag colour)
    SearchStatus.QUEUED.value: ("Queued", "govuk-tag--grey"),
    SearchStatus.RUNNING.value: ("Running", "govuk-tag--blue"),
    SearchStatus.DONE.value: ("Done", "govuk-tag--green"),
    SearchStatus.FAILED.value: ("Failed", "govuk-tag--red"),
    SearchStatus.NEEDS_REVIEW.value: ("Needs review", "govuk-tag--yellow"),
}
OUTCOME_LABELS = {ACCEPT: "Accepted", REVIEW: "Needs review", REJECT: "Rejected"}

