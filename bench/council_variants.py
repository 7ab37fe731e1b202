"""A second matching evaluation, built apart from the demo county: the subject stored the ways councils do.

The demo generator (``rights.demo.world``) rarely stores a child under a previous surname or an initial,
so its 99% says little about those. This generator builds, for each subject, a small world of seven
systems and stores the subject in each system one way, at the rates below, beside look-alike children
who share enough to be returned by the same search. The request describes the subject as a parent
would: the current legal name, the date of birth, the current address, the NHS number about half the
time and a previous surname about a third of the time.

How each system holds the subject (``VARIANT_RATES``, of the records that exist; a system holds the
subject with probability ``HELD``):

- exact: the request's name and date of birth;  nickname: a known short form of the given name;
- typo: two adjacent letters of the given name swapped;  dob swap: day and month swapped;
- previous surname, with / without NHS number: held under the birth surname, never updated;
- initial only: "J" for the given name;  no NHS number: exact but no NHS number recorded;
- moved address: only an address the family left.

Any variant records the NHS number with probability ``NHS_RECORDED`` (the two previous-surname
variants and "no NHS number" fix it); a record lists the birth surname as a previous name with
probability ``PREVIOUS_LISTED``; a record outside the case system cross-references the case system's
id with probability ``CROSS_REFERENCED``.

Look-alikes (per subject, at ``LOOKALIKE_RATES``; each held by each system with probability ``HELD``):
a twin (same surname, birth date and address, another given name, half the time with the same
initial); a sibling with the same initial (born 1 to 4 years apart); another child with the same name
and another birth date; another child with the same birth date and surname, another given name; and a
child adopted out and back under a new name (same given name, held under the subject's surname that
was once theirs, a birth date one digit away, their own NHS number). Look-alikes are sometimes held by
initial only (``LOOKALIKE_INITIAL``) and without their NHS number (half the time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

from rights import identifiers
from rights.names import are_nicknames, fold
from rights.sources.base import Address, Candidate, Identity

SYSTEMS = ("LCS", "EHM", "SEND", "YOT", "HEALTH", "EDU", "RES")
HELD = 0.55
NHS_RECORDED = 0.6
PREVIOUS_LISTED = 0.4
CROSS_REFERENCED = 0.25
REQUEST_NHS = 0.5
REQUEST_PREVIOUS = 0.35
CHANGED_SURNAME = 0.45  # subjects whose surname changed (adoption, a parent's remarriage)
VARIANT_RATES: dict[str, float] = {
    "exact": 0.28, "nickname": 0.10, "typo": 0.07, "dob swap": 0.06, "previous surname with NHS": 0.10,
    "previous surname without NHS": 0.10, "initial only": 0.09, "no NHS number": 0.10, "moved address": 0.10,
}
LOOKALIKE_RATES: dict[str, float] = {
    "twin": 0.10, "sibling same initial": 0.25, "same name other birth date": 0.25,
    "same birth date other name": 0.25, "adopted out and back": 0.10,
}
LOOKALIKE_INITIAL = 0.25

PAIRS = (("william", "billy"), ("elizabeth", "beth"), ("thomas", "tom"), ("alexander", "alex"),
         ("katherine", "kate"), ("samuel", "sam"), ("jessica", "jess"), ("oliver", "ollie"),
         ("charlotte", "lottie"), ("daniel", "danny"), ("rebecca", "becky"), ("joseph", "joe"),
         ("abigail", "abbie"), ("matthew", "matt"), ("eleanor", "ellie"), ("benjamin", "ben"),
         ("james", "jim"), ("olivia", "liv"), ("henry", "harry"), ("jacob", "jake"))
GIVEN = tuple(full.title() for full, short in PAIRS if are_nicknames(full, short))
SHORT = {full.title(): short.title() for full, short in PAIRS if are_nicknames(full, short)}
OTHER_GIVEN = ("Jack", "Jade", "Josh", "Bella", "Brooke", "Theo", "Tia", "Ava", "Amir", "Evie", "Kai", "Kian",
               "Omar", "Owen", "Ruby", "Rosa", "Hugo", "Harley", "Eric", "Esme", "Leo", "Lara", "Mason", "Maya",
               "Noah", "Nia", "Sofia", "Seth", "Dylan", "Darcy", "Orla", "Beau", "Toby", "Tara", "Cara", "Wyatt",
               "Willow", "Kara")
SURNAMES = ("Hart", "Price", "Walsh", "Doyle", "Khan", "Patel", "Evans", "Hughes", "Rees", "Lloyd", "Morgan", "Brooks",
            "Carter", "Fletcher", "Gibson", "Holmes", "Jennings", "Kelly", "Lowe", "Marsh", "Nolan", "Owens", "Pearce",
            "Quinn", "Reid", "Shaw", "Tucker", "Vaughan", "Webb", "Young", "Bryant", "Chapman", "Dixon", "Ellis")


@dataclass(frozen=True)
class Held:
    """One person record a system returns, and the truth about it."""

    candidate: Candidate
    subject: bool
    variant: str  # how the subject is held, or the look-alike's kind


@dataclass
class Case:
    request: Identity
    records: list[Held] = field(default_factory=list)


def _nhs(rng: Random) -> str:
    while True:
        body = "".join(str(rng.randrange(10)) for _ in range(9))
        check = identifiers.nhs_check_digit(body)
        if check is not None and body[0] != "0":
            return body + str(check)


def _pick(rng: Random, rates: dict[str, float]) -> str:
    x, total = rng.random() * sum(rates.values()), 0.0
    for name, rate in rates.items():
        total += rate
        if x < total:
            return name
    return next(reversed(rates))


def _address(rng: Random, current: bool) -> Address:
    district = f"SY{rng.randrange(1, 25)}"
    return Address((f"{rng.randrange(1, 200)} {rng.choice(('Mill', 'Oak', 'Station', 'Bridge'))} Road",),
                   f"{district} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                   f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}", current)


def _one_digit(rng: Random, dob: date) -> date:
    for _ in range(20):
        shifted = dob + timedelta(days=rng.choice((1, -1, 10, -10)))
        if shifted.year == dob.year and shifted != dob:
            return shifted
    return dob + timedelta(days=1)


def _swap(dob: date) -> date | None:
    if dob.day <= 12 and dob.day != dob.month:
        return date(dob.year, dob.day, dob.month)
    return None


def _typo(name: str, rng: Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _other_name(rng: Random, given: str, *, same_initial: bool) -> str:
    pool = [n for n in OTHER_GIVEN + GIVEN if fold(n) != fold(given) and not are_nicknames(fold(n), fold(given))
            and (n[0] == given[0]) == same_initial]
    return rng.choice(pool)


def generate(seed: int, subjects: int) -> Iterator[Case]:
    """One case per subject: the request and every person record the seven systems' searches return."""
    rng = Random(seed)
    for n in range(subjects):
        given = rng.choice(GIVEN)
        family = rng.choice(SURNAMES)
        birth_family = rng.choice([s for s in SURNAMES if s != family]) if rng.random() < CHANGED_SURNAME else None
        dob = date(2008, 1, 1) + timedelta(days=rng.randrange(365 * 12))
        home, old_home = _address(rng, True), _address(rng, False)
        nhs = _nhs(rng)
        request = Identity(given, family, dob, addresses=(home,),
                           previous_names=(birth_family,) if birth_family and rng.random() < REQUEST_PREVIOUS else (),
                           nhs_number=nhs if rng.random() < REQUEST_NHS else None)
        case = Case(request)
        lcs_id: str | None = None
        for system in SYSTEMS:
            if rng.random() >= HELD:
                continue
            variant = _pick(rng, VARIANT_RATES)
            if variant.startswith("previous surname") and not birth_family:
                variant = "exact"
            if variant == "dob swap" and _swap(dob) is None:
                variant = "typo"
            forms = {"nickname": SHORT[given], "typo": _typo(given, rng), "initial only": given[0]}
            held_given = forms.get(variant, given)
            held_family = birth_family if variant.startswith("previous surname") else family
            listed = birth_family and held_family == family and rng.random() < PREVIOUS_LISTED
            previous = (birth_family,) if listed and birth_family else ()
            with_nhs = {"previous surname with NHS": True, "previous surname without NHS": False,
                        "no NHS number": False}.get(variant, rng.random() < NHS_RECORDED)
            addresses = (old_home,) if variant == "moved address" else (home, old_home)
            person_id = f"{system}-{n}-S"
            other_ids: tuple[tuple[str, str], ...] = ()
            if system == "LCS":
                lcs_id = person_id
            elif lcs_id and rng.random() < CROSS_REFERENCED:
                other_ids = (("LCS", lcs_id),)
            identity = Identity(held_given, held_family, _swap(dob) if variant == "dob swap" else dob,
                                previous_names=previous, addresses=addresses, nhs_number=nhs if with_nhs else None,
                                other_ids=other_ids)
            case.records.append(Held(Candidate(system, person_id, identity), True, variant))
        for kind, rate in LOOKALIKE_RATES.items():
            if rng.random() >= rate:
                continue
            _lookalike(rng, case, n, kind, given, family, birth_family, dob, home)
        yield case


def _lookalike(rng: Random, case: Case, n: int, kind: str, given: str, family: str, birth_family: str | None,
               dob: date, home: Address) -> None:
    other_home = _address(rng, True)
    previous: tuple[str, ...] = ()
    if kind == "twin":
        name, surname, born, addresses = _other_name(rng, given, same_initial=rng.random() < 0.5), family, dob, (home,)
    elif kind == "sibling same initial":
        gap = timedelta(days=rng.randrange(365, 4 * 365)) * rng.choice((1, -1))
        name, surname, born, addresses = _other_name(rng, given, same_initial=True), family, dob + gap, (home,)
    elif kind == "same name other birth date":
        born = dob + timedelta(days=rng.randrange(40, 3 * 365)) * rng.choice((1, -1))
        name, surname, addresses = given, family, (other_home,)
    elif kind == "same birth date other name":
        name, surname, born, addresses = _other_name(rng, given, same_initial=False), family, dob, (other_home,)
    else:  # adopted out and back: held under the surname that was once theirs (the subject's), new surname now
        name, born, addresses = given, _one_digit(rng, dob), (other_home,)
        surname = family if rng.random() < 0.5 else (birth_family or family)
        previous = ()
    nhs = _nhs(rng)
    for system in SYSTEMS:
        if rng.random() >= HELD:
            continue
        shown = name[0] if rng.random() < LOOKALIKE_INITIAL else name
        identity = Identity(shown, surname, born, previous_names=previous, addresses=addresses,
                            nhs_number=nhs if rng.random() < 0.5 else None)
        case.records.append(Held(Candidate(system, f"{system}-{n}-{kind}", identity), False, kind))
