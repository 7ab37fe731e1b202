"""Across sources: identifiers learnt from accepted records, and a second pass with them.

Not yet called by the search jobs (which score each source's candidates with :func:`~rights.matching.match`
and :func:`~rights.matching.guard_ambiguity`): identity resolution across sources is the next step to wire
into the product; ``bench/matching_eval.py`` and the demo seed measure it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from rights import identifiers
from rights.matching.compare import _show_id
from rights.matching.decide import match
from rights.matching.scoring import MatchResult, Outcome
from rights.sources.base import Candidate, Identity

# ---------------------------------------------------------------- across sources


def learn_identifiers(subject: Identity, accepted: Iterable[Candidate]) -> tuple[Identity, tuple[str, ...]]:
    """The subject with an NHS number or UPN that every accepted candidate carrying one agrees on.

    A worker who finds a child in the case system reads the NHS number there and searches the health
    record with it; this does the same. Only identifiers the request lacked are learnt, only valid ones,
    and only when the accepted records agree (two different numbers teach nothing). Returns the enriched
    identity and one plain-English note per identifier learnt.
    """
    accepted = list(accepted)
    notes: list[str] = []
    updates: dict[str, str] = {}
    for field_name, label, normalise in (("nhs_number", "NHS number", identifiers.normalise_nhs_number),
                                         ("upn", "UPN", identifiers.normalise_upn)):
        if normalise(getattr(subject, field_name)):
            continue
        found: dict[str, list[str]] = {}
        for cand in accepted:
            value = normalise(getattr(cand.identity, field_name))
            if value:
                found.setdefault(value, []).append(cand.source)
        if len(found) == 1:
            value, sources = next(iter(found.items()))
            updates[field_name] = value
            shown = _show_id(field_name, value)
            notes.append(f"{label} {shown} learnt from records accepted in {', '.join(sorted(set(sources)))}")
    if not updates:
        return subject, ()
    return replace(subject, **updates), tuple(notes)


def resolve(subject: Identity, candidates: Iterable[Candidate],
            confirmed_ids: Mapping[str, str] | None = None) -> list[tuple[Candidate, MatchResult]]:
    """Match every candidate from every source, then once more with identifiers learnt from the accepted.

    The second pass only re-scores candidates the first did not accept, with the subject enriched by
    :func:`learn_identifiers`; the same hard rules apply, so a learnt NHS number can settle a record that
    holds only an initial or a mistyped date of birth, but never one whose given name or date of birth
    differs outright. Candidates accepted in the first pass keep their result.
    """
    candidates = list(candidates)
    first = [(c, match(subject, c, confirmed_ids)) for c in candidates]
    enriched, notes = learn_identifiers(subject, (c for c, r in first if r.outcome is Outcome.ACCEPT))
    if not notes:
        return first
    out = []
    for cand, result in first:
        if result.outcome is not Outcome.ACCEPT:
            again = match(enriched, cand, confirmed_ids)
            result = replace(again, explanation=(*(f"second pass: {n}" for n in notes), *again.explanation))
        out.append((cand, result))
    return out
