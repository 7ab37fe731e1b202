"""A synthetic county for the demo systems: families, their records in seven services, and ground truth.

Everything is derived from ``seed`` and the family count through string-seeded ``random.Random``
instances (stable across runs and Python processes), so the same seed always yields the same people,
identifiers and records. The only input that moves with the calendar is ``today`` for the residential
homes' CCTV log, which honours the 14-day automatic deletion described in the privacy notice.

What it holds, and why (identity matching and redaction must be tested against it):

- families with children (siblings, sometimes twins), parents and step-parents, kinship carers, and
  foster carers with their own addresses (redaction must hide those later);
- professionals with job titles per service (social worker, team manager, health visitor, teacher, YOT
  officer, ...);
- look-alike children in other families: the same name and a different date of birth, the same date of
  birth and a different name (often the same surname and district);
- each service's own way of recording a person: known-as names (nicknames), initials in the health
  record, previous surnames not yet updated, double-barrelled names split or joined, accents dropped by
  ASCII-only systems, NHS numbers and UPNs present in some systems only, a mistyped date of birth, a
  duplicate person record;
- records (referrals, assessments, plans, case notes, minutes, logs, CCTV clips) whose text names the
  people involved, each listed in ``involved`` with their role.

Records are generated lazily per person (``records_for``) so a county of 100,000 people costs little
memory. The rates of each kind of noise are in :data:`NOISE`; ``bench/matching_eval.py`` reports them
beside the matching figures.
"""

from __future__ import annotations

import string
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from random import Random

from rights import identifiers
from rights.names import are_nicknames, fold
from rights.sources.base import Address, Identity, Involvement, SourceRecord

# Data runs up to this date (records, placements); it is fixed so the data never depends on the wall clock.
EPOCH = date(2026, 1, 31)
CCTV_RETENTION_DAYS = 14


@dataclass(frozen=True)
class ServiceSpec:
    code: str  # the connector's ``service``: the same keys as the privacy notice's services (rights/data)
    label: str  # as the privacy notice names it
    system: str  # the kind of system it emulates
    id_prefix: str


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("childrens_social_care", "Children's social care", "case management system", "LCS"),
    ServiceSpec("early_help", "Early help", "early help module", "EH"),
    ServiceSpec("send", "Special educational needs and disabilities (SEND)", "SEND case system", "SEN"),
    ServiceSpec("youth_justice", "Youth justice", "youth justice case system", "YJ"),
    ServiceSpec("fostering_adoption", "Fostering and adoption", "fostering and adoption system", "FA"),
    ServiceSpec("residential_homes", "Residential homes (with CCTV)", "residential homes log", "RH"),
    ServiceSpec("shared_care_record", "One Health and Care shared care record", "shared care record", "OHC"),
)
SERVICE_CODES = tuple(s.code for s in SERVICES)
SERVICE_BY_CODE = {s.code: s for s in SERVICES}


@dataclass(frozen=True)
class Noise:
    """How often each kind of inconsistency occurs (per person record in a source, or per request)."""

    dob_typo: float = 0.003  # a hand-keyed source's date of birth has day/month swapped or one digit wrong
    dob_missing: float = 0.004  # early help / residential record without a date of birth
    given_typo: float = 0.002  # a hand-keyed misspelling of the given name (early help)
    known_as_used: float = 0.6  # early help and residential homes record the known-as name
    initial_only: float = 0.005  # early help, youth justice and residential records with only initials
    surname_not_updated: float = 0.15  # after a change of surname, the source still has the old one
    previous_kept: float = 0.6  # after a change, the source keeps the old surname as a previous name
    duplicate_record: float = 0.01  # social care holds two person records for one child
    nhs_invalid: float = 0.003  # a source's NHS number is mistyped (fails its check digit)
    request_known_as: float = 0.12  # the request gives the known-as name rather than the legal one
    request_previous_names: float = 0.7  # the request lists previous surnames, when there are any
    request_previous_addresses: float = 0.6
    request_nhs: float = 0.45
    request_upn: float = 0.1
    request_no_accents: float = 0.25
    request_dob_typo: float = 0.001  # rare: identity is checked against documents before the search
    request_sibling_nhs: float = 0.003  # a parent gives the sibling's NHS number by mistake


NOISE = Noise()

# Probability that a source records the NHS number / the UPN (school-age children) for a child.
NHS_RECORDED = {"childrens_social_care": 0.75, "early_help": 0.35, "send": 0.5, "youth_justice": 0.5,
                "fostering_adoption": 0.8, "residential_homes": 0.7, "shared_care_record": 1.0}
UPN_RECORDED = {"childrens_social_care": 0.4, "early_help": 0.4, "send": 1.0, "youth_justice": 0.3,
                "fostering_adoption": 0.3, "residential_homes": 0.3, "shared_care_record": 0.0}
ASCII_ONLY = frozenset({"send", "youth_justice"})  # older systems that cannot store accents
# The shared care record takes names and dates of birth from the NHS spine (PDS), so it has no keying
# slips; the others are keyed by hand from referrals.
HAND_KEYED = frozenset(SERVICE_CODES) - {"shared_care_record"}
INITIALS_KEPT = frozenset({"early_help", "youth_justice", "residential_homes"})  # referrals often give "J. Smith"

# ---------------------------------------------------------------- name pools

BOYS = (
    "Oliver", "George", "Arthur", "Noah", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore",
    "Freddie", "Jack", "Charlie", "Thomas", "William", "Alfred", "James", "Joshua", "Samuel", "Joseph", "Edward",
    "Jacob", "Isaac", "Lucas", "Alexander", "Daniel", "Benjamin", "Finley", "Reuben", "Ethan", "Mason", "Logan",
    "Tyler", "Riley", "Kai", "Jayden", "Callum", "Harrison", "Dylan", "Łukasz", "Jakub", "Filip", "Mohammed",
    "Ibrahim", "Yusuf", "Kacper", "Rhys", "Owen", "Evan", "Matthew", "Christopher", "Nathaniel", "Zachary",
    "Frederick", "Robert", "Michael", "Anthony", "Connor", "Elliot", "Toby", "Max", "Jenson", "Ronnie", "Teddy",
    "Stanley", "Louis", "Albie", "Hugo", "Rory", "Ezra", "Bobby", "Jude", "Hunter", "Aaron", "Dominik", "Mateusz",
    "José", "Ciarán", "Seán", "Aleksander", "Emil", "Felix", "Gabriel", "Caleb", "Kian", "Ollie", "Sonny", "Otis",
)
GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Lily", "Freya", "Florence", "Mia", "Isabella", "Sophia", "Grace",
    "Poppy", "Evie", "Willow", "Elsie", "Ella", "Rosie", "Charlotte", "Matilda", "Emily", "Ruby", "Phoebe",
    "Harper", "Sienna", "Elizabeth", "Katherine", "Madison", "Eleanor", "Jessica", "Rebecca", "Abigail",
    "Victoria", "Harriet", "Zoë", "Chloë", "Anaïs", "Renée", "Niamh", "Siân", "Zuzanna", "Wiktoria", "Aisha",
    "Amara", "Maya", "Layla", "Nevaeh", "Josephine", "Penelope", "Francesca", "Samantha", "Alexandra",
    "Georgina", "Natasha", "Philippa", "Daisy", "Millie", "Hallie", "Aurora", "Luna", "Esme", "Maisie", "Bonnie",
    "Orla", "Nancy", "Lottie", "Hannah", "Lucy", "Molly", "Erin", "Scarlett", "Iris", "Ada", "Thea", "Violet",
    "Gabriela", "Oliwia", "Hanna", "Aoife", "Saoirse", "Fatima", "Zainab", "Maryam", "Amira", "Jasmine", "Imogen",
)
MEN = (
    "Paul", "Mark", "David", "Lee", "Craig", "Darren", "Gary", "Stephen", "Andrew", "Richard", "Wayne", "Jason",
    "Dean", "Karl", "Shaun", "John", "Michael", "Christopher", "Daniel", "James", "Robert", "Matthew", "Thomas",
    "Piotr", "Tomasz", "Imran", "Tariq", "Ryan", "Adam", "Carl", "Jamie", "Neil", "Simon", "Martin", "Kevin",
)
WOMEN = (
    "Sarah", "Emma", "Laura", "Lisa", "Claire", "Kelly", "Nicola", "Gemma", "Hayley", "Donna", "Michelle",
    "Rachel", "Stacey", "Kerry", "Joanne", "Amanda", "Jennifer", "Deborah", "Susan", "Katarzyna", "Agnieszka",
    "Samira", "Naomi", "Leanne", "Zoe", "Charlotte", "Rebecca", "Victoria", "Catherine", "Louise", "Helen",
)
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore",
    "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson",
    "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell",
    "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer",
    "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson",
    "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton",
    "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees",
    "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page",
    "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding",
    "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah",
    "Dean", "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
    "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton",
    "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins",
    "Moss", "McCarthy", "Chambers", "Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski",
    "Zieliński", "Szymańska", "Müller", "Novák", "Dvořák", "Popescu", "Ionescu", "Da Silva", "Van der Berg",
    "D'Souza", "MacLeod", "Pryce", "Bowen", "Vaughan", "Pugh", "Beddoes", "Corbett", "Onions", "Tudor",
)
# Known-as names as families use them; most are standard short forms, a few are family-specific.
KNOWN_AS: Mapping[str, tuple[str, ...]] = {
    "William": ("Will", "Billy", "Bill"), "Alfred": ("Alfie",), "Elizabeth": ("Lizzie", "Beth", "Libby"),
    "Katherine": ("Kate", "Katie"), "Madison": ("Maddie",), "Thomas": ("Tom", "Tommy"), "James": ("Jamie",),
    "Samuel": ("Sam",), "Alexander": ("Alex",), "Oliver": ("Ollie",), "Joseph": ("Joe",), "Daniel": ("Danny",),
    "Matthew": ("Matty",), "Benjamin": ("Ben",), "Isabella": ("Bella", "Izzy"), "Olivia": ("Liv",),
    "Jessica": ("Jess",), "Rebecca": ("Becky",), "Victoria": ("Tori",), "Abigail": ("Abbie",),
    "Eleanor": ("Ellie",), "Harriet": ("Hattie",), "Frederick": ("Freddie",), "Theodore": ("Theo", "Teddy"),
    "Edward": ("Eddie",), "Christopher": ("Chris",), "Nathaniel": ("Nate",), "Zachary": ("Zach",),
    "Josephine": ("Josie",), "Penelope": ("Penny",), "Francesca": ("Frankie",), "Samantha": ("Sam",),
    "Alexandra": ("Lexi",), "Georgina": ("Georgie",), "Natasha": ("Tash",), "Philippa": ("Pippa",),
    "Charlotte": ("Lottie", "Charlie"), "Matilda": ("Tilly",), "Florence": ("Flo",), "Joshua": ("Josh",),
    "Jacob": ("Jake",), "Michael": ("Mikey",), "Robert": ("Robbie",), "Harrison": ("Harry",),
    "Reuben": ("Reub",), "Mohammed": ("Mo",), "Ibrahim": ("Ibby",), "Aleksander": ("Olek",),
}
KNOWN_AS_RATE = 0.35  # children with a name above who are known by a short form

# ---------------------------------------------------------------- places

TOWNS = (
    ("Shrewsbury", ("SY1", "SY2", "SY3")), ("Oswestry", ("SY10", "SY11")), ("Whitchurch", ("SY13",)),
    ("Market Drayton", ("TF9",)), ("Telford", ("TF1", "TF2", "TF3", "TF7")), ("Newport", ("TF10",)),
    ("Bridgnorth", ("WV15", "WV16")), ("Ludlow", ("SY8",)), ("Church Stretton", ("SY6",)),
    ("Wellington", ("TF1",)), ("Wem", ("SY4",)), ("Craven Arms", ("SY7",)),
)
STREETS = (
    "Oak Road", "Severn Street", "Castle Gates", "Meadow Close", "Church Lane", "Station Road", "Mill Street",
    "Wyle Cop", "Abbey Foregate", "Longden Road", "Belvidere Avenue", "Sutton Way", "Hereford Road", "Ash Grove",
    "Willow Crescent", "The Crescent", "Beech Drive", "Holly Close", "Kingsland Road", "Greenfields Lane",
    "Wenlock Road", "Copthorne Road", "Bishop Street", "Victoria Street", "Queens Road", "Orchard Way",
    "Brook Lane", "Hill Top", "Elm Court", "Raven Meadows", "Pride Hill", "Salop Road", "Whitehall Street",
)
HOMES = (
    ("Meadow View", ("Meadow View", "4 Coton Hill"), "SY1 2DP"),
    ("The Willows", ("The Willows", "Bayston Hill"), "SY3 0HF"),
    ("Severn House", ("Severn House", "21 Severn Bank"), "SY8 1RS"),
)
SCHOOLS = (
    "Meole Brace School", "The Priory School", "Oswestry School of Learning", "Ludlow Church of England School",
    "Wrekin View Primary", "St Mary's Primary", "Castlefields Primary", "Severndale Specialist Academy",
    "Bridgnorth Endowed School", "Belvidere School", "Grange Primary", "Harlescott Junior School",
)
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# ---------------------------------------------------------------- professionals

STAFF_TITLES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "childrens_social_care": (("Social Worker", 0.65), ("Senior Practitioner", 0.1), ("Team Manager", 0.15),
                    ("Independent Reviewing Officer", 0.1)),
    "early_help": (("Family Support Worker", 0.5), ("Early Help Practitioner", 0.35), ("Team Manager", 0.15)),
    "send": (("SEND Case Officer", 0.45), ("Educational Psychologist", 0.2), ("SENCo", 0.2), ("Teacher", 0.15)),
    "youth_justice": (("YOT Officer", 0.6), ("Youth Justice Worker", 0.25), ("Team Manager", 0.15)),
    "fostering_adoption": (("Supervising Social Worker", 0.5), ("Adoption Social Worker", 0.3),
                           ("Team Manager", 0.2)),
    "residential_homes": (("Residential Care Worker", 0.7), ("Deputy Manager", 0.15), ("Registered Manager", 0.15)),
    "shared_care_record": (("Health Visitor", 0.3), ("School Nurse", 0.2), ("GP", 0.25), ("Paediatrician", 0.1),
               ("CAMHS Practitioner", 0.15)),
}
MANAGER_TITLES = frozenset({"Team Manager", "Registered Manager", "Deputy Manager"})


# ---------------------------------------------------------------- the county's people


@dataclass(frozen=True)
class Dwelling:
    lines: tuple[str, ...]
    postcode: str
    since: date
    until: date | None  # None: still lives there

    def address(self, current: bool) -> Address:
        return Address(lines=self.lines, postcode=self.postcode, current=current)

    def one_line(self) -> str:
        return ", ".join((*self.lines, self.postcode))


@dataclass
class Resident:
    """A real (synthetic) person in the county: the ground truth behind every source's records."""

    pid: str
    given: tuple[str, ...]  # legal given names: first, then middle names
    family: str
    dob: date
    sex: str
    role: str  # child | mother | father | stepfather | kinship_carer | foster_carer
    household: int
    homes: tuple[Dwelling, ...]
    previous_families: tuple[str, ...] = ()
    known_as: str | None = None
    nhs: str | None = None
    upn: str | None = None
    lookalike_of: str | None = None  # this child was made to resemble that one
    lookalike_kind: str | None = None  # same_name | same_dob
    twin_of: str | None = None
    placement: Placement | None = None  # children looked after

    @property
    def first(self) -> str:
        return self.given[0]

    @property
    def legal_name(self) -> str:
        return " ".join((*self.given, self.family))

    @property
    def called(self) -> str:
        return self.known_as or self.first

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


@dataclass(frozen=True)
class Placement:
    kind: str  # foster | residential
    since: date
    carers: tuple[str, ...] = ()  # foster carers' pids
    home: int | None = None  # index into HOMES


@dataclass
class Household:
    hid: int
    adults: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    homes: tuple[Dwelling, ...] = ()
    profile: str = "universal"  # universal | early_help | child_in_need | looked_after | foster_carers | lookalike


@dataclass(frozen=True)
class Professional:
    name: str
    title: str
    service: str


@dataclass(frozen=True)
class SourcePerson:
    """How one source system records one resident (a person may have two records: a duplicate)."""

    service: str
    person_id: str
    pid: str
    identity: Identity
    start: date  # involvement with the service
    end: date
    n_records: int
    worker: int  # index into the service's professionals
    duplicate: bool = False


@dataclass
class SourceData:
    service: str
    people: dict[str, SourcePerson] = field(default_factory=dict)
    by_pid: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_surname: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_dob: dict[date, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_nhs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_upn: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_given: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, sp: SourcePerson) -> None:
        self.people[sp.person_id] = sp
        self.by_pid[sp.pid].append(sp.person_id)
        ident = sp.identity
        for key in surname_keys(ident):
            self.by_surname[key].append(sp.person_id)
        if ident.date_of_birth:
            self.by_dob[ident.date_of_birth].append(sp.person_id)
        nhs = identifiers.normalise_nhs_number(ident.nhs_number)
        if nhs:
            self.by_nhs[nhs].append(sp.person_id)
        upn = identifiers.normalise_upn(ident.upn)
        if upn:
            self.by_upn[upn].append(sp.person_id)
        first = fold(ident.given_names).split(" ")[0] if ident.given_names.strip() else ""
        if first:
            self.by_given[first].append(sp.person_id)


@dataclass
class World:
    seed: int
    families: int
    residents: dict[str, Resident]
    households: dict[int, Household]
    sources: dict[str, SourceData]
    staff: dict[str, tuple[Professional, ...]]
    residents_at_home: dict[int, list[str]]  # residential home index -> children placed there

    def children(self) -> list[Resident]:
        return [r for r in self.residents.values() if r.role == "child"]

    def truth(self, pid: str) -> dict[str, tuple[str, ...]]:
        """Source service -> the person ids that really are this resident."""
        return {code: tuple(src.by_pid[pid]) for code, src in self.sources.items() if src.by_pid.get(pid)}


def surname_keys(identity: Identity) -> set[str]:
    """Folded family names a system search would use: current, previous, and each part of a double name."""
    keys: set[str] = set()
    names = [identity.family_name] + [p.split()[-1] for p in identity.previous_names if p.split()]
    for name in names:
        folded = fold(name)
        if not folded:
            continue
        keys.add(folded.replace(" ", "").replace("-", ""))
        parts = [p for p in folded.replace("-", " ").split() if len(p) > 2]
        if len(parts) > 1:
            keys.update(parts)
    return keys


def strip_accents(text: str) -> str:
    """What an ASCII-only system stores: 'Zoë Wiśniewska' -> 'Zoe Wisniewska' (case kept)."""
    special = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})
    decomposed = unicodedata.normalize("NFKD", text.translate(special))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---------------------------------------------------------------- generation


class _Ids:
    """Unique synthetic identifiers: valid NHS numbers, UPNs, person ids per service."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.nhs: set[str] = set()
        self.upn: set[str] = set()
        self.counters = dict.fromkeys(SERVICE_CODES, 0)

    def nhs_number(self) -> str:
        while True:
            first = self.rng.choice("4679") + "".join(self.rng.choice(string.digits) for _ in range(8))
            check = identifiers.nhs_check_digit(first)
            if check is not None and first + str(check) not in self.nhs:
                self.nhs.add(first + str(check))
                return first + str(check)

    def upn_for(self, allocated: int) -> str:
        while True:
            body = f"893{self.rng.randint(2000, 4999):04d}{allocated % 100:02d}{self.rng.randint(0, 999):03d}"
            upn = identifiers.upn_check_letter(body) + body
            if upn not in self.upn:
                self.upn.add(upn)
                return upn

    def person_id(self, service: str) -> str:
        self.counters[service] += 1
        n = self.counters[service]
        spec = SERVICE_BY_CODE[service]
        return {
            "childrens_social_care": f"LCS{100000 + n * 7}", "early_help": f"EH-{n:05d}", "send": f"SEN{n:06d}",
            "youth_justice": f"YJ{20000 + n}", "fostering_adoption": f"FA-{n:05d}", "residential_homes": f"RH{n:05d}",
            "shared_care_record": f"OHC-{3000000 + n * 3}",
        }.get(service, f"{spec.id_prefix}{n}")


def _rand_date(rng: Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _postcode(rng: Random, district: str) -> str:
    return f"{district} {rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}{rng.choice(_POSTCODE_LETTERS)}"


def _dwelling_history(rng: Random, since: date, district: str | None = None) -> tuple[Dwelling, ...]:
    moves = rng.choices((0, 1, 2), weights=(55, 33, 12))[0]
    town, districts = rng.choice(TOWNS)
    when = [since, *sorted(_rand_date(rng, since + timedelta(days=200), EPOCH - timedelta(days=60))
                          for _ in range(moves))]
    out = []
    for i, start in enumerate(when):
        if i and rng.random() < 0.3:
            town, districts = rng.choice(TOWNS)
        d = district if (district and i == len(when) - 1) else rng.choice(districts)
        line = f"{rng.randint(1, 140)} {rng.choice(STREETS)}"
        until = when[i + 1] if i + 1 < len(when) else None
        out.append(Dwelling((line, town), _postcode(rng, d), start, until))
    return tuple(out)


def _pick_name(rng: Random, pool: tuple[str, ...], avoid: Iterable[str]) -> str:
    """A name not equal to, nor a short form of, nor spelt like any in ``avoid`` (siblings' names)."""
    taken = [fold(a) for a in avoid]
    for _ in range(50):
        name = rng.choice(pool)
        f = fold(name)
        if all(f != t and not are_nicknames(f, t) for t in taken):
            return name
    return rng.choice(pool)


def _child_dobs(rng: Random, n: int) -> list[date]:
    oldest = _rand_date(rng, EPOCH - timedelta(days=17 * 365 + 200), EPOCH - timedelta(days=2 * 365))
    dobs = [oldest]
    for _ in range(n - 1):
        gap = 0 if rng.random() < 0.04 else rng.randint(400, 1500)  # 4%: twins
        nxt = dobs[-1] + timedelta(days=gap)
        if nxt > EPOCH - timedelta(days=60):
            break
        dobs.append(nxt)
    return dobs


def _make_child(ctx: _Gen, hh: Household, family: str, dob: date, avoid: list[str],
                previous: tuple[str, ...] = ()) -> Resident:
    rng = ctx.rng
    sex = rng.choice("FM")
    pool = GIRLS if sex == "F" else BOYS
    first = _pick_name(rng, pool, avoid)
    given = (first,) if rng.random() < 0.45 else (first, _pick_name(rng, pool, [*avoid, first]))
    known = KNOWN_AS.get(first)
    known_as = rng.choice(known) if known and rng.random() < KNOWN_AS_RATE else None
    upn = ctx.ids.upn_for(dob.year + 5) if dob <= EPOCH - timedelta(days=int(4.5 * 365)) else None
    homes = tuple(h for h in hh.homes if (h.until is None or h.until > dob))
    return Resident(pid=ctx.next_pid(), given=given, family=family, dob=dob, sex=sex, role="child",
                    household=hh.hid, homes=homes or hh.homes[-1:], previous_families=previous,
                    known_as=known_as, nhs=ctx.ids.nhs_number(), upn=upn)


def _make_adult(ctx: _Gen, hh: Household, role: str, family: str, born_before: date,
                previous: tuple[str, ...] = (), homes: tuple[Dwelling, ...] | None = None) -> Resident:
    rng = ctx.rng
    sex = "F" if role in ("mother",) else ("M" if role in ("father", "stepfather") else rng.choice("FM"))
    first = rng.choice(WOMEN if sex == "F" else MEN)
    dob = _rand_date(rng, born_before - timedelta(days=365 * 22), born_before - timedelta(days=365 * 17))
    return Resident(pid=ctx.next_pid(), given=(first,), family=family, dob=dob, sex=sex, role=role,
                    household=hh.hid, homes=homes or hh.homes, previous_families=previous,
                    nhs=ctx.ids.nhs_number())


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = Random(f"rights-desk-demo:{seed}")
        self.ids = _Ids(Random(f"rights-desk-demo-ids:{seed}"))
        self.residents: dict[str, Resident] = {}
        self.households: dict[int, Household] = {}
        self._pid = 0

    def next_pid(self) -> str:
        self._pid += 1
        return f"P{self._pid:07d}"

    def household(self, profile: str, homes: tuple[Dwelling, ...]) -> Household:
        hh = Household(hid=len(self.households) + 1, homes=homes, profile=profile)
        self.households[hh.hid] = hh
        return hh

    def add(self, r: Resident) -> Resident:
        self.residents[r.pid] = r
        hh = self.households[r.household]
        (hh.children if r.role == "child" else hh.adults).append(r.pid)
        return r


def _family(ctx: _Gen) -> None:
    rng = ctx.rng
    profile = rng.choices(("universal", "early_help", "child_in_need", "looked_after"), weights=(33, 30, 28, 9))[0]
    n_children = rng.choices((1, 2, 3, 4), weights=(30, 35, 20, 15))[0]
    dobs = _child_dobs(rng, n_children)
    father_name = rng.choice(SURNAMES)
    mother_maiden = rng.choice(SURNAMES)
    married = rng.random() < 0.5
    double = rng.random() < 0.1 and fold(father_name) != fold(mother_maiden)
    child_family = (f"{mother_maiden}-{father_name}" if double
                    else father_name if rng.random() < 0.8 else mother_maiden)
    homes = _dwelling_history(rng, min(dobs) - timedelta(days=rng.randint(0, 900)))
    hh = ctx.household(profile, homes)

    stepfather = rng.random() < 0.15
    step_name = rng.choice(SURNAMES) if stepfather else None
    renamed = bool(step_name) and rng.random() < 0.35 and fold(step_name or "") != fold(child_family)
    mother_family = step_name if (stepfather and married) else (father_name if married else mother_maiden)
    mother_prev = (mother_maiden,) if fold(mother_family) != fold(mother_maiden) else ()
    ctx.add(_make_adult(ctx, hh, "mother", mother_family, min(dobs), mother_prev))
    if rng.random() < 0.6 and not stepfather:
        # 6% of fathers share a first name with a son: "John Smith" senior and junior.
        ctx.add(_make_adult(ctx, hh, "father", father_name, min(dobs)))
    if stepfather:
        ctx.add(_make_adult(ctx, hh, "stepfather", step_name or father_name, min(dobs)))
    names: list[str] = []
    for i, dob in enumerate(dobs):
        family, previous = child_family, ()
        if renamed and step_name:
            family, previous = step_name, (child_family,)
        child = _make_child(ctx, hh, family, dob, names, previous)
        if i and dob == dobs[i - 1]:
            child.twin_of = hh.children[-1]
        names.append(child.first)
        ctx.add(child)
    father = next((ctx.residents[p] for p in hh.adults if ctx.residents[p].role == "father"), None)
    sons = [ctx.residents[p] for p in hh.children if ctx.residents[p].sex == "M"]
    if father and sons and rng.random() < 0.06 and sons[0].family == father.family:
        sons[0].given = (father.first, *sons[0].given[1:])
        sons[0].known_as = None
    if profile == "child_in_need" and rng.random() < 0.15:
        gran = _make_adult(ctx, hh, "kinship_carer", mother_maiden, min(dobs) - timedelta(days=365 * 20))
        ctx.add(gran)
    if profile == "looked_after":
        for pid in hh.children:
            child = ctx.residents[pid]
            if rng.random() < 0.7 or pid == hh.children[0]:
                since = _rand_date(rng, max(child.dob, EPOCH - timedelta(days=365 * 6)), EPOCH - timedelta(days=90))
                if child.age_on(EPOCH) >= 11 and rng.random() < 0.35:
                    child.placement = Placement("residential", since, home=rng.randrange(len(HOMES)))
                else:
                    child.placement = Placement("foster", since, carers=_foster_carers(ctx))


def _foster_carers(ctx: _Gen) -> tuple[str, ...]:
    """Foster carers live in their own household; reuse an existing one half the time (they foster several)."""
    rng = ctx.rng
    existing = [h for h in ctx.households.values() if h.profile == "foster_carers"]
    if existing and rng.random() < 0.5:
        return tuple(rng.choice(existing).adults)
    homes = _dwelling_history(rng, EPOCH - timedelta(days=365 * 12))
    hh = ctx.household("foster_carers", homes[-1:])
    name = rng.choice(SURNAMES)
    carers = [ctx.add(_make_adult(ctx, hh, "foster_carer", name, EPOCH - timedelta(days=365 * 20)))]
    if rng.random() < 0.6:
        carers.append(ctx.add(_make_adult(ctx, hh, "foster_carer", name, EPOCH - timedelta(days=365 * 20))))
    return tuple(c.pid for c in carers)


def _lookalikes(ctx: _Gen) -> None:
    """Children made to resemble existing ones: same name and another birthday, or same birthday and another name."""
    rng = ctx.rng
    originals = [r for r in list(ctx.residents.values()) if r.role == "child"]
    for target in originals:
        roll = rng.random()
        if roll < 0.06:
            kind = "same_name"
        elif roll < 0.11:
            kind = "same_dob"
        else:
            continue
        if kind == "same_name":
            dob = target.dob
            while dob == target.dob or dob > EPOCH - timedelta(days=60):
                dob = target.dob + timedelta(days=rng.choice((-1, 1)) * rng.randint(30, 4 * 365))
            homes = _dwelling_history(rng, dob)
            hh = ctx.household("lookalike", homes)
            child = _make_child(ctx, hh, target.family, dob, [])
            child.given = target.given[:1] + child.given[1:]
            child.known_as = target.known_as if rng.random() < 0.5 else None
        else:
            district = target.homes[-1].postcode.split()[0] if rng.random() < 0.4 else None
            homes = _dwelling_history(rng, target.dob, district)
            hh = ctx.household("lookalike", homes)
            family = target.family if rng.random() < 0.5 else rng.choice(SURNAMES)
            child = _make_child(ctx, hh, family, target.dob, [target.first, *(target.known_as or "",)])
        child.lookalike_of, child.lookalike_kind = target.pid, kind
        ctx.add(child)
        ctx.add(_make_adult(ctx, hh, "mother", child.family, child.dob))


# ---------------------------------------------------------------- membership of services


def _services_of(seed: int, r: Resident, households: Mapping[int, Household],
                 residents: Mapping[str, Resident]) -> set[str]:
    """The services that know this resident. A look-alike child is known to most of its model's services."""
    rng = Random(f"{seed}:svc:{r.pid}")
    hh = households[r.household]
    if r.role != "child":
        services = {"shared_care_record"} if rng.random() < 0.9 else set()
        if r.role == "foster_carer":
            services.add("fostering_adoption")
        elif (hh.profile in ("child_in_need", "looked_after")
              and r.role in ("mother", "father", "stepfather", "kinship_carer") and rng.random() < 0.85):
            services.add("childrens_social_care")
        if hh.profile == "early_help" and r.role in ("mother", "father", "stepfather") and rng.random() < 0.6:
            services.add("early_help")
        return services
    if r.lookalike_of:
        target = residents[r.lookalike_of]
        modelled = sorted(_services_of(seed, target, households, residents))
        return {s for s in modelled if rng.random() < 0.8} | {"shared_care_record"}
    return _child_services(rng, r, hh)


def _child_services(rng: Random, r: Resident, hh: Household) -> set[str]:
    age = r.age_on(EPOCH)
    s: set[str] = set()
    if rng.random() < 0.9:
        s.add("shared_care_record")
    if hh.profile == "early_help" or (hh.profile == "child_in_need" and rng.random() < 0.5):
        s.add("early_help")
    if hh.profile == "looked_after" or (hh.profile == "child_in_need" and rng.random() < 0.9):
        s.add("childrens_social_care")
    if r.placement:
        s.add("childrens_social_care")
        s.add("fostering_adoption" if r.placement.kind == "foster" else "residential_homes")
        if r.placement.kind == "residential" and rng.random() < 0.3:
            s.add("fostering_adoption")  # fostered before moving to the home
    if age >= 3 and rng.random() < (0.25 if hh.profile != "universal" else 0.08):
        s.add("send")
    if age >= 10 and rng.random() < (0.15 if hh.profile in ("child_in_need", "looked_after") else 0.03):
        s.add("youth_justice")
    if not s:
        s.add("shared_care_record")
    return s


# ---------------------------------------------------------------- as each source records a person


def _dob_slip(rng: Random, dob: date) -> date:
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.5:
        return dob.replace(month=dob.day, day=dob.month)
    for _ in range(20):
        text = list(dob.strftime("%Y%m%d"))
        i = rng.choice((3, 5, 6, 7))  # last year digit, month units, day digits
        text[i] = rng.choice([d for d in string.digits if d != text[i]])
        try:
            slipped = date(int("".join(text[:4])), int("".join(text[4:6])), int("".join(text[6:])))
        except ValueError:
            continue
        if slipped <= EPOCH:
            return slipped
    return dob


def _mistype_nhs(rng: Random, nhs: str) -> str:
    i = rng.randrange(10)
    wrong = rng.choice([d for d in string.digits if d != nhs[i]])
    return nhs[:i] + wrong + nhs[i + 1:]


def _typo(rng: Random, name: str) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # swap two letters


def _as_recorded(rng: Random, r: Resident, service: str, start: date, end: date,
                 placement_address: Address | None = None) -> Identity:
    """The resident as this service's system holds them, with that system's habits and slips."""
    given = " ".join(r.given) if rng.random() < 0.6 else r.first
    if r.known_as and service in ("early_help", "residential_homes") and rng.random() < NOISE.known_as_used:
        given = r.known_as
    if service in INITIALS_KEPT and r.role == "child" and rng.random() < NOISE.initial_only:
        given = " ".join(g[0] for g in r.given)
    if service == "early_help" and rng.random() < NOISE.given_typo:
        given = _typo(rng, given)

    family, previous = r.family, tuple(r.previous_families)
    if r.previous_families:
        roll = rng.random()
        if roll < NOISE.surname_not_updated:
            family, previous = r.previous_families[-1], ()
        elif roll > NOISE.surname_not_updated + NOISE.previous_kept * (1 - NOISE.surname_not_updated):
            previous = ()
    if "-" in family:
        roll = rng.random()
        parts = family.split("-")
        if roll < 0.25:
            family = " ".join(parts)
        elif roll < 0.4:
            family = parts[0]
        elif roll < 0.55:
            family = parts[-1]

    dob: date | None = r.dob
    if service in HAND_KEYED and rng.random() < NOISE.dob_typo:
        dob = _dob_slip(rng, r.dob)
    elif service in ("early_help", "residential_homes") and rng.random() < NOISE.dob_missing:
        dob = None

    nhs = r.nhs if r.nhs and rng.random() < (NHS_RECORDED[service] if r.role == "child" else 0.5) else None
    if service == "shared_care_record":
        nhs = r.nhs
    if nhs and service != "shared_care_record" and rng.random() < NOISE.nhs_invalid:
        nhs = _mistype_nhs(rng, nhs)
    upn = r.upn if r.upn and rng.random() < UPN_RECORDED[service] else None

    known = [d for d in r.homes if d.since <= end and (d.until is None or d.until > start)] or list(r.homes[-1:])
    addresses = [d.address(current=False) for d in known]
    if placement_address is not None:
        addresses.append(placement_address)
    if addresses:
        last = addresses[-1]
        addresses[-1] = Address(lines=last.lines, postcode=last.postcode, current=True)
    if service in ASCII_ONLY:
        given, family = strip_accents(given), strip_accents(family)
        previous = tuple(strip_accents(p) for p in previous)
    return Identity(given_names=given, family_name=family, date_of_birth=dob, previous_names=previous,
                    addresses=tuple(a for a in addresses if a.postcode), nhs_number=nhs, upn=upn)


_RECORDS_PER_YEAR = {"childrens_social_care": 5.0, "early_help": 4.0, "send": 2.5, "youth_justice": 6.0,
                     "fostering_adoption": 5.0, "residential_homes": 9.0, "shared_care_record": 2.0}


def _involvement(rng: Random, r: Resident, service: str) -> tuple[date, date]:
    born = r.dob if r.role == "child" else EPOCH - timedelta(days=365 * 15)
    if r.placement and service in ("fostering_adoption", "residential_homes"):
        return r.placement.since, EPOCH
    if service == "shared_care_record":
        return born, EPOCH
    earliest = max(born, EPOCH - timedelta(days=365 * 8))
    start = _rand_date(rng, earliest, EPOCH - timedelta(days=60))
    end = EPOCH if rng.random() < 0.4 else _rand_date(rng, start + timedelta(days=60), EPOCH)
    return start, end


def _build_sources(ctx: _Gen, seed: int) -> dict[str, SourceData]:
    sources = {code: SourceData(code) for code in SERVICE_CODES}
    staff_sizes = {code: len(_staff_titles(code, ctx.households)) for code in SERVICE_CODES}
    for r in ctx.residents.values():
        rng = Random(f"{seed}:src:{r.pid}")
        for service in sorted(_services_of(seed, r, ctx.households, ctx.residents)):
            start, end = _involvement(rng, r, service)
            years = max((end - start).days / 365.25, 0.2)
            rate = _RECORDS_PER_YEAR[service] * (1.0 if r.role == "child" else 0.3)
            n = max(1, min(60, round(rng.gauss(rate * min(years, 4) + 2, 2))))
            duplicated = (service == "childrens_social_care" and r.role == "child"
                          and rng.random() < NOISE.duplicate_record)
            copies = 2 if duplicated else 1
            placed = _placement_address(ctx, r) if service in ("childrens_social_care", "fostering_adoption",
                                                                "residential_homes") else None
            for copy in range(copies):
                identity = _as_recorded(rng, r, service, start, end, placed)
                if copy:
                    identity = Identity(identity.given_names, identity.family_name,
                                        identity.date_of_birth, addresses=identity.addresses[-1:])
                sources[service].add(SourcePerson(
                    service=service, person_id=ctx.ids.person_id(service), pid=r.pid, identity=identity,
                    start=start, end=end, n_records=n if not copy else max(1, n // 4),
                    worker=rng.randrange(staff_sizes[service]), duplicate=bool(copy),
                ))
    for src in sources.values():  # plain dicts from here on (no accidental inserts on lookup)
        src.by_pid, src.by_surname, src.by_dob = dict(src.by_pid), dict(src.by_surname), dict(src.by_dob)
        src.by_nhs, src.by_upn, src.by_given = dict(src.by_nhs), dict(src.by_upn), dict(src.by_given)
    return sources


def _placement_address(ctx: _Gen, r: Resident) -> Address | None:
    """Where a looked-after child lives now: the children's home, or the foster carers' home."""
    if r.placement is None:
        return None
    if r.placement.home is not None:
        _, lines, postcode = HOMES[r.placement.home]
        return Address(lines=lines, postcode=postcode)
    carer = ctx.residents[r.placement.carers[0]]
    return carer.homes[-1].address(current=False)


def _staff_titles(service: str, households: Mapping[int, Household]) -> list[str]:
    n = 6 + len(households) // 25
    rng = Random(f"staff-titles:{service}:{n}")
    titles, weights = zip(*STAFF_TITLES[service], strict=True)
    return [rng.choices(titles, weights=weights)[0] for _ in range(n)]


def _staff(seed: int, households: Mapping[int, Household]) -> dict[str, tuple[Professional, ...]]:
    out = {}
    for service in SERVICE_CODES:
        rng = Random(f"{seed}:staff:{service}")
        people = []
        for title in _staff_titles(service, households):
            first = rng.choice(WOMEN + MEN)
            people.append(Professional(f"{first} {rng.choice(SURNAMES)}", title, service))
        out[service] = tuple(people)
    return out


@lru_cache(maxsize=4)
def generate_world(seed: int = 42, families: int = 300) -> World:
    """The synthetic county for ``seed``: ``families`` families plus their look-alikes and foster carers."""
    if families < 1:
        raise ValueError("families must be at least 1")
    ctx = _Gen(seed)
    for _ in range(families):
        _family(ctx)
    _lookalikes(ctx)
    sources = _build_sources(ctx, seed)
    at_home: dict[int, list[str]] = defaultdict(list)
    for r in ctx.residents.values():
        if r.placement and r.placement.home is not None:
            at_home[r.placement.home].append(r.pid)
    return World(seed=seed, families=families, residents=ctx.residents, households=ctx.households,
                 sources=sources, staff=_staff(seed, ctx.households), residents_at_home=dict(at_home))


# ---------------------------------------------------------------- searching a source


def find(world: World, service: str, subject: Identity, year_window: int = 5) -> list[SourcePerson]:
    """People a worker's search of this system would list: by identifier, date of birth, or surname.

    Like a case-management search screen: an NHS number or UPN hit, anyone born on the date given (or with
    day and month swapped), and anyone whose current or previous surname (or part of a double name)
    matches, limited to birth years within ``year_window`` unless the forename also matches. Look-alikes
    come back on purpose; the matcher decides.
    """
    src = world.sources[service]
    hits: dict[str, None] = {}

    def add(ids: Iterable[str]) -> None:
        for pid in ids:
            hits.setdefault(pid, None)

    nhs = identifiers.normalise_nhs_number(subject.nhs_number)
    if nhs:
        add(src.by_nhs.get(nhs, ()))
    upn = identifiers.normalise_upn(subject.upn)
    if upn:
        add(src.by_upn.get(upn, ()))
    dob = subject.date_of_birth
    if dob:
        add(src.by_dob.get(dob, ()))
        if dob.day <= 12 and dob.day != dob.month:
            add(src.by_dob.get(dob.replace(month=dob.day, day=dob.month), ()))
    first = fold(subject.given_names).split(" ")[0] if subject.given_names.strip() else ""
    for key in surname_keys(subject):
        for pid in src.by_surname.get(key, ()):
            other = src.people[pid].identity
            other_first = fold(other.given_names).split(" ")[0] if other.given_names.strip() else ""
            near = (dob is None or other.date_of_birth is None
                    or abs(other.date_of_birth.year - dob.year) <= year_window)
            if near or (first and (other_first == first or are_nicknames(other_first, first))):
                hits.setdefault(pid, None)
    return [src.people[pid] for pid in hits]


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class _Slot:
    text: str
    involved: tuple[Involvement, ...] = ()


_TEMPLATES: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "childrens_social_care": (
        ("referral", "Referral received from {referrer_label}",
         "Referral received from {referrer}. Concerns were raised about {child}'s attendance at {school} and "
         "about conditions at home. {mother} was told about the referral by {worker}."),
        ("assessment", "Child and family assessment",
         "{worker} completed a child and family assessment. {child} lives with {household}. {child} said that "
         "{child_pronoun} likes school but worries about arguments at home. The assessment was agreed by {manager}."),
        ("case_note", "Case note: home visit",
         "Home visit by {worker}. {child} was seen alone and said {child_pronoun} felt safe. {mother} reported "
         "that {sibling} had been unwell. Next visit in four weeks."),
        ("plan", "Child in need plan",
         "Plan agreed with {mother} and {child}. {teacher} at {school} will monitor attendance; {worker} will "
         "visit fortnightly; the plan will be reviewed in three months, chaired by {manager}."),
        ("minutes", "Child protection conference minutes",
         "Present: {mother}, {worker}, {manager}, {health_visitor}. The conference heard that {child} "
         "had missed health appointments. {father_clause}Decision: a child protection plan under the category "
         "of neglect."),
        ("case_note", "Case note: contact with grandparent",
         "{kinship_carer} has been caring for {child} at weekends. {worker} visited {kinship_carer} at "
         "{kinship_address} and discussed a kinship assessment."),
        ("review", "Looked after child review",
         "{child} is placed with {carer_names} at {carer_address}. The review was chaired by {iro}. {child} "
         "said {child_pronoun} would like more time with {sibling}. {worker} will arrange contact."),
    ),
    "early_help": (
        ("assessment", "Early help assessment",
         "{worker} met {mother} and {child} at home. The family asked for help with routines and with "
         "{sibling}'s sleep. {child} enjoys football and drawing."),
        ("meeting", "Team around the family meeting",
         "Attendees: {mother}, {worker}, {teacher} ({school}). {child}'s attendance has improved to 94%. "
         "Actions agreed for the next six weeks."),
        ("case_note", "Family support session",
         "Session with {child} and {mother} led by {worker}. Worked on a morning routine chart. {child} "
         "chose the stickers."),
        ("plan", "Early help plan",
         "Outcomes: regular school attendance for {child}; support for {mother} with housing. Lead "
         "professional: {worker}. Reviewed by {manager}."),
        ("closure", "Early help closure summary",
         "Support for {child} has ended as the plan's outcomes were met. {mother} agreed to the closure. "
         "Signed off by {manager}."),
    ),
    "send": (
        ("request", "Request for an EHC needs assessment",
         "{teacher}, {school}, asked for an education, health and care needs assessment for {child}. "
         "{child} has speech and language needs and finds group work hard."),
        ("advice", "Educational psychology advice",
         "{worker} observed {child} in class at {school} and met {mother}. {child} responds well to visual "
         "timetables and short tasks."),
        ("plan", "Education, health and care plan",
         "Section B: {child} has difficulties with communication and interaction. Section F: 15 hours of "
         "support a week at {school}. Case officer: {worker}."),
        ("review", "EHC plan annual review",
         "Annual review held at {school} with {mother}, {teacher} and {worker}. {child} said "
         "{child_pronoun} likes the new reading group. Plan to be amended."),
    ),
    "youth_justice": (
        ("assessment", "AssetPlus assessment",
         "{worker} completed an AssetPlus assessment with {child}. {child} lives with {household}. "
         "Risk of reoffending assessed as medium."),
        ("report", "Referral order panel report",
         "{child} attended the panel with {mother}. {child} apologised to the victim, {victim}, in a letter. "
         "Report prepared by {worker}."),
        ("case_note", "Intervention session",
         "Session on consequential thinking with {child}, led by {worker}. {child} engaged well."),
        ("plan", "Intervention plan",
         "Plan agreed with {child} and {mother}: weekly sessions with {worker}, reparation hours, and "
         "education support at {school}. Countersigned by {manager}."),
    ),
    "fostering_adoption": (
        ("plan", "Placement plan",
         "{child} is placed with foster carers {carer_names} at {carer_address}. Supervising social worker: "
         "{worker}. Contact with {mother} fortnightly, supervised."),
        ("log", "Foster carer's daily log",
         "{carer_first} writes: {child} had a good day at {school} and played with {other_child} after tea."),
        ("visit", "Supervising social worker visit",
         "{worker} visited {carer_names} and saw {child}. {child} said {child_pronoun} is settled."),
        ("life_story", "Life story work",
         "{worker} and {child} worked on {child}'s life story book, including photographs of {mother} and "
         "{sibling}."),
    ),
    "residential_homes": (
        ("log", "Daily log",
         "{child} went to {school} and returned at 16:00. Evening meal with {peer}. Staff on shift: {worker}."),
        ("incident", "Incident report",
         "{child} and {peer} argued in the lounge; {worker} de-escalated. No injuries. Reviewed by {manager}."),
        ("key_work", "Key work session",
         "Key work session with {worker}. {child} talked about contact with {mother} and wants to see "
         "{sibling} more often."),
        ("missing", "Return home interview",
         "{child} was missing from {home} overnight and returned at 09:30. Interview by {worker}."),
        ("cctv_activation", "CCTV activation record",
         "CCTV at {home} activated because of concerns about unknown adults entering the grounds. Authorised "
         "by {manager} (Registered Manager), {social_worker} and {mother}."),
    ),
    "shared_care_record": (
        ("contact", "Health visitor contact",
         "{health_visitor} saw {child} with {mother}. Growth and development on track."),
        ("review", "School nurse review",
         "{school_nurse} reviewed {child} at {school}. Height and weight recorded; vision screening passed."),
        ("consultation", "GP consultation summary",
         "{gp} saw {child} with {mother} about a persistent cough. Inhaler prescribed."),
        ("attendance", "Emergency department attendance",
         "{child} attended with {mother} after a fall at home. X-ray clear. Seen by {paediatrician}."),
        ("letter", "CAMHS letter",
         "Dear {mother}, {child} has been added to the waiting list for an assessment. {camhs}."),
    ),
}
_ADULT_TEMPLATES: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "childrens_social_care": (("assessment", "Parenting assessment",
                     "{worker} completed a parenting assessment with {self}. {self} engaged well."),),
    "early_help": (("case_note", "Parent support session", "{worker} met {self} to discuss routines."),),
    "fostering_adoption": (
        ("assessment", "Foster carer annual review",
         "Annual review of {self} as a foster carer, at {self_address}. Supervising social worker: {worker}."),
        ("training", "Training record", "{self} completed safeguarding training led by {worker}."),
    ),
    "shared_care_record": (("consultation", "GP consultation summary", "{gp} saw {self}. Blood pressure checked."),),
}
_CAMERAS = ("front door", "rear garden", "car park", "hallway")


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _inv(r: Resident, role: str, person_ids: Mapping[str, list[str]] | None = None,
         address: str | None = None, name: str | None = None) -> Involvement:
    pid_list = person_ids.get(r.pid) if person_ids else None
    return Involvement(name=name or f"{r.called} {r.family}", role=role,
                       person_id=pid_list[0] if pid_list else None, address=address)


def _pro(p: Professional) -> _Slot:
    return _Slot(f"{p.name} ({p.title})", (Involvement(p.name, "professional", job_title=p.title),))


def _context(world: World, sp: SourcePerson, rng: Random) -> dict[str, _Slot]:
    r = world.residents[sp.pid]
    src = world.sources[sp.service]
    hh = world.households[r.household]
    staff = world.staff[sp.service]
    worker = staff[sp.worker]
    managers = [p for p in staff if p.title in MANAGER_TITLES] or list(staff)
    ident = sp.identity
    called = ident.given_names.split(" ")[0] if ident.given_names else r.called
    ctx: dict[str, _Slot] = {
        "child": _Slot(called, ()),
        "self": _Slot(f"{called} {ident.family_name}", ()),
        "child_pronoun": _Slot("she" if r.sex == "F" else "he"),
        "worker": _pro(worker),
        "manager": _pro(managers[sp.worker % len(managers)]),
        "school": _Slot(SCHOOLS[int(r.pid[1:]) % len(SCHOOLS)]),
    }
    if r.homes:
        ctx["self_address"] = _Slot(r.homes[-1].one_line())
    adults = [world.residents[p] for p in hh.adults]
    kids = [world.residents[p] for p in hh.children if p != r.pid]
    mother = next((a for a in adults if a.role == "mother"), None)
    father = next((a for a in adults if a.role in ("father", "stepfather")), None)
    if mother:
        ctx["mother"] = _Slot(f"{mother.called} {mother.family} (mother)", (_inv(mother, "family_member", src.by_pid),))
    else:
        ctx["mother"] = _Slot("the family", ())
    if father:
        ctx["father_clause"] = _Slot(f"{father.called} {father.family} ({father.role}) did not attend. ",
                                     (_inv(father, "family_member", src.by_pid),))
    else:
        ctx["father_clause"] = _Slot("")
    if kids:
        sib = kids[rng.randrange(len(kids))]
        ctx["sibling"] = _Slot(f"{sib.called} ({'sister' if sib.sex == 'F' else 'brother'})",
                               (_inv(sib, "family_member", src.by_pid, name=f"{sib.called} {sib.family}"),))
    else:
        ctx["sibling"] = _Slot("a cousin, Jordan", (Involvement("Jordan", "family_member"),))
    members = [s for s in (ctx.get("mother"),) if s and s.involved]
    if father:
        members.append(_Slot(f"{father.called} {father.family}", (_inv(father, "family_member", src.by_pid),)))
    if kids:
        members += [_Slot(k.called, (_inv(k, "family_member", src.by_pid),)) for k in kids[:2]]
    ctx["household"] = _Slot(", ".join(m.text for m in members) or "a relative",
                             tuple(i for m in members for i in m.involved))
    kin = next((a for a in adults if a.role == "kinship_carer"), None)
    if kin:
        ctx["kinship_carer"] = _Slot(f"{kin.called} {kin.family} (grandparent)", (_inv(kin, "carer", src.by_pid),))
        ctx["kinship_address"] = _Slot(kin.homes[-1].one_line())
    if r.placement and r.placement.carers:
        carers = [world.residents[p] for p in r.placement.carers]
        address = carers[0].homes[-1].one_line()
        inv = tuple(_inv(c, "foster_carer", src.by_pid, address=address) for c in carers)
        ctx["carer_names"] = _Slot(" and ".join(f"{c.called} {c.family}" for c in carers), inv)
        ctx["carer_first"] = _Slot(carers[0].called, inv[:1])
        ctx["carer_address"] = _Slot(address, inv)
        ctx["iro"] = _pro(_titled(world, "childrens_social_care", "Independent Reviewing Officer", sp.worker))
    if r.placement and r.placement.home is not None:
        name = HOMES[r.placement.home][0]
        ctx["home"] = _Slot(name)
        peers = [world.residents[p] for p in world.residents_at_home.get(r.placement.home, []) if p != r.pid]
        if peers:
            peer = peers[rng.randrange(len(peers))]
            ctx["peer"] = _Slot(peer.called, (_inv(peer, "other_child", src.by_pid,
                                                   name=f"{peer.called} {peer.family}"),))
        ctx["social_worker"] = _pro(_titled(world, "childrens_social_care", "Social Worker", sp.worker))
    ctx["other_child"] = _Slot("another child in placement", ())
    if sp.service == "childrens_social_care":
        ctx["health_visitor"] = _pro(_titled(world, "shared_care_record", "Health Visitor", sp.worker))
    if sp.service in ("childrens_social_care", "early_help", "send"):
        ctx["teacher"] = _Slot(f"{_teacher(world, r)} (Teacher)",
                               (Involvement(_teacher(world, r), "professional", job_title="Teacher"),))
    if sp.service == "shared_care_record":
        ctx["health_visitor"] = _pro(_titled(world, "shared_care_record", "Health Visitor", sp.worker))
        ctx["gp"] = _pro(_titled(world, "shared_care_record", "GP", sp.worker))
        ctx["school_nurse"] = _pro(_titled(world, "shared_care_record", "School Nurse", sp.worker))
        ctx["paediatrician"] = _pro(_titled(world, "shared_care_record", "Paediatrician", sp.worker))
        ctx["camhs"] = _pro(_titled(world, "shared_care_record", "CAMHS Practitioner", sp.worker))
    if sp.service == "childrens_social_care":
        if rng.random() < 0.5:
            neighbour = f"{rng.choice(WOMEN)} {rng.choice(SURNAMES)}"
            ctx["referrer"] = _Slot(f"{neighbour}, a neighbour", (Involvement(neighbour, "referrer"),))
            ctx["referrer_label"] = _Slot("a neighbour")
        else:
            teacher = _teacher(world, r)
            ctx["referrer"] = _Slot(f"{teacher}, teacher at {ctx['school'].text}",
                                    (Involvement(teacher, "professional", job_title="Teacher"),))
            ctx["referrer_label"] = _Slot("school")
    if sp.service == "youth_justice":
        victim = f"{rng.choice(MEN + WOMEN)} {rng.choice(SURNAMES)}"
        ctx["victim"] = _Slot(victim, (Involvement(victim, "other"),))
    return ctx


def _titled(world: World, service: str, title: str, n: int) -> Professional:
    people = [p for p in world.staff[service] if p.title == title] or list(world.staff[service])
    return people[n % len(people)]


def _teacher(world: World, r: Resident) -> str:
    rng = Random(f"{world.seed}:teacher:{r.pid}")
    return f"{rng.choice(('Mrs', 'Mr', 'Ms', 'Miss'))} {rng.choice(SURNAMES)}"


def records_for(world: World, sp: SourcePerson, source_name: str, today: date,
                date_from: date | None = None, date_to: date | None = None) -> list[SourceRecord]:
    """This person's records in the source, oldest first, filtered to the period asked for."""
    r = world.residents[sp.pid]
    rng = Random(f"{world.seed}:records:{sp.service}:{sp.person_id}")
    ctx = _context(world, sp, rng)
    subject = Involvement(name=f"{sp.identity.given_names} {sp.identity.family_name}".strip(), role="subject",
                          person_id=sp.person_id)
    templates = (_TEMPLATES if r.role == "child" else _ADULT_TEMPLATES).get(sp.service, ())
    usable = [t for t in templates if _fields(t[1] + t[2]) <= ctx.keys()]
    out: list[SourceRecord] = []
    if usable:
        span = max((sp.end - sp.start).days, 1)
        days = sorted(rng.randint(0, span) for _ in range(sp.n_records))
        for i, offset in enumerate(days):
            when = sp.start + timedelta(days=offset)
            fitting = [t for t in usable if _suits_age(t, r, when)] or usable
            kind, title, text = fitting[rng.randrange(len(fitting))]
            used = _fields(title + text)
            values = {k: ctx[k].text for k in used}
            involved: dict[tuple[str, str], Involvement] = {(subject.name, "subject"): subject}
            for k in sorted(used):
                for inv in ctx[k].involved:
                    involved.setdefault((inv.name, inv.role), inv)
            out.append(SourceRecord(
                source=source_name, record_id=f"{sp.person_id}-{i + 1:03d}", person_id=sp.person_id, date=when,
                title=title.format(**values), text=text.format(**values),
                metadata={"service": sp.service, "kind": kind, "system": SERVICE_BY_CODE[sp.service].system,
                          "author": ctx["worker"].involved[0].name, "author_role": ctx["worker"].involved[0].job_title},
                involved=tuple(involved.values()),
            ))
    if sp.service == "residential_homes" and r.placement and r.placement.home is not None and not sp.duplicate:
        out += _cctv(world, sp, r, source_name, today, subject, ctx)
    return [rec for rec in out if _in_period(rec.date, date_from, date_to)]


def _suits_age(template: tuple[str, str, str], r: Resident, when: date) -> bool:
    """School and teachers from age 4; health visitors before 5 (they hand over to school nurses)."""
    if r.role != "child":
        return True
    used = _fields(template[1] + template[2])
    age = r.age_on(when)
    if used & {"school", "teacher"} and age < 4:
        return False
    return not ("health_visitor" in used and age >= 5)


def _in_period(day: date | None, date_from: date | None, date_to: date | None) -> bool:
    if day is None:
        return True
    return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)


def _cctv(world: World, sp: SourcePerson, r: Resident, source_name: str, today: date, subject: Involvement,
          ctx: Mapping[str, _Slot]) -> list[SourceRecord]:
    """Clips showing the child from the last 14 days only; older footage is gone (automatic deletion)."""
    assert r.placement is not None and r.placement.home is not None
    home = HOMES[r.placement.home][0]
    first_kept = today - timedelta(days=CCTV_RETENTION_DAYS)
    out: list[SourceRecord] = []
    day = max(first_kept, r.placement.since)
    while day <= today:
        rng = Random(f"{world.seed}:cctv:{sp.person_id}:{day.isoformat()}")  # the same clips whatever `today` is
        if rng.random() < 0.25:
            camera = rng.choice(_CAMERAS)
            at = f"{rng.randint(0, 23):02d}:{rng.choice(('05', '20', '35', '50'))}"
            involved = [subject]
            text = f"Camera '{camera}' at {home}, {day:%d/%m/%Y} {at}: {sp.identity.given_names} is seen "
            if "peer" in ctx and rng.random() < 0.5:
                text += f"with {ctx['peer'].text} "
                involved += ctx["peer"].involved
            text += rng.choice(("leaving by the front door.", "returning to the home.", "in the hallway with staff."))
            out.append(SourceRecord(
                source=source_name, record_id=f"{sp.person_id}-CCTV-{day:%Y%m%d}-{_CAMERAS.index(camera)}",
                person_id=sp.person_id, date=day, title=f"CCTV clip: {camera}, {day:%d/%m/%Y} {at}", text=text,
                file_name=f"cctv-{day:%Y%m%d}-{camera.replace(' ', '-')}.mp4", content_type="video/mp4",
                metadata={"service": "residential_homes", "kind": "cctv_clip", "camera": camera, "home": home,
                          "retention_days": CCTV_RETENTION_DAYS,
                          "deleted_after": (day + timedelta(days=CCTV_RETENTION_DAYS)).isoformat()},
                involved=tuple(involved),
            ))
        day += timedelta(days=1)
    if r.placement.since < first_kept:
        out.append(SourceRecord(
            source=source_name, record_id=f"{sp.person_id}-CCTV-DELETED-{first_kept:%Y%m%d}", person_id=sp.person_id,
            date=today, title="CCTV footage deleted automatically (14-day retention)",
            text=(f"CCTV footage recorded at {home} before {first_kept:%d/%m/%Y} has been deleted automatically: all "
                  f"footage is deleted after {CCTV_RETENTION_DAYS} days (privacy notice: Use of CCTV in Residential "
                  "Homes). No copy was kept, so it cannot be provided."),
            metadata={"service": "residential_homes", "kind": "cctv_deletion_notice", "home": home,
                      "retention_days": CCTV_RETENTION_DAYS, "deleted_before": first_kept.isoformat()},
            involved=(subject,),
        ))
    return out


# ---------------------------------------------------------------- the subject as a request describes them


def describe_on_request(world: World, pid: str, rng: Random) -> tuple[Identity, tuple[str, ...]]:
    """How a requester (or the child) would describe this resident on a request, with the usual variation.

    Returns the identity and labels of the variations used (for reporting).
    """
    r = world.residents[pid]
    labels: list[str] = []
    given = " ".join(r.given) if rng.random() < 0.4 else r.first
    if r.known_as and rng.random() < NOISE.request_known_as:
        given = r.known_as
        labels.append("known-as name")
    family = r.family
    if any(strip_accents(x) != x for x in (given, family)) and rng.random() < NOISE.request_no_accents:
        given, family = strip_accents(given), strip_accents(family)
        labels.append("accents dropped")
    previous: tuple[str, ...] = ()
    if r.previous_families and rng.random() < NOISE.request_previous_names:
        previous = tuple(r.previous_families)
        labels.append("previous surname given")
    elif r.previous_families:
        labels.append("previous surname not given")
    dob = r.dob
    if rng.random() < NOISE.request_dob_typo:
        dob = _dob_slip(rng, r.dob)
        labels.append("date of birth mistyped")
    nhs = r.nhs if rng.random() < NOISE.request_nhs else None
    hh = world.households[r.household]
    siblings = [world.residents[p] for p in hh.children if p != pid]
    if nhs and siblings and rng.random() < NOISE.request_sibling_nhs:
        nhs = siblings[0].nhs
        labels.append("sibling's NHS number given")
    if nhs is None:
        labels.append("no NHS number")
    upn = r.upn if r.upn and rng.random() < NOISE.request_upn else None
    homes = list(r.homes)
    addresses = [homes[-1].address(current=True)]
    if len(homes) > 1 and rng.random() < NOISE.request_previous_addresses:
        addresses += [h.address(current=False) for h in homes[:-1]]
    return Identity(given_names=given, family_name=family, date_of_birth=dob, previous_names=previous,
                    addresses=tuple(addresses), nhs_number=nhs, upn=upn), tuple(labels)
