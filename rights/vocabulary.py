"""The domain's fixed vocabularies: the enumerations stored in the database and used by the rules.

Why a module of its own: the workflow table, the permission rules and the models all speak these words,
and the rules must not depend on the database layer. This module imports nothing from ``rights`` but the
statutory clock (which owns the request types). Everything here is re-exported by :mod:`rights.models`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rights.clock import RequestKind


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    IN_PERSON = "in_person"


class RequesterRole(enum.StrEnum):
    """Who is asking, relative to the data subject (legal-rules.md §2)."""

    SELF_ADULT = "self_adult"
    SELF_CHILD = "self_child"
    PARENT = "parent"
    REPRESENTATIVE = "representative"


class AuthorityBasis(enum.StrEnum):
    NONE_NEEDED = "none_needed"
    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    CHILD_CONSENT = "child_consent"
    SIGNED_CONSENT = "signed_consent"
    POWER_OF_ATTORNEY = "power_of_attorney"
    DEPUTYSHIP = "deputyship"
    COURT_ORDER = "court_order"


class Role(enum.StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"
    RECORD_HOLDER = "record_holder"
    ADMIN = "admin"


class ClockEventKind(enum.StrEnum):
    ID_REQUESTED = "id_requested"
    ID_RECEIVED = "id_received"
    AUTHORITY_REQUESTED = "authority_requested"
    AUTHORITY_RECEIVED = "authority_received"
    FEE_REQUESTED = "fee_requested"
    FEE_RECEIVED = "fee_received"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # committed, not yet handed to the queue (or the queue lost it)
    QUEUED = "queued"
    STARTED = "started"
    RETRYING = "retrying"  # an attempt failed and RQ will try again (after a pause)
    FINISHED = "finished"
    FAILED = "failed"


class SearchStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"  # searched; a candidate match waits for an officer


@dataclass(frozen=True)
class KindWords:
    """What a request type is called, by where the words appear (one table, so they cannot drift)."""

    title: str  # the case page's heading
    short: str  # a column in the case list and the reports
    choice: str  # the option an officer picks when logging a request
    in_letters: str  # how a letter to the requester names it ("your ...")
    about_someone: str = ""  # the same when the information is about someone else ("... about Amelia")

    @property
    def in_letters_about_someone(self) -> str:
        return self.about_someone or self.in_letters


KIND_WORDS: Mapping[RequestKind, KindWords] = MappingProxyType({
    RequestKind.ACCESS: KindWords("Subject access request", "Access", "Access to records (subject access request)",
                                  "request for a copy of your information", "request for a copy of the information"),
    RequestKind.RECTIFICATION: KindWords("Rectification request", "Rectification", "Correct records (rectification)",
                                         "request to correct information"),
    RequestKind.ERASURE: KindWords("Erasure request", "Erasure", "Delete records (erasure)",
                                   "request to delete information"),
    RequestKind.RESTRICTION: KindWords("Restriction request", "Restriction", "Restrict use of records (restriction)",
                                       "request to restrict the use of information"),
    RequestKind.OBJECTION: KindWords("Objection", "Objection", "Object to use of records (objection)",
                                     "objection to the use of information"),
    RequestKind.COMPLAINT: KindWords("Complaint", "Complaint", "Complaint about how we handled personal data",
                                     "complaint about how we handled information"),
})
#: The same words keyed by the stored value, as the pages and letters look them up.
KIND_TITLES: Mapping[str, str] = MappingProxyType({k.value: w.title for k, w in KIND_WORDS.items()})
KIND_SHORT_LABELS: Mapping[str, str] = MappingProxyType({k.value: w.short for k, w in KIND_WORDS.items()})
KIND_CHOICES: list[tuple[str, str]] = [(k.value, w.choice) for k, w in KIND_WORDS.items()]
KIND_IN_LETTERS: Mapping[str, str] = MappingProxyType({k.value: w.in_letters for k, w in KIND_WORDS.items()})
#: A parent's or representative's letter: "your request for a copy of the information about Amelia".
KIND_IN_LETTERS_ABOUT: Mapping[str, str] = MappingProxyType(
    {k.value: w.in_letters_about_someone for k, w in KIND_WORDS.items()})


__all__ = [
    "KIND_CHOICES",
    "KIND_IN_LETTERS",
    "KIND_SHORT_LABELS",
    "KIND_TITLES",
    "KIND_WORDS",
    "AuthorityBasis",
    "Channel",
    "ClockEventKind",
    "JobStatus",
    "KindWords",
    "RequestKind",
    "RequesterRole",
    "Role",
    "SearchStatus",
]
