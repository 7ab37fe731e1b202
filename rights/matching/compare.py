"""Field comparisons: given and family names, date of birth, addresses and identifiers, each at a named
level with its weight and one explanation line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import JaroWinkler

from rights import identifiers
from rights.matching.scoring import (
    ACCEPTABLE_GIVEN,
    ADDRESS_WEIGHTS,
    CONFIRMED_WEIGHT,
    DOB_WEIGHTS,
    FAMILY_NAME_WEIGHTS,
    GIVEN_NAME_WEIGHTS,
    NHS_WEIGHTS,
    OTHER_ID_WEIGHTS,
    SPELLING_SIMILARITY,
    UPN_WEIGHTS,
    Comparison,
    Level,
)
from rights.names import PARTICLES, are_nicknames, fold, name_tokens
from rights.sources.base import Candidate, Identity


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
    return {t for t in tokens if len(t) > 1 and t not in PARTICLES}


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


