"""The connector contract every source system meets (case management, early help, SEND, ...).

A connector finds candidate people by the subject's identifiers, fetches a person's records, and lists
the people involved in each record with their role. Matching (``rights.matching``) decides which
candidates are the subject; redaction uses the involvement lists to find third parties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...] = ()
    postcode: str | None = None
    current: bool = False


@dataclass(frozen=True)
class Identity:
    """What is known of a person, on the request (the subject) or in a source system (a candidate)."""

    given_names: str
    family_name: str
    date_of_birth: date | None = None
    previous_names: tuple[str, ...] = ()  # full names ("Amelia Smith") or family names ("Smith")
    addresses: tuple[Address, ...] = ()
    nhs_number: str | None = None
    upn: str | None = None  # unique pupil number
    other_ids: tuple[tuple[str, str], ...] = ()  # (scheme, value), e.g. ("LCS", "123456")


@dataclass(frozen=True)
class Candidate:
    """A person a source system holds who might be the subject."""

    source: str  # connector name
    person_id: str  # the source system's own id
    identity: Identity
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Involvement:
    """Someone a record mentions, with the role the source system knows them in."""

    name: str
    role: str  # subject | family_member | carer | foster_carer | professional | other_child | referrer | other
    job_title: str | None = None
    person_id: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class SourceRecord:
    """One record (case note, assessment, document) held about a person."""

    source: str
    record_id: str
    person_id: str
    date: date | None
    title: str
    text: str | None = None
    file_bytes: bytes | None = None
    file_name: str | None = None
    content_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    involved: tuple[Involvement, ...] = ()


@dataclass(frozen=True)
class SearchTerms:
    """What a connector is asked for: the subject's identity and the period requested."""

    identity: Identity
    date_from: date | None = None
    date_to: date | None = None


class SourceError(RuntimeError):
    """A source could not be searched (unreachable, timed out, refused); the task records it and retries."""


class NotSearchable(SourceError):
    """The source cannot be searched with the terms the request has (e.g. it needs an identifier we lack).

    Unlike a plain SourceError this is not retried: asking again cannot help. The search log records it,
    so the gap is visible evidence rather than a silent "no records".
    """


class IncompleteRecords(SourceError):
    """Some of a person's records came back, but parts could not be gathered (an attachment refused or failed).

    ``records`` holds what was gathered, so the caller can store it before recording the error on the task;
    the job is then retried like any SourceError, and records already stored are not stored twice. A caller
    that does not know this class still sees a SourceError: the task fails visibly and nothing is half-told.
    """

    def __init__(self, message: str, records: list[SourceRecord]) -> None:
        super().__init__(message)
        self.records = records


@runtime_checkable
class Connector(Protocol):
    name: str
    service: str

    def find_candidates(self, terms: SearchTerms) -> list[Candidate]: ...

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]: ...
