"""A labelled set of synthetic case notes for measuring redaction (``bench/redaction_quality.py``).

Every mention a note contains is annotated: its span, kind (name, phone, NHS number ...), whose it is
(the subject's, a professional's, a third party's) and whether that person is listed as involved. The
notes mix what the issue names: names that are ordinary words (Hope, Rose, Will, Summer, Brook, Frank,
Young, Moss, Bright), names from many backgrounds, hyphenated and apostrophe surnames, relatives sharing
the subject's surname, people on no involvement list, professionals listed and not, and a paragraph
pasted from another child's case. Sentences are drawn from templates with varied wording; the rules in
:mod:`rights.redaction` are general and were not written against these strings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from rights.redaction.evalset_values import address as _address
from rights.redaction.evalset_values import dob_text as _dob_text
from rights.redaction.evalset_values import iban as _iban
from rights.redaction.evalset_values import landline as _landline
from rights.redaction.evalset_values import mobile as _mobile
from rights.redaction.evalset_values import nhs as _nhs
from rights.redaction.evalset_values import nino as _nino
from rights.redaction.evalset_values import plate as _plate
from rights.redaction.evalset_values import postcode as _postcode
from rights.redaction.evalset_values import random_date as _date
from rights.redaction.evalset_values import upn as _upn
from rights.redaction.model import Kind, RedactionContext, Whose
from rights.sources.base import Address, Identity, Involvement

GIVEN_F = (
    "Sarah", "Emma", "Laura", "Claire", "Kelly", "Gemma", "Hayley", "Donna", "Rachel", "Stacey", "Katarzyna",
    "Agnieszka", "Samira", "Naomi", "Leanne", "Zoë", "Chiamaka", "Ngozi", "Priya", "Anjali", "Fatima", "Aisha",
    "Mei", "Siobhan", "Niamh", "Oksana", "Ioana", "Hope", "Rose", "Summer", "Brook", "Amara", "Yetunde", "Sadia",
    "Nadia", "Joanna", "Bethany", "Chantelle", "Kerry-Ann", "Marie-Claire", "Esther", "Huong", "Anh",
)
GIVEN_M = (
    "Paul", "Mark", "David", "Lee", "Craig", "Darren", "Gary", "Stephen", "Wayne", "Jason", "Piotr", "Tomasz",
    "Imran", "Tariq", "Ryan", "Kwame", "Oluwaseun", "Chinedu", "Rajesh", "Arjun", "Mohammed", "Wei", "Jun",
    "Sean", "Ciarán", "Andrei", "Mihai", "Will", "Frank", "Kofi", "Dmitri", "Callum", "Jamal", "Hassan",
)
GIVEN_CHILD = (
    "Amelia", "Olivia", "Isla", "Ava", "Lily", "Freya", "Mia", "Poppy", "Evie", "Willow", "Ruby", "Oliver",
    "George", "Noah", "Leo", "Harry", "Oscar", "Archie", "Jack", "Muhammad", "Kacper", "Zuzanna", "Ayaan",
    "Tobi", "Adaeze", "Jayden", "Kai", "Tyler", "Riley", "Rhys", "Hope", "Summer", "Rose", "Will", "Brook",
)
NICKNAMES = {"Amelia": "Millie", "Oliver": "Ollie", "Olivia": "Liv", "George": "Georgie", "Muhammad": "Mo",
             "Will": "Billy"}  # short forms in rights/data/nicknames.txt, the ones the matcher knows
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Roberts", "Walker", "Patel",
    "Khan", "Hussain", "Begum", "Singh", "Kaur", "Nowak", "Kowalski", "Wiśniewska", "Popescu", "Ionescu",
    "Okafor", "Adeyemi", "Mensah", "Boateng", "Nguyen", "Zhang", "Chen", "O'Brien", "O'Connor", "D'Souza",
    "Smith-Jones", "Ahmed-Khan", "Young", "Moss", "Bright", "Frank", "Hope", "Brook", "Rose", "Summers",
    "McCarthy", "MacLeod", "Al-Sayed", "Van der Berg", "Kovalenko", "Shevchenko", "Osei", "Mahmoud",
)
PROFESSIONS = (
    ("Social Worker", "social worker"), ("Team Manager", "team manager"), ("Teacher", "class teacher"),
    ("Health Visitor", "health visitor"), ("School Nurse", "school nurse"), ("GP", "GP"),
    ("Independent Reviewing Officer", "IRO"), ("Police Officer", "police officer"),
    ("Family Support Worker", "family support worker"),
)
TOWNS = ("Shrewsbury", "Telford", "Oswestry", "Ludlow", "Bridgnorth", "Whitchurch")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: Kind
    whose: Whose
    listed: bool  # the person is on an involvement list of the request (or is the subject)
    label: str  # what the mention is, for reading failures ("mother given name")


@dataclass(frozen=True)
class Case:
    text: str
    context: RedactionContext
    mentions: tuple[Mention, ...]


class _Note:
    """Builds a note's text piece by piece, recording the span of every annotated piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.mentions: list[Mention] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def mark(self, text: str, kind: Kind, whose: Whose, listed: bool, label: str) -> None:
        self.mentions.append(Mention(self.length, self.length + len(text), kind, whose, listed, label))
        self.add(text)

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _P:
    given: str
    family: str
    role: str
    whose: Whose
    listed: bool
    title: str
    job: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}"


def generate(count: int, seed: int = 11) -> list[Case]:
    """``count`` labelled case notes, reproducible from ``seed``: each note its own family and context."""
    rng = random.Random(seed)
    return [_note(rng, _family(rng, i)) for i in range(count)]


def generate_requests(count: int, seed: int = 11, per_request: int = 25) -> list[list[Case]]:
    """``count`` labelled case notes grouped into requests of ``per_request`` notes, reproducible from ``seed``.

    The notes of a request are about one family and share one :class:`RedactionContext` object, as a
    request's records do in :func:`rights.redaction.service.contexts`. Each note draws its own wording,
    name forms and per-note identifiers.
    """
    rng = random.Random(seed)
    requests: list[list[Case]] = []
    for number in range(0, count, per_request):
        family = _family(rng, number)
        requests.append([_note(rng, family) for _ in range(min(per_request, count - number))])
    return requests


@dataclass(frozen=True)
class _Family:
    """The people of one request, drawn once: the subject, listed relatives and professionals, and others."""

    subject: Identity
    child_given: str
    family: str
    dob: date
    home: str
    home_pc: str
    nhs: str
    mother: _P
    partner: _P
    sibling: _P
    foster: _P
    pros: tuple[_P, ...]
    uncle: _P
    friend: _P
    neighbour: _P
    unlisted_pro_job: tuple[str, str]
    unlisted_pro: _P
    other_child: _P
    context: RedactionContext


def _family(rng: random.Random, number: int) -> _Family:
    family = rng.choice(SURNAMES)
    child_given = rng.choice(GIVEN_CHILD)
    dob = _date(rng, 2008, 2022)
    home = _address(rng)
    home_pc = _postcode(rng)
    nhs = _nhs(rng)
    subject = Identity(child_given, family, dob, addresses=(Address((home, rng.choice(TOWNS)), home_pc, True),),
                       nhs_number=nhs.replace(" ", ""), upn=_upn(rng))
    mother = _P(rng.choice(GIVEN_F), family if rng.random() < 0.6 else rng.choice(SURNAMES), "family_member",
                Whose.THIRD_PARTY, True, "Ms" if rng.random() < 0.4 else "Mrs", "Mother", _mobile(rng))
    mother.email = f"{mother.given.lower()}.{mother.family.lower().replace(' ', '').replace(chr(39), '')}" \
                   f"{rng.randint(1, 99)}@example.com"
    partner = _P(rng.choice(GIVEN_M), rng.choice(SURNAMES), "family_member", Whose.THIRD_PARTY, True, "Mr",
                 "Mother's partner", _mobile(rng), address=f"{_address(rng)}, {rng.choice(TOWNS)}")
    sibling = _P(rng.choice(GIVEN_CHILD), family, "family_member", Whose.THIRD_PARTY, True, "", "Sibling")
    while sibling.given == child_given:
        sibling.given = rng.choice(GIVEN_CHILD)
    foster = _P(rng.choice(GIVEN_F), rng.choice(SURNAMES), "foster_carer", Whose.THIRD_PARTY, True, "Mrs",
                "Foster carer", _landline(rng), address=f"{_address(rng)}, {rng.choice(TOWNS)}")
    pros = []
    for job, _ in rng.sample(PROFESSIONS, 3):
        given = rng.choice(GIVEN_F + GIVEN_M)
        pros.append(_P(given, rng.choice(SURNAMES), "professional", Whose.PROFESSIONAL, True,
                       "Dr" if job == "GP" else ("PC" if job == "Police Officer" else "Ms"), job))
    uncle = _P(rng.choice(GIVEN_M), family, "family_member", Whose.THIRD_PARTY, False, "Mr", "Uncle")
    friend = _P(rng.choice(GIVEN_F + GIVEN_M + GIVEN_CHILD), rng.choice(SURNAMES), "other", Whose.THIRD_PARTY,
                False, "")
    neighbour = _P(rng.choice(GIVEN_F + GIVEN_M), rng.choice(SURNAMES), "other", Whose.THIRD_PARTY, False,
                   rng.choice(("Mr", "Mrs", "Ms", "Miss")))
    # Relatives are not the child's namesakes, nor named like their surname (Hope Hope), and live elsewhere:
    # otherwise no reader could tell the mentions apart either.
    for p in (mother, sibling, uncle):
        while p.given in (child_given, NICKNAMES.get(child_given)) or p.given == p.family:
            p.given = rng.choice(GIVEN_F if p is mother else GIVEN_CHILD if p is sibling else GIVEN_M)
    while partner.address.split(",")[0] == home or foster.address.split(",")[0] == home:  # type: ignore[union-attr]
        partner.address = f"{_address(rng)}, {rng.choice(TOWNS)}"
        foster.address = f"{_address(rng)}, {rng.choice(TOWNS)}"
    listed_names = {p.full for p in (mother, partner, sibling, foster, *pros)}
    for p in (uncle, friend, neighbour):  # someone on no list is not, by chance, a listed person's namesake
        while p.full in listed_names:
            p.given = rng.choice(GIVEN_F + GIVEN_M)
    unlisted_pro_job = rng.choice(PROFESSIONS)
    unlisted_pro = _P(rng.choice(GIVEN_F + GIVEN_M), rng.choice(SURNAMES), "professional", Whose.PROFESSIONAL,
                      False, "Dr" if unlisted_pro_job[0] == "GP" else "Ms", unlisted_pro_job[0])
    other_child = _P(rng.choice(GIVEN_CHILD), rng.choice(SURNAMES), "other_child", Whose.THIRD_PARTY, False, "")
    while other_child.given == child_given or other_child.full in listed_names:
        other_child.given = rng.choice(GIVEN_CHILD)
    while unlisted_pro.full in listed_names:
        unlisted_pro.given = rng.choice(GIVEN_F + GIVEN_M)

    listed = [mother, partner, sibling, foster, *pros]
    involved = tuple(Involvement(p.full, p.role, p.job, f"P{number}-{i}", p.address) for i, p in enumerate(listed))
    known = frozenset({other_child.full} if rng.random() < 0.5 else set())
    context = RedactionContext(subject=subject, involved=involved, request_involved=involved, known_people=known)
    return _Family(subject, child_given, family, dob, home, home_pc, nhs, mother, partner, sibling, foster,
                   tuple(pros), uncle, friend, neighbour, unlisted_pro_job, unlisted_pro, other_child, context)


def _note(rng: random.Random, f: _Family) -> Case:
    subject, child_given, family, dob, home, home_pc, nhs = (f.subject, f.child_given, f.family, f.dob, f.home,
                                                             f.home_pc, f.nhs)
    mother, partner, sibling, foster, pros = f.mother, f.partner, f.sibling, f.foster, f.pros
    uncle, friend, neighbour, other_child = f.uncle, f.friend, f.neighbour, f.other_child
    unlisted_pro_job, unlisted_pro = f.unlisted_pro_job, f.unlisted_pro
    note = _Note()
    S, TP, PRO = Whose.SUBJECT, Whose.THIRD_PARTY, Whose.PROFESSIONAL
    N = Kind.NAME

    def name(p: _P, form: str, label: str) -> None:
        text = {"full": p.full, "given": p.given, "family": p.family, "upper": p.full.upper(),
                "title": f"{p.title} {p.family}", "initial": f"{p.given[0]}. {p.family}",
                "initial2": f"{p.given[0]} {p.family}", "lower": p.given.lower()}[form]
        note.mark(text, N, p.whose, p.listed, f"{label} {form}")

    sw = next((p for p in pros if p.job in ("Social Worker", "Team Manager", "Family Support Worker")), pros[0])
    subject_forms = [child_given, f"{child_given} {family}", NICKNAMES.get(child_given, child_given)]

    # visit header
    note.add("Home visit. ")
    name(sw, rng.choice(("full", "full", "title")), "professional")
    note.add(" (" + (sw.job or "").lower() + ") visited ")
    note.mark(rng.choice(subject_forms), N, S, True, "subject name")
    note.add(" at ")
    note.mark(home, Kind.ADDRESS, S, True, "subject address")
    note.add(", ")
    note.mark(home_pc, Kind.POSTCODE, S, True, "subject postcode")
    note.add(". ")
    # mother, sharing the surname or not
    name(mother, rng.choice(("title", "full", "given")), "mother")
    note.add(rng.choice((" said that ", " told me that ", " reported that ")))
    name(partner, rng.choice(("given", "full", "initial", "initial2")), "partner")
    note.add(rng.choice((" had not been home since Friday. ", " was staying at ", " still lives at ")))
    if note.parts[-1].endswith("at "):
        note.mark(partner.address.split(",")[0], Kind.ADDRESS, TP, True, "partner address")  # type: ignore[union-attr]
        note.add(". ")
    note.add("Mum's mobile is ")
    note.mark(mother.phone or "", Kind.PHONE, TP, True, "mother phone")
    note.add(" and her email ")
    note.mark(mother.email, Kind.EMAIL, TP, True, "mother email")
    note.add(". ")
    # the subject, in their own words, with a sibling sharing the surname
    note.mark(NICKNAMES.get(child_given, child_given), N, S, True, "subject nickname or given")
    note.add(rng.choice((" said she misses ", " said he plays with ", " talked about ")))
    name(sibling, rng.choice(("given", "given", "full", "lower")), "sibling")
    note.add(" and ")
    friend_form = rng.choice(("friend", "friend called", "full"))
    if friend_form == "friend":
        note.add("her friend ")
        name(friend, "given", "friend (unlisted)")
    elif friend_form == "friend called":
        note.add("a friend called ")
        name(friend, "given", "friend (unlisted)")
    else:
        name(friend, "full", "friend (unlisted)")
    note.add(". ")
    # relatives on no list
    note.add(rng.choice(("Her uncle ", "His uncle ", "An uncle, ")))
    name(uncle, rng.choice(("full", "full", "given")), "uncle sharing surname (unlisted)")
    note.add(rng.choice((", phoned on ", " rang from ")))
    uncle_phone = _mobile(rng)
    note.mark(uncle_phone, Kind.PHONE, TP, False, "uncle phone")
    note.add(". The neighbour, ")
    name(neighbour, rng.choice(("title", "full")), "neighbour (unlisted)")
    note.add(", said there had been shouting. ")
    # partner identifiers
    note.add(rng.choice(("Partner's car ", "A car, registration ")))
    note.mark(_plate(rng), Kind.VEHICLE, TP, True, "partner vehicle")
    note.add(" was outside; ")
    name(partner, "given" if partner.family == family else "family", "partner")
    note.add("'s NI number is ")
    note.mark(_nino(rng), Kind.NINO, TP, True, "partner NI number")
    note.add(". ")
    if rng.random() < 0.4:
        note.add("Payments to sort code ")
        note.mark(f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}", Kind.BANK, TP, True,
                  "mother sort code")
        note.add(", account ")
        note.mark(f"{rng.randint(10000000, 99999999)}", Kind.BANK, TP, True, "mother account")
        note.add(". ")
    if rng.random() < 0.2:
        note.add("Mother's IBAN ")
        note.mark(_iban(rng), Kind.BANK, TP, True, "mother IBAN")
        note.add(". ")
    # foster placement
    note.add("Placement with ")
    name(foster, rng.choice(("full", "title")), "foster carer")
    note.add(" at ")
    note.mark(foster.address.split(",")[0], Kind.ADDRESS, TP, True, "foster carer address")  # type: ignore[union-attr]
    note.add(" continues; carer's number ")
    note.mark(foster.phone or "", Kind.PHONE, TP, True, "foster carer phone")
    note.add(". ")
    # subject's identifiers
    note.add(rng.choice(("NHS number ", "NHS no. ")))
    note.mark(nhs, Kind.NHS, S, True, "subject NHS number")
    note.add(", born ")
    note.mark(_dob_text(rng, dob), Kind.DOB, S, True, "subject date of birth")
    note.add(". UPN ")
    note.mark(subject.upn or "", Kind.UPN, S, True, "subject UPN")
    note.add(". ")
    # other professionals, listed and not
    for p in pros[1:]:
        name(p, rng.choice(("full", "title", "full")), "professional")
        note.add(rng.choice((" attended the meeting. ", " (" + (p.job or "") + ") agreed the plan. ")))
    note.add(rng.choice(("Spoke to the ", "Call from ")))
    note.add(unlisted_pro_job[1] + ", ")
    name(unlisted_pro, rng.choice(("full", "title")), "professional (unlisted)")
    note.add(", who had no concerns. ")
    if rng.random() < 0.5:
        note.add("Email from ")
        note.mark(f"{sw.given.lower()}.{sw.family.lower().replace(' ', '').replace(chr(39), '')}@shropshire.gov.uk",
                  Kind.EMAIL, PRO, True, "professional email")
        note.add(". ")
    # ordinary words that are names, used as words
    note.add(rng.choice((
        "We hope the summer holidays go well. ", "Will review in May. ", "Mum will bring her to the brook. ",
        "Hope was expressed that things improve. ", "Frank discussion held. ", "Young people's service informed. ",
        "A bright and chatty child. ", "Rose garden at the back is overgrown. ", "Summer term report due. ",
    )))
    # pasted from another child's case
    if rng.random() < 0.35:
        other_dob = _date(rng, 2008, 2022)
        note.add("\n[Pasted] ")
        name(other_child, "full", "other child (pasted)")
        note.add(" (DOB ")
        note.mark(_dob_text(rng, other_dob), Kind.DOB, TP, False, "other child date of birth")
        note.add(", NHS ")
        note.mark(_nhs(rng), Kind.NHS, TP, False, "other child NHS number")
        note.add(") of ")
        note.mark(_address(rng), Kind.ADDRESS, TP, False, "other child address")
        note.add(", ")
        note.mark(_postcode(rng), Kind.POSTCODE, TP, False, "other child postcode")
        note.add(", disclosed that ")
        name(other_child, "given", "other child (pasted)")
        note.add("'s stepfather hit her. LCS ")
        note.mark(f"{rng.randint(100000, 999999)}", Kind.PERSON_ID, TP, False, "other child LCS id")
        note.add(".")
    text = note.text()
    mentions = tuple(_fix_person_id(text, m) for m in note.mentions)
    return Case(text, f.context, mentions)


def _fix_person_id(text: str, mention: Mention) -> Mention:
    """A person id's mention covers its scheme too ('LCS 123456'), as the detector reports it."""
    if mention.kind is Kind.PERSON_ID and text[max(0, mention.start - 4):mention.start] == "LCS ":
        return Mention(mention.start - 4, mention.end, mention.kind, mention.whose, mention.listed, mention.label)
    return mention
