"""Blocking: which people a connector hands to the matcher at all.

A connector cannot score every person it holds (a case-management replica holds hundreds of thousands),
and should not hand the matcher obviously unrelated people either. Blocking is deliberately generous:
anyone who shares an identifier, a date of birth (or its day/month transposition), or a family name
(current, previous or one half of a hyphenated one) with a birth year close to the subject's is a
candidate. Deciding who is the subject is the matcher's job (``rights.matching``); blocking only keeps
the work proportionate. A false candidate costs a rejected row; a missed one costs a record, so the
rules lean towards letting people through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rights.sources.base import Identity

YEAR_WINDOW = 1  # a family-name candidate's birth year may differ from the subject's by this much


def fold(text: str) -> str:
    """Lower case, diacritics removed, apostrophes dropped: 'Zoë O'Brien' -> 'zoe obrien'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’`]", "", plain.lower())
    return re.sub(r"\s+", " ", plain).strip()


def family_name_keys(name: str) -> set[str]:
    """The forms of a family name worth looking up: whole, and each part of a hyphenated/double name."""
    folded = fold(name)
    if not folded:
        return set()
    keys = {folded}
    parts = [p for p in re.split(r"[-\s]+", folded) if len(p) > 1]
    if len(parts) > 1:
        keys.update(parts)
        keys.add(" ".join(parts))
        keys.add("-".join(parts))
    return keys


def previous_family_names(identity: Identity) -> set[str]:
    """Family names from ``previous_names`` (entries are full names or bare family names)."""
    names: set[str] = set()
    for entry in identity.previous_names:
        words = entry.strip().split()
        if words:
            names.add(words[-1])
    return names


def transposed(dob: date) -> date | None:
    """Day and month swapped (a common keying error), when that is a different valid date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    try:
        return dob.replace(month=dob.day, day=dob.month)
    except ValueError:
        return None


def normalise_nhs(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits or None


def nhs_forms(value: str | None) -> list[str]:
    """An NHS number as systems store it: '9434765919' and '943 476 5919'."""
    digits = normalise_nhs(value)
    if not digits:
        return []
    forms = [digits]
    if len(digits) == 10:
        forms.append(f"{digits[:3]} {digits[3:6]} {digits[6:]}")
    return forms


@dataclass(frozen=True)
class BlockingKeys:
    """The subject's lookup keys, computed once per search."""

    family_names: frozenset[str]
    dates_of_birth: frozenset[date]
    birth_years: frozenset[int]
    nhs_number: str | None
    upn: str | None
    other_ids: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, subject: Identity) -> BlockingKeys:
        families: set[str] = set()
        for name in {subject.family_name, *previous_family_names(subject)}:
            families |= family_name_keys(name)
        dobs: set[date] = set()
        years: set[int] = set()
        if subject.date_of_birth:
            dobs.add(subject.date_of_birth)
            swapped = transposed(subject.date_of_birth)
            if swapped:
                dobs.add(swapped)
            year = subject.date_of_birth.year
            years = set(range(year - YEAR_WINDOW, year + YEAR_WINDOW + 1))
        return cls(
            family_names=frozenset(families),
            dates_of_birth=frozenset(dobs),
            birth_years=frozenset(years),
            nhs_number=normalise_nhs(subject.nhs_number),
            upn=(subject.upn or "").strip().upper() or None,
            other_ids=frozenset((s.strip().lower(), v.strip()) for s, v in subject.other_ids if v and v.strip()),
        )


def plausible(keys: BlockingKeys, other: Identity) -> bool:
    """Whether ``other`` should be scored against the subject at all (generous by design)."""
    if keys.nhs_number and normalise_nhs(other.nhs_number) == keys.nhs_number:
        return True
    if keys.upn and (other.upn or "").strip().upper() == keys.upn:
        return True
    if keys.other_ids and {(s.strip().lower(), v.strip()) for s, v in other.other_ids} & keys.other_ids:
        return True
    if other.date_of_birth and other.date_of_birth in keys.dates_of_birth:
        return True
    names: set[str] = set()
    for name in {other.family_name, *previous_family_names(other)}:
        names |= family_name_keys(name)
    if names & keys.family_names:
        return other.date_of_birth is None or not keys.birth_years or other.date_of_birth.year in keys.birth_years
    return False
