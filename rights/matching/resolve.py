"""Identity resolution across sources: what one system confirms about the subject helps match in the others.

A worker who finds a child in the case system reads the NHS number, the other systems' ids and the
surnames the child was known by there, and searches the other systems with them. :func:`resolve` does the
same for one request, from every source's candidates at once:

1. Each candidate is matched alone (:func:`~rights.matching.match`), two automatic accepts in one
   source both go to review (:func:`~rights.matching.guard_ambiguity`).
2. Every **accepted** record (automatically, or by an officer: their decision is evidence too) lends what
   it confirms to the *other* sources' candidates (:func:`learn_identifiers`): a valid NHS number or UPN,
   its own id in its system and the ids it cross-references, the surnames it links to the subject, and
   its addresses. Each lent item names the system and record it came from, and that line is written into
   the explanation of every candidate it was used for ("NHS number 943 476 5919 confirmed by LCS record
   100084, accepted automatically").
3. Every candidate an officer has not decided is matched again with the evidence from the other sources;
   the same hard rules apply, so evidence can settle an initial, a previous surname or a slipped date of
   birth, never a given name or a date of birth that differs outright. Repeat until the set of accepted
   candidates does not change (a fixpoint). Evidence never flows within a source: a record cannot
   corroborate its own duplicate, and a source's ambiguity guard stays meaningful.

The whole computation starts from the candidates and the officers' decisions every time, so its result
does not depend on the order in which the sources answered, running it twice changes nothing, and undoing
an officer's decision undoes what followed from it (a candidate accepted only through that evidence goes
back to review).

Two further rules protect against pulling in another child:

- **Disagreeing accepted records.** When accepted records from different sources carry different valid
  NHS numbers (or UPNs), nothing is learnt from them and those accepted automatically go to review: two
  children have been taken for one, or a number was mistyped, and only a person can say which.
- **Initials** (:func:`initial_rule`): a record holding only the subject's initial is accepted only with a
  deterministic key (the request's or another system's NHS number, UPN or id), an exact date of birth and
  the subject's surname (current or linked previous), and never when the same source holds another child
  with that initial and surname, or any source holds one at the subject's address (the request's or an
  accepted record's): a twin, a sibling. Weight alone never accepts an initial.

Pure: no database. The search jobs call it through :mod:`rights.search.resolution`; the matching
evaluation calls the same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rights import identifiers
from rights.matching.compare import (
    _show_id,
    compare_addresses,
    compare_family_names,
    compare_given_names,
    dob_level,
)
from rights.matching.decide import match
from rights.matching.scoring import ACCEPTABLE_FAMILY, Level, MatchResult, Outcome, guard_ambiguity
from rights.names import fold, name_tokens
from rights.sources.base import Address, Candidate, Identity

AUTOMATIC = "accepted automatically"
ADULT_GAP_YEARS = 14
"""Someone born this many years before or after the subject is a parent or grandparent, not a sibling."""


@dataclass(frozen=True)
class Evidence:
    """One thing an accepted record confirms about the subject, and where it came from."""

    kind: str  # "NHS number", "UPN", "<scheme> id", "surname", "address"
    value: str
    source: str
    person_id: str
    how: str  # AUTOMATIC, or "accepted by <officer>"

    @property
    def line(self) -> str:
        if self.kind == f"{self.source.casefold()} id" and self.value == self.person_id:
            return f"the subject's {self.source} record is {self.person_id}, {self.how}"
        return f"{self.kind} {self.value} confirmed by {self.source} record {self.person_id}, {self.how}"


@dataclass(frozen=True)
class Learnt:
    """The subject as the other sources' accepted records describe them."""

    identity: Identity
    evidence: tuple[Evidence, ...]
    conflicts: tuple[str, ...]  # e.g. "NHS number: social-care record 1 and health record 2 disagree"


def _key(c: Candidate) -> tuple[str, str]:
    return (c.source, c.person_id)


def learn_identifiers(subject: Identity, accepted: Iterable[Candidate | tuple[Candidate, str]]) -> Learnt:
    """What the accepted records confirm that the request lacks, with where each item came from.

    NHS number and UPN: learnt only when the request has none and every accepted record carrying a valid
    one agrees (two different numbers teach nothing and are reported as a conflict). Ids: each accepted
    record's own id in its system (scheme = source name) and the ids it cross-references, a scheme only
    when all agree. Surnames: an accepted record's surname and previous surnames become the subject's
    previous names (a confirmed record links that name to the subject). Addresses: added as previous.
    """
    pairs = [(a, AUTOMATIC) if isinstance(a, Candidate) else a for a in accepted]
    evidence: list[Evidence] = []
    conflicts: list[str] = []
    updates: dict[str, object] = {}
    for field_name, label, normalise in (("nhs_number", "NHS number", identifiers.normalise_nhs_number),
                                         ("upn", "UPN", identifiers.normalise_upn)):
        found: dict[str, list[tuple[Candidate, str]]] = {}
        for cand, how in pairs:
            value = normalise(getattr(cand.identity, field_name))
            if value:
                found.setdefault(value, []).append((cand, how))
        if len(found) > 1:
            who = " and ".join(f"{c.source} record {c.person_id}" for v in found.values() for c, _ in v[:1])
            conflicts.append(f"{label}: {who} carry different valid numbers")
            continue
        if normalise(getattr(subject, field_name)) or not found:
            continue
        value, holders = next(iter(found.items()))
        updates[field_name] = value
        evidence += [Evidence(label, _show_id(field_name, value), c.source, c.person_id, how) for c, how in holders]

    ids: dict[str, dict[str, list[tuple[Candidate, str]]]] = {}
    for cand, how in pairs:
        for scheme, value in ((cand.source, cand.person_id), *cand.identity.other_ids):
            if value and value.strip():
                ids.setdefault(scheme.strip().casefold(), {}).setdefault(value.strip(), []).append((cand, how))
    own = {s.strip().casefold() for s, _ in subject.other_ids}
    learnt_ids = list(subject.other_ids)
    for scheme, values in sorted(ids.items()):
        if scheme in own or len(values) != 1:
            continue
        value, holders = next(iter(values.items()))
        learnt_ids.append((scheme, value))
        evidence += [Evidence(f"{scheme} id", value, c.source, c.person_id, how) for c, how in holders]
    if len(learnt_ids) > len(subject.other_ids):
        updates["other_ids"] = tuple(learnt_ids)

    known = {fold(subject.family_name), *(fold(p.split()[-1]) for p in subject.previous_names if p.split())}
    previous = list(subject.previous_names)
    for cand, how in pairs:
        names = [cand.identity.family_name, *(p.split()[-1] for p in cand.identity.previous_names if p.split())]
        for name in names:
            if name_tokens(name) and fold(name) not in known:
                known.add(fold(name))
                previous.append(name.strip())
                evidence.append(Evidence("surname", f"'{name.strip()}'", cand.source, cand.person_id, how))
    if len(previous) > len(subject.previous_names):
        updates["previous_names"] = tuple(previous)

    postcodes = {identifiers.normalise_postcode(a.postcode) for a in subject.addresses} - {None}
    addresses = list(subject.addresses)
    for cand, how in pairs:
        for address in cand.identity.addresses:
            pc = identifiers.normalise_postcode(address.postcode)
            if pc and pc not in postcodes:
                postcodes.add(pc)
                addresses.append(Address(address.lines, address.postcode, current=False))
                evidence.append(Evidence("address", pc, cand.source, cand.person_id, how))
    if len(addresses) > len(subject.addresses):
        updates["addresses"] = tuple(addresses)
    identity = replace(subject, **updates) if updates else subject  # type: ignore[arg-type]
    return Learnt(identity, tuple(evidence), tuple(conflicts))


# ---------------------------------------------------------------- initials


def _initial(identity: Identity) -> str | None:
    tokens = name_tokens(identity.given_names)
    return tokens[0][0] if tokens else None


def _same_surname(a: Identity, b: Identity, *, strict: bool = False) -> bool:
    """The subject's surname (any acceptable form); ``strict``: the same surname, not a shared part."""
    level = compare_family_names(a, b).level
    return level in (Level.EXACT, Level.PREVIOUS) if strict else level in ACCEPTABLE_FAMILY


def _could_be_sibling(subject_dob: date | None, other_dob: date | None) -> bool:
    if subject_dob is None or other_dob is None:
        return True
    return abs(subject_dob.year - other_dob.year) < ADULT_GAP_YEARS


def initial_rule(subject: Identity, candidate: Candidate, result: MatchResult,
                 others: Sequence[Candidate], accepted: set[tuple[str, str]]) -> MatchResult:
    """Hold an automatic accept that rests on an initial unless the rule for initials is met.

    Accepted only with a deterministic key, an exact date of birth and the subject's surname; and never
    when the same source holds another child with that initial and surname, or any source holds one in
    the subject's household (an address the request or an accepted record gives): "J. Smith" is then as
    likely the twin or the sibling. ``subject`` carries the addresses the other sources confirmed.
    """
    if result.outcome is not Outcome.ACCEPT or result.deterministic_key == "confirmed_person_id":
        return result
    if compare_given_names(subject, candidate.identity).level is not Level.INITIAL:
        return result
    held = []
    if not result.deterministic_key:
        held.append("no identifier corroborates it")
    if dob_level(subject.date_of_birth, candidate.identity.date_of_birth) is not Level.EXACT:
        held.append("the date of birth is not exact")
    if not _same_surname(subject, candidate.identity):
        held.append("the surname is not the subject's")
    sibling = _same_initial_child(subject, candidate, others, accepted)
    if sibling is not None:
        where = "" if sibling.source == candidate.source else " at the subject's address"
        held.append(f"{sibling.source} holds another child with that initial and surname{where} "
                    f"(record {sibling.person_id}: a twin or sibling?)")
    if not held:
        return result
    note = "officer review: the record gives only an initial and " + "; ".join(held)
    return replace(result, outcome=Outcome.REVIEW, explanation=(*result.explanation, note))


def _same_initial_child(subject: Identity, candidate: Candidate, others: Sequence[Candidate],
                        accepted: set[tuple[str, str]]) -> Candidate | None:
    """Another child the initial could stand for: in the same source, or in the subject's household."""
    letter = _initial(candidate.identity)
    mine = identifiers.normalise_nhs_number(candidate.identity.nhs_number)
    for other in others:
        if _key(other) == _key(candidate) or _key(other) in accepted:
            continue
        if mine and identifiers.normalise_nhs_number(other.identity.nhs_number) == mine:
            continue  # the same child's other record
        if (compare_given_names(subject, other.identity).level in (Level.EXACT, Level.NICKNAME)
                and dob_level(subject.date_of_birth, other.identity.date_of_birth) is Level.EXACT):
            continue  # the subject's own record, waiting for review
        if (_initial(other.identity) != letter or not _same_surname(other.identity, candidate.identity, strict=True)
                or not _could_be_sibling(subject.date_of_birth, other.identity.date_of_birth)):
            continue
        if other.source == candidate.source or compare_addresses(subject, other.identity).level is Level.SHARED:
            return other
    return None


# ---------------------------------------------------------------- resolution


def _guarded(pairs: list[tuple[Candidate, MatchResult]]) -> list[tuple[Candidate, MatchResult]]:
    out = list(pairs)
    for source in sorted({c.source for c, _ in pairs}):
        idx = [i for i, (c, _) in enumerate(pairs) if c.source == source]
        for i, result in zip(idx, guard_ambiguity([pairs[i][1] for i in idx]), strict=True):
            out[i] = (pairs[i][0], result)
    return out


def _pass(subject: Identity, candidates: Sequence[Candidate], decisions: Mapping[tuple[str, str], str | bool],
          confirmed: Mapping[str, str], accepted: set[tuple[str, str]]) -> list[tuple[Candidate, MatchResult]]:
    """One round: every candidate matched with the evidence of the other sources' accepted records."""
    by_key = {_key(c): c for c in candidates}
    lenders = [(by_key[k], _how(decisions.get(k))) for k in sorted(accepted) if k in by_key]
    learnt_for: dict[str, Learnt] = {}
    scored = []
    for cand in candidates:
        if cand.source not in learnt_for:
            others = [(c, h) for c, h in lenders if c.source != cand.source]
            learnt_for[cand.source] = learn_identifiers(subject, others)
        learnt = learnt_for[cand.source]
        result = match(learnt.identity, cand, confirmed)
        if learnt.evidence:
            used = [e.line for e in learnt.evidence]
            result = replace(result, explanation=(*(f"evidence from another system: {u}" for u in used),
                                                  *result.explanation))
        scored.append((cand, result))
    scored = _guarded(scored)
    return [(c, initial_rule(learnt_for[c.source].identity, c, r, candidates, accepted)) for c, r in scored]


def _how(decision: str | bool | None) -> str:
    if decision in (None, True, False):
        return AUTOMATIC if decision is None else "accepted by an officer"
    return f"accepted by {decision}"


def _accepted(results: Sequence[tuple[Candidate, MatchResult]], decisions: Mapping[tuple[str, str], str | bool],
              rejected: set[tuple[str, str]]) -> set[tuple[str, str]]:
    auto = {_key(c) for c, r in results if r.outcome is Outcome.ACCEPT}
    officer = {k for k, v in decisions.items() if v is not False}
    return (auto | officer) - rejected


def resolve(subject: Identity, candidates: Iterable[Candidate],
            decisions: Mapping[tuple[str, str], str | bool] | None = None) -> list[tuple[Candidate, MatchResult]]:
    """Match every candidate of every source, lending each accepted record's evidence to the other sources.

    ``decisions`` maps (source, person id) to an officer's decision: ``False`` for rejected, ``True`` or the
    officer's name for accepted. An officer's decision is evidence (an accepted record lends, a rejected
    one never does); the results returned are the matcher's, the caller applies the decisions on top.
    Iterates to a fixpoint; if the accepted set cycles (evidence that undoes itself), whatever was not
    accepted in every state of the cycle goes to review.
    """
    candidates = list(candidates)
    decisions = dict(decisions or {})
    rejected = {k for k, v in decisions.items() if v is False}
    confirmed: dict[str, str] = {}
    for (source, person_id), value in sorted(decisions.items()):
        if value is not False:
            confirmed[source] = person_id
    accepted = _accepted([], decisions, rejected)
    seen: list[frozenset[tuple[str, str]]] = [frozenset(accepted)]
    results = _pass(subject, candidates, decisions, confirmed, accepted)
    for _ in range(len(candidates) + 2):
        nxt = _accepted(results, decisions, rejected)
        if nxt == accepted:
            break
        if frozenset(nxt) in seen:  # a cycle: keep only what every state of it accepted
            cycle = seen[seen.index(frozenset(nxt)):]
            steady = frozenset.intersection(*cycle, frozenset(nxt))
            results = [(c, r) if r.outcome is not Outcome.ACCEPT or _key(c) in steady else
                       (c, replace(r, outcome=Outcome.REVIEW, explanation=(
                           *r.explanation, "officer review: the evidence from the other systems contradicts itself")))
                       for c, r in results]
            break
        seen.append(frozenset(nxt))
        accepted = nxt
        results = _pass(subject, candidates, decisions, confirmed, accepted)
    return _disagreements(subject, results, decisions, rejected)


def _disagreements(subject: Identity, results: list[tuple[Candidate, MatchResult]],
                   decisions: Mapping[tuple[str, str], str | bool], rejected: set[tuple[str, str]]
                   ) -> list[tuple[Candidate, MatchResult]]:
    """Accepted records that carry different valid NHS numbers or UPNs: the automatic ones go to review."""
    accepted = _accepted(results, decisions, rejected)
    lenders = [c for c, _ in results if _key(c) in accepted]
    conflicts = learn_identifiers(replace(subject, nhs_number=None, upn=None), lenders).conflicts
    if not conflicts:
        return results
    note = "officer review: accepted records disagree: " + "; ".join(conflicts)
    return [(c, replace(r, outcome=Outcome.REVIEW, explanation=(*r.explanation, note)))
            if r.outcome is Outcome.ACCEPT and _key(c) not in decisions else (c, r) for c, r in results]
