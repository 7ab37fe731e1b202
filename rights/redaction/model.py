"""The data the redaction core is given: the context of a record, the people listed, the council's settings.

Plain frozen dataclasses so the core stays free of Flask and SQLAlchemy: the caller decrypts a gathered
record's text and involvement list, builds a :class:`RedactionContext`, and stores what comes back (spans
and proposals, made per mention: :mod:`rights.redaction.spans`, compiled).
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
class Person:
    """Someone the request's records list as involved, or the subject, with the forms of their name."""

    key: str
    display: str
    role: str  # subject | professional | family_member | carer | foster_carer | other_child | referrer | other
    job_title: str | None
    given: frozenset[str]  # folded given names (and, for the subject, known short forms)
    family: frozenset[str]  # folded family names and their hyphen parts (and previous names)
    address: str | None = None


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
