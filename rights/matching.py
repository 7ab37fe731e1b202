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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import JaroWinkler

from rights import identifiers
from rights.sources.base import Candidate, Identity


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


# ---------------------------------------------------------------- names

_NO_DECOMPOSITION = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ß": "ss", "æ": "ae",
    "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H",
})
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "st", "al", "el",
                        "bin", "bint", "ben", "ap"})


_APOSTROPHES = re.compile(r"['’`]")
_NOT_LETTERS = re.compile(r"[^\w\s-]|[\d_]")
_SPACES = re.compile(r"\s+")
_NAME_SPLIT = re.compile(r"[\s-]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, accents and punctuation removed: 'Zoë O'Brien' -> 'zoe obrien', 'Łukasz' -> 'lukasz'.

    NFKD splits accented letters into letter + combining mark, which is dropped; letters with no
    decomposition (Ł, ø, ß, æ) are mapped first. Apostrophes join (O'Brien ~ OBrien); full stops after
    initials separate ('J.R.' -> 'j r'); hyphens are kept for the callers that split on them.
    """
    for _ in range(3):  # decomposing can expose letters to map or case (Ǽ -> Æ + accent): until stable
        before = text
        text = unicodedata.normalize("NFKD", text.casefold().translate(_NO_DECOMPOSITION))
        text = "".join(c for c in text if not unicodedata.combining(c))
        if text == before:
            break
    text = _APOSTROPHES.sub("", text)
    text = _NOT_LETTERS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def name_tokens(text: str | None) -> tuple[str, ...]:
    """Folded words of a name, hyphenated parts split: 'Mary-Jane  Smith' -> ('mary', 'jane', 'smith')."""
    return tuple(t for t in _NAME_SPLIT.split(fold(text or "")) if t)


@cache
def _nickname_groups() -> Mapping[str, frozenset[int]]:
    text = resources.files("rights").joinpath("data/nicknames.txt").read_text(encoding="utf-8")
    groups: dict[str, set[int]] = {}
    for number, raw in enumerate(text.splitlines()):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        full, _, rest = line.partition(":")
        for name in (full, *rest.split()):
            groups.setdefault(fold(name), set()).add(number)
    return {name: frozenset(ids) for name, ids in groups.items()}


def are_nicknames(a: str, b: str) -> bool:
    """Two different folded given names that the bundled table treats as one (Bill ~ William, Bill ~ Billy)."""
    if a == b:
        return False
    groups = _nickname_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


def _split_previous(entry: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A previous-name entry as (given tokens, family tokens): 'Amelia Smith' or just 'Smith'."""
    words = entry.split()
    if not words:
        return (), ()
    given = tuple(t for w in words[:-1] for t in name_tokens(w))
    return given, name_tokens(words[-1])


def _given_level(a: tuple[str, ...], b: tuple[str, ...]) -> Level:
    if not a or not b:
        return Level.MISSING
    fa, fb = a[0], b[0]
    if len(fa) == 1 or len(fb) == 1:
        return Level.INITIAL if fa[0] == fb[0] else Level.DIFFERENT
    if fa == fb or "".join(a) == "".join(b):
        return Level.EXACT
    if are_nicknames(fa, fb):
        return Level.NICKNAME
    if any((x == y or are_nicknames(x, y)) for x in a for y in b if len(x) > 1 and len(y) > 1):
        return Level.MIDDLE_NAME
    if min(len(fa), len(fb)) >= 3 and JaroWinkler.normalized_similarity(fa, fb) >= SPELLING_SIMILARITY:
        return Level.SPELLING
    return Level.DIFFERENT


def compare_given_names(a: Identity, b: Identity) -> Comparison:
    """Given names, symmetric in its arguments: exact, short form, previous name, middle name, initial, spelling."""
    ta, tb = name_tokens(a.given_names), name_tokens(b.given_names)
    level = _given_level(ta, tb)
    if level not in ACCEPTABLE_GIVEN:
        prev_a = [g for g, _ in map(_split_previous, a.previous_names) if g]
        prev_b = [g for g, _ in map(_split_previous, b.previous_names) if g]
        pairs = [(p, tb) for p in prev_a] + [(ta, p) for p in prev_b] + [(p, q) for p in prev_a for q in prev_b]
        if any(_given_level(x, y) in (Level.EXACT, Level.NICKNAME) for x, y in pairs):
            level = Level.PREVIOUS
    shown = f"'{a.given_names.strip()}' and '{b.given_names.strip()}'"
    detail = {
        Level.EXACT: f"{shown} are the same name",
        Level.NICKNAME: f"{shown} are a known short form of one name",
        Level.PREVIOUS: f"{shown} agree through a previous given name",
        Level.MIDDLE_NAME: f"{shown} share a given name, not the first one (known by a middle name?)",
        Level.INITIAL: f"{shown} agree only on the initial",
        Level.SPELLING: f"{shown} are close spellings but not a known form of one name",
        Level.MISSING: "not recorded on one side",
        Level.DIFFERENT: f"{shown} are different names",
    }[level]
    return Comparison("given name", level, GIVEN_NAME_WEIGHTS[level], detail)


def _family_forms(identity: Identity) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    previous = [f for _, f in map(_split_previous, identity.previous_names) if f]
    return name_tokens(identity.family_name), previous


def _parts(tokens: tuple[str, ...]) -> set[str]:
    return {t for t in tokens if len(t) > 1 and t not in _PARTICLES}


def compare_family_names(a: Identity, b: Identity) -> Comparison:
    """Family names, symmetric: exact, previous (maiden, birth) names on either side, double names, spelling."""
    ca, pa = _family_forms(a)
    cb, pb = _family_forms(b)
    shown = f"'{a.family_name.strip()}' and '{b.family_name.strip()}'"
    if not ca or not cb:
        level, detail = Level.MISSING, "not recorded on one side"
    elif "".join(ca) == "".join(cb):
        level, detail = Level.EXACT, f"{shown} are the same"
    elif any("".join(x) == "".join(y) for x, y in _cross(ca, pa, cb, pb)):
        level, detail = Level.PREVIOUS, f"{shown} agree through a previous family name"
    elif _parts(ca) & _parts(cb):
        level, detail = Level.HYPHEN_PART, f"{shown} share part of a double-barrelled name"
    elif any(_parts(x) & _parts(y) for x, y in _cross(ca, pa, cb, pb)):
        level, detail = Level.PREVIOUS, f"{shown} agree through part of a previous family name"
    elif (min(len("".join(ca)), len("".join(cb))) >= 4
          and JaroWinkler.normalized_similarity("".join(ca), "".join(cb)) >= SPELLING_SIMILARITY):
        level, detail = Level.SPELLING, f"{shown} are close spellings"
    else:
        level, detail = Level.DIFFERENT, f"{shown} differ and no previous name links them"
    return Comparison("family name", level, FAMILY_NAME_WEIGHTS[level], detail)


def _cross(ca: tuple[str, ...], pa: list[tuple[str, ...]], cb: tuple[str, ...],
           pb: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every pairing of names across the two sides except current with current."""
    return [(ca, y) for y in pb] + [(x, cb) for x in pa] + [(x, y) for x in pa for y in pb]


# ---------------------------------------------------------------- date of birth


def dob_level(a: date | None, b: date | None) -> Level:
    """Exact; day and month swapped; one digit different or two adjacent digits swapped; or different."""
    if a is None or b is None:
        return Level.MISSING
    if a == b:
        return Level.EXACT
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return Level.TRANSPOSED
    sa, sb = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    diffs = [i for i in range(8) if sa[i] != sb[i]]
    if len(diffs) == 1:
        return Level.TYPO
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1 and sa[diffs[0]] == sb[diffs[1]] and sa[diffs[1]] == sb[diffs[0]]:
        return Level.TYPO
    return Level.DIFFERENT


def compare_dates_of_birth(a: date | None, b: date | None) -> Comparison:
    level = dob_level(a, b)
    if a is None or b is None:
        return Comparison("date of birth", level, DOB_WEIGHTS[level], "not recorded on one side")
    shown_a, shown_b = a.strftime("%d/%m/%Y"), b.strftime("%d/%m/%Y")
    detail = {
        Level.EXACT: f"{shown_a} on both",
        Level.TRANSPOSED: f"{shown_a} and {shown_b}: day and month swapped, a common keying slip",
        Level.TYPO: f"{shown_a} and {shown_b} differ by one digit, possibly a typing slip",
    }.get(level, f"{shown_a} and {shown_b} are different dates")
    return Comparison("date of birth", level, DOB_WEIGHTS[level], detail)


# ---------------------------------------------------------------- addresses


def _postcodes(identity: Identity) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for address in identity.addresses:
        pc = identifiers.normalise_postcode(address.postcode)
        if pc:
            found[pc] = found.get(pc, False) or address.current
    return found


def _first_lines(identity: Identity) -> set[str]:
    return {fold(a.lines[0]) for a in identity.addresses if a.lines and fold(a.lines[0])}


def compare_addresses(a: Identity, b: Identity) -> Comparison:
    """Any overlap between the two address histories (current or previous), by postcode or first line."""
    pa, pb = _postcodes(a), _postcodes(b)
    la, lb = _first_lines(a), _first_lines(b)
    shared = sorted(set(pa) & set(pb))
    if shared:
        both_current = [pc for pc in shared if pa[pc] and pb[pc]]
        when = "the current address of both" if both_current else "the address histories"
        level, detail = Level.SHARED, f"postcode {(both_current or shared)[0]} appears in {when}"
    elif not (pa or la) or not (pb or lb):
        level, detail = Level.MISSING, "no address on one side"
    elif la & lb:
        level, detail = Level.SHARED, "the same first address line appears on both"
    elif {p.split()[0] for p in pa} & {p.split()[0] for p in pb}:
        level, detail = Level.SAME_DISTRICT, "no shared address, but the same postcode district"
    else:
        level, detail = Level.DIFFERENT, "no address in common (families move; weak evidence)"
    return Comparison("address", level, ADDRESS_WEIGHTS[level], detail)


# ---------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class _Identifiers:
    comparisons: tuple[Comparison, ...]
    key: str | None
    conflict: str | None


def compare_identifiers(subject: Identity, candidate: Candidate,
                        confirmed_ids: Mapping[str, str] | None) -> _Identifiers:
    """Deterministic keys (valid NHS number, valid UPN, other ids, an officer-confirmed id) and conflicts."""
    other = candidate.identity
    out: list[Comparison] = []
    keys: list[str] = []
    conflict: str | None = None

    confirmed = (confirmed_ids or {}).get(candidate.source)
    if confirmed is not None:
        if confirmed == candidate.person_id:
            keys.append("confirmed_person_id")
            out.append(Comparison("confirmed id", Level.KEY, CONFIRMED_WEIGHT,
                                  f"an officer already confirmed {candidate.source} person {confirmed} as the subject"))
        else:
            out.append(Comparison("confirmed id", Level.MISSING, 0.0,
                                  f"an officer confirmed a different person ({confirmed}) in this source; "
                                  "duplicate records happen, so no weight"))

    checks = (
        ("NHS number", "nhs_number", subject.nhs_number, other.nhs_number, identifiers.normalise_nhs_number,
         NHS_WEIGHTS),
        ("UPN", "upn", subject.upn, other.upn, identifiers.normalise_upn, UPN_WEIGHTS),
    )
    for label, key_name, raw_a, raw_b, normalise, weights in checks:
        a, b = normalise(raw_a), normalise(raw_b)
        bad = [side for side, raw, norm in (("request", raw_a, a), ("source", raw_b, b)) if raw and not norm]
        if bad:
            out.append(Comparison(label, Level.MISSING, 0.0,
                                  f"the {' and '.join(bad)} value fails its check and is not used"))
        if a and b:
            if a == b:
                keys.append(key_name)
                out.append(Comparison(label, Level.KEY, weights[Level.KEY], f"{_show_id(key_name, a)} on both, valid"))
            else:
                conflict = conflict or label
                out.append(Comparison(label, Level.CONFLICT, weights[Level.CONFLICT],
                                      f"{_show_id(key_name, a)} and {_show_id(key_name, b)} are both valid and differ"))

    theirs = {(s.strip().casefold(), v.strip().casefold()) for s, v in other.other_ids if v and v.strip()}
    their_schemes = {s for s, _ in theirs}
    for scheme, value in subject.other_ids:
        pair = (scheme.strip().casefold(), value.strip().casefold())
        if not pair[1]:
            continue
        if pair in theirs:
            keys.append(f"id:{pair[0]}")
            out.append(Comparison(f"{scheme} id", Level.KEY, OTHER_ID_WEIGHTS[Level.KEY], f"{value} on both"))
        elif pair[0] in their_schemes:
            out.append(Comparison(f"{scheme} id", Level.CONFLICT, OTHER_ID_WEIGHTS[Level.CONFLICT],
                                  f"{value} on the request differs from the source's"))
    return _Identifiers(tuple(out), keys[0] if keys else None, conflict)


def _show_id(kind: str, value: str) -> str:
    return identifiers.format_nhs_number(value) if kind == "nhs_number" else value


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
