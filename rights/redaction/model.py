"""The data the redaction core passes around: spans found in text, proposals, the context of a record.

Plain frozen dataclasses so the core stays free of Flask and SQLAlchemy: the caller decrypts a gathered
record's text and involvement list, builds a :class:`RedactionContext`, and stores what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rights.sources.base import Identity, Involvement


class Kind(StrEnum):
    """What a span is; the quality benchmark reports per kind."""

    NAME = "name"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PHONE = "phone"
    EMAIL = "email"
    NHS = "nhs_number"
    NINO = "ni_number"
    DOB = "date_of_birth"
    VEHICLE = "vehicle_registration"
    BANK = "bank_details"
    UPN = "upn"
    PERSON_ID = "person_id"


class Whose(StrEnum):
    """Whom a span identifies, as the policy decided it."""

    SUBJECT = "subject"
    PROFESSIONAL = "professional"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class Span:
    """Something a detector found: where, what, and the evidence for whom it identifies.

    ``key`` names the person or identifier so that every mention of one person across a request can be
    decided at once ("person:<source id>" for someone listed as involved, "name:<folded name>" for
    someone on no list, "<kind>:<normalised value>" for an identifier). ``people`` are the listed people
    (the subject included) a name or address may refer to; empty when it matches no one listed. The
    policy, not the detector, decides whom it identifies.
    """

    start: int
    end: int
    kind: Kind
    key: str
    reason: str
    people: tuple[Person, ...] = ()
    words: tuple[str, ...] = ()  # a name's folded words, title and initial left out
    titled: bool = False  # a title stood before the name (Mrs Smith): it refers to an adult, not a child
    initialled: bool = False  # an initial stood before the name (R Boateng): one particular person
    professional_cue: bool = False  # a role word next to the name ("social worker Jane Doe", "Ms Doe (SW)")
    relation_cue: bool = False  # a family or social relation before the name ("her uncle", "the neighbour,")


@dataclass(frozen=True)
class Person:
    """Someone the request's records list as involved, or the subject, with the forms of their name."""

    key: str
    display: str
    role: str  # subject | professional | family_member | carer | foster_carer | other_child | referrer | other
    job_title: str | None
    given: frozenset[str]  # folded given names (and, for the subject, known short forms)
    family: frozenset[str]  # folded family names and their hyphen parts (and previous names)
    address: str | None = None


@dataclass(frozen=True)
class Proposal:
    """What the core proposes for one span: redact it with ``code`` or keep it, and why, for an officer."""

    start: int
    end: int
    kind: Kind
    key: str
    whose: Whose
    redact: bool
    code: str | None  # the exemption code when redact is True
    reason: str


DEFAULT_PROFESSIONAL_ROLES: tuple[str, ...] = (
    "social worker", "senior social worker", "team manager", "practice manager", "service manager",
    "children's guardian", "guardian", "teacher", "headteacher", "head teacher", "deputy head", "senco",
    "designated safeguarding lead", "dsl", "teaching assistant", "school staff", "health visitor",
    "school nurse", "nurse", "midwife", "doctor", "gp", "paediatrician", "psychologist", "psychiatrist",
    "camhs practitioner", "therapist", "iro", "independent reviewing officer", "personal adviser",
    "family support worker", "early help practitioner", "key worker", "youth worker", "youth justice worker",
    "practitioner", "support worker", "residential worker", "sw",
)
"""Roles presumed reasonable to disclose when acting in their official capacity (DPA 2018 Sch 2 para 17)."""

POLICE_ROLES: tuple[str, ...] = (
    "police officer", "police constable", "detective constable", "detective sergeant", "sergeant", "pc", "dc",
    "ds", "officer",
)

DEFAULT_PERSON_ID_PATTERNS: tuple[tuple[str, str], ...] = (
    ("LCS", r"\bLCS[ :#-]?\d{6,7}\b"),
    ("CRN", r"\bCRN[ :#-]?[A-Z]\d{6}\b"),
    ("PRN", r"\bPRN[ :#-]?[A-Z]\d{4}[A-Z]{2}\b"),
    ("EHM", r"\bEHM[ :#-]?\d{5,8}\b"),
)
"""Other systems' person ids, as (scheme, regular expression); a council adds its own systems."""

DEFAULT_PROFESSIONAL_EMAIL_DOMAINS: tuple[str, ...] = ("gov.uk", "nhs.net", "nhs.uk", "sch.uk", "police.uk")


@dataclass(frozen=True)
class RedactionConfig:
    """Council settings for proposals. Defaults follow legal-rules.md section 3."""

    professional_roles: tuple[str, ...] = DEFAULT_PROFESSIONAL_ROLES
    police_are_professionals: bool = True
    person_id_patterns: tuple[tuple[str, str], ...] = DEFAULT_PERSON_ID_PATTERNS
    professional_email_domains: tuple[str, ...] = DEFAULT_PROFESSIONAL_EMAIL_DOMAINS
    # Carers whose address is redacted even when the subject lives there (a parent may be the requester).
    protected_address_roles: tuple[str, ...] = ("foster_carer", "carer", "adopter", "adoptive_parent")

    def roles(self) -> tuple[str, ...]:
        return self.professional_roles + (POLICE_ROLES if self.police_are_professionals else ())


def involvements_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Involvement, ...]:
    """Involvement lists as ``rights.search.record_involved`` returns them (decrypted dicts) -> dataclasses.

    Entries without a name are dropped: they cannot be found in text. Every value is made text or None here,
    at the edge: a source may have stored a number as a person id, and the detectors (compiled, see
    ``setup.py``) hold their inputs to the types they declare.
    """
    out = []
    for item in items:
        name = str(item.get("name") or "").strip()
        if name:
            out.append(Involvement(name, str(item.get("role") or "other"), _text_or_none(item.get("job_title")),
                                   _text_or_none(item.get("person_id")), _text_or_none(item.get("address"))))
    return tuple(out)


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True)
class RedactionContext:
    """Everything the core needs besides the text.

    ``involved`` are the people the source lists for this record; ``request_involved`` those of every
    record of the request (a person listed on one record is recognised in all of them); ``known_people``
    full names any configured source knows (someone on no list of this request may still be known);
    ``subject_contacts`` phone numbers and email addresses the subject gave on the request.
    """

    subject: Identity
    involved: tuple[Involvement, ...] = ()
    request_involved: tuple[Involvement, ...] = ()
    known_people: frozenset[str] = frozenset()
    subject_contacts: tuple[str, ...] = ()
    config: RedactionConfig = field(default_factory=RedactionConfig)


# ---------------------------------------------------------------- fast constructors
# A frozen dataclass's __init__ sets each field through object.__setattr__, which costs more than
# everything else a detector does for an identifier it finds. These build the same objects (equal, same
# hash, still frozen) by filling the instance dictionary at once; detectors and the policy make tens of
# thousands of them per megabyte. Keep them in step with the fields above (a unit test compares them).


def new_span(start: int, end: int, kind: Kind, key: str, reason: str, people: tuple[Person, ...] = (),
             words: tuple[str, ...] = (), titled: bool = False, initialled: bool = False,
             professional_cue: bool = False, relation_cue: bool = False) -> Span:
    """``Span(...)``, built faster."""
    span = object.__new__(Span)
    span.__dict__.update(start=start, end=end, kind=kind, key=key, reason=reason, people=people, words=words,
                         titled=titled, initialled=initialled, professional_cue=professional_cue,
                         relation_cue=relation_cue)
    return span


def new_proposal(start: int, end: int, kind: Kind, key: str, whose: Whose, redact: bool, code: str | None,
                 reason: str) -> Proposal:
    """``Proposal(...)``, built faster."""
    proposal = object.__new__(Proposal)
    proposal.__dict__.update(start=start, end=end, kind=kind, key=key, whose=whose, redact=redact, code=code,
                             reason=reason)
    return proposal
