"""The ``sar-api`` connector: the subject-access contract shared by government services (HMPPS and others).

``GET {base_url}/subject-access-request?prn=&crn=&fromDate=&toDate=`` with ``Authorization: Bearer``. The
contract (the shared Kotlin controller every such service mounts) answers:

- **200** ``{"content": ..., "attachments": [...]}``: the data held, turned into records grouped by section,
  plus one record per attachment, downloaded from the service's own origin;
- **200** with ``{}``, an empty body, or ``"content": null``, and **204**: no data held about the subject;
- **209**: the service does not handle the kind of identifier sent (a CRN to a prison-only service, a PRN to
  a probation-only one): it needs the other one. An *unknown* person gets 204, not 209;
- **401**: our token expired or was revoked: a client-credentials token is fetched again, once;
- **other 4xx** (400, 403, 404, ...): final, :class:`NotSearchable` with the status: asking again cannot help;
- **5xx**, a timeout or no connection: retried ``retries`` times, ``backoff_seconds`` apart, then a
  :class:`SourceError` (the task records it and the job is retried later).

The defaults follow the real HMPPS client: 60 s per request, 2 retries, 10 s back-off.

Why one GET per search: a search asks ``find_candidates`` then ``fetch_records`` with the same terms, and
some answers run to hundreds of KB. The answer is kept in memory for the same terms for a few minutes
(``ANSWER_TTL``), and dropped once its records are fetched.

Why record ids are paths: a record is one section of the answer (a list item, a nested object, or the
top-level details); its id is the section's path plus the item's own ``id`` when it has one, else a digest
of its content, plus an occurrence number among identical items. Ids are stable whatever order the
service lists items in, and three identical referrals stay three records.

Attachments: one :class:`SourceRecord` per attachment (``attachment/<number>``), carrying the file bytes,
the text extracted as for folder documents, and ``metadata["referenced_by"]`` naming the content records
that mention it. A URL on any other origin is refused without a request (our token and the listed headers
are only ever sent to the service itself). A refused or failed attachment raises
:class:`IncompleteRecords` carrying the records gathered, so the task shows the error and the job retries.

The service finds the subject by identifier, so the subject's PRN or CRN must be among the request's
identifiers (schemes set per source). The answer rarely names the subject, so its candidate usually goes
to an officer: the PRN/CRN we sent comes back as the candidate's identifier, which corroborates nothing.
Settings are documented in the README ("Source connectors", ``sar-api``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from rights.sources import documents
from rights.sources.base import (
    Candidate,
    Identity,
    IncompleteRecords,
    Involvement,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)
from rights.sources.sql import as_date

log = logging.getLogger(__name__)

PATH = "/subject-access-request"
NO_CONTENT = 204
IDENTIFIER_NOT_HANDLED = 209
# The real client's defaults (hmpps-subject-access-request: api.timeout 60s, max-retries 2, back-off PT10S).
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_SECONDS = 10.0
DEFAULT_MAX_ATTACHMENT_MB = 50
ANSWER_TTL = 300.0  # seconds an answer is reused between find_candidates and fetch_records
ANSWER_CACHE_SIZE = 16
TOKEN_MARGIN = 60.0  # a token is renewed this long before it expires
ROLES = frozenset({"subject", "family_member", "carer", "foster_carer", "professional", "other_child", "referrer",
                   "other"})
NAME_KEYS = {"given": ("firstName", "forename", "forenames", "givenName", "given_names", "firstNames"),
             "family": ("lastName", "surname", "familyName", "family_name"),
             "dob": ("dateOfBirth", "dob", "date_of_birth", "birthDate")}
# Where the subject's own details sit when they are not at the top of the content.
SUBJECT_SECTIONS = re.compile(r"prisoner|offender|person|subject|personal|pop|case", re.IGNORECASE)
# Date fields in preference order: when the record was made or the event happened.
PREFERRED_DATES = ("date", "eventDate", "eventTime", "dateCreated", "creationDateTime", "createdDateTime", "createdAt",
                   "created_at", "createdDate", "creationDate", "created", "dateTime", "recordedDate",
                   "recorded_at", "occurred_at", "incidentDate", "reviewTime", "assessmentDate", "submittedDate",
                   "requestedDate", "startDate", "allocatedAt", "whenCreated", "timestamp")
# A field whose name says it holds a date: ...Date, ...Time, ...At, ..._at, ...On, when..., or the plain words.
DATE_NAME = re.compile(r"([Dd]ate|[Tt]ime|[Tt]imestamp|[Tt]ime[Ss]tamp)$|[a-z0-9]At$|[a-z0-9]On$|_(at|on|date|time)$"
                       r"|^when[A-Z]|^date[A-Z]|[a-z](Updated|Created|Modified)$"
                       r"|^(date|time|created|updated|modified|timestamp)$")
FUTURE_NAME = re.compile(r"next|expir|due|deadline|release|until|end|eligib|overdue|remind", re.IGNORECASE)
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})([ T]\d{1,2}:\d{2}(:\d{2})?)?$")  # 19/11/2024 17:26:59
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
PERSON_ID_KEYS = ("prisonerNumber", "crn", "prn", "staffId", "userId", "username")
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


# ---------------------------------------------------------------------- tokens
class FixedToken:
    """A bearer token given in the settings; it cannot be renewed, so a 401 is final."""

    renewable = False

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        return None


class ClientCredentials:
    """An OAuth2 client-credentials token (HMPPS Auth and the like), cached until shortly before it expires.

    The service checks the token's roles (``SAR_DATA_ACCESS``); roles are granted to the client in the
    token service, and ``scope`` is sent only when set.
    """

    renewable = True

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, scope: str | None = None,
                 client_auth: str = "basic", verify: bool | str = True, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 http: requests.Session | None = None, clock: Callable[[], float] = time.monotonic,
                 what: str = "sar-api") -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.client_auth = client_auth
        self.verify = verify
        self.timeout = timeout
        self._http = http or requests.Session()
        self._clock = clock
        self._what = what
        self._cached: tuple[str, float] | None = None  # (token, renew after)
        self._lock = threading.Lock()
        self.issued = 0  # tokens fetched, for the search log and tests

    def __repr__(self) -> str:  # never show the secret or the token
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now < self._cached[1]:
                return self._cached[0]
            token, lifetime = self._fetch()
            margin = min(TOKEN_MARGIN, lifetime / 2)
            self._cached = (token, now + lifetime - margin)
            self.issued += 1
            return token

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _fetch(self) -> tuple[str, float]:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        auth: tuple[str, str] | None = (self.client_id, self._secret)
        if self.client_auth == "body":
            data.update(client_id=self.client_id, client_secret=self._secret)
            auth = None
        try:
            response = self._http.post(self.token_url, data=data, auth=auth, timeout=self.timeout,
                                       verify=self.verify, allow_redirects=False,
                                       headers={"Accept": "application/json"})
        except requests.Timeout as exc:
            raise SourceError(f"{self._what}: the token service gave no answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise SourceError(f"{self._what}: could not reach the token service: {exc.__class__.__name__}") from exc
        if 400 <= response.status_code < 500:
            raise NotSearchable(f"{self._what}: the token service refused our client credentials "
                                f"(HTTP {response.status_code}); check client_id and its secret")
        if response.status_code != 200:
            raise SourceError(f"{self._what}: the token service answered HTTP {response.status_code}")
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{self._what}: the token service's answer has no access_token") from exc
        return token, max(lifetime, 1.0)


# ---------------------------------------------------------------------- the involved-people mapping
@dataclass(frozen=True)
class InvolvedRule:
    """Content paths naming people, with their role: ``*.authorName`` -> professional.

    A path is keys joined by dots; ``[]`` after a key steps into each item of a list (``[]`` alone at the
    start is an item of a content that is a list); ``*`` stands for any run of keys. The value found is a
    name, or an object with first/last names (``otherPrisonerDetails``).
    """

    path: str
    role: str
    job_title: str | None = None
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        body = re.escape(self.path).replace(r"\*", ".*")
        if self.path.startswith("*."):
            body = f"(?:.*\\.)?{re.escape(self.path[2:]).replace(chr(92) + '*', '.*')}"
        object.__setattr__(self, "pattern", re.compile(f"^{body}$"))

    def matches(self, path: str) -> bool:
        return bool(self.pattern.match(path))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every node under ``value`` with its path (list items as ``key[]``)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, _join(path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, f"{path}[]")


def _person_name(value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, str):
        return (value.strip(), None) if value.strip() else None
    if isinstance(value, dict):
        full = next((value[k] for k in ("fullName", "name", "displayName") if isinstance(value.get(k), str)), None)
        given = next((value[k] for k in NAME_KEYS["given"] if isinstance(value.get(k), str)), "")
        family = next((value[k] for k in NAME_KEYS["family"] if isinstance(value.get(k), str)), "")
        name = (full or f"{given} {family}").strip()
        person_id = next((str(value[k]) for k in PERSON_ID_KEYS if value.get(k) not in (None, "")), None)
        return (name, person_id) if name else None
    return None


def involved_in(value: Any, path: str, rules: Sequence[InvolvedRule]) -> tuple[Involvement, ...]:
    """The people the rules find in one record's part of the answer, once each."""
    if not rules:
        return ()
    found: dict[tuple[str, str], Involvement] = {}
    for node_path, node in _walk(value, path):
        for rule in rules:
            if rule.matches(node_path):
                named = _person_name(node)
                if named and (named[0], rule.role) not in found:
                    found[(named[0], rule.role)] = Involvement(name=named[0], role=rule.role,
                                                               job_title=rule.job_title, person_id=named[1])
    return tuple(found.values())


# ---------------------------------------------------------------------- the answer
@dataclass(frozen=True)
class Answer:
    """What the service said: ``held`` False for 204, ``{}``, an empty body or ``content: null``."""

    status: int
    held: bool
    content: Any = None
    attachments: tuple[Mapping[str, Any], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # other top-level keys, kept as records


@dataclass(frozen=True)
class Refusal:
    """An attachment not gathered, and why."""

    label: str
    reason: str


class SarApiConnector:
    def __init__(self, name: str, service: str, *, base_url: str, token: str | None = None,
                 auth: FixedToken | ClientCredentials | None = None, prn_scheme: str = "prn",
                 crn_scheme: str = "crn", verify: bool | str = True, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF_SECONDS,
                 max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_MB * 1024 * 1024,
                 involved: Sequence[InvolvedRule] = (), sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if auth is None:
            if not token:
                raise ValueError("a token or an auth provider is required")
            auth = FixedToken(token)
        self.name = name
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.origin = origin_of(self.base_url)
        self.auth = auth
        self.prn_scheme = prn_scheme.lower()
        self.crn_scheme = crn_scheme.lower()
        self.verify = verify
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_attachment_bytes = max_attachment_bytes
        self.involved = tuple(involved)
        self._sleep = sleep
        self._clock = clock
        self._http = requests.Session()
        self._answers: OrderedDict[tuple[Any, ...], tuple[float, Answer]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the token
        return f"SarApiConnector({self.name!r}, {self.base_url!r})"

    @property
    def deadline_seconds(self) -> float:
        """How long one connector call may take: every attempt, the back-offs between, and a token fetch."""
        return (self.retries + 1) * self.timeout + self.retries * self.backoff + self.timeout

    def identifiers(self, identity: Identity) -> dict[str, str]:
        found: dict[str, str] = {}
        for scheme, value in identity.other_ids:
            s = scheme.strip().lower()
            if s == self.prn_scheme and value.strip():
                found["prn"] = value.strip()
            elif s == self.crn_scheme and value.strip():
                found["crn"] = value.strip()
        return found

    # ------------------------------------------------------------------ HTTP
    def _send(self, url: str, *, params: Mapping[str, str] | None = None, headers: Mapping[str, str],
              what: str, stream: bool = False) -> requests.Response:
        """One GET with the configured retries: 5xx, timeouts and lost connections are tried again."""
        error: SourceError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                log.warning("%s: %s; trying again in %g s (attempt %d of %d)", self.name, error, self.backoff,
                            attempt + 1, self.retries + 1)
                self._sleep(self.backoff)
            try:
                response = self._http.get(url, params=params, headers=dict(headers), timeout=self.timeout,
                                          verify=self.verify, allow_redirects=False, stream=stream)
            except requests.Timeout:
                error = SourceError(f"{self.name}: {what}: no answer within {self.timeout:g} s")
                continue
            except requests.RequestException as exc:
                error = SourceError(f"{self.name}: {what}: could not reach {self.origin}: {exc.__class__.__name__}")
                continue
            if response.status_code < 500:
                return response
            response.close()
            error = SourceError(f"{self.name}: {what}: the service answered HTTP {response.status_code}")
        assert error is not None
        if self.retries:
            raise SourceError(f"{error} (after {self.retries + 1} attempts)")
        raise error

    def _authorised(self, url: str, *, params: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, what: str, stream: bool = False) -> requests.Response:
        """A GET with our bearer token; a 401 renews a client-credentials token and asks once more."""
        for renewed in (False, True):
            sent = {"Authorization": f"Bearer {self.auth.token()}", **(headers or {})}
            response = self._send(url, params=params, headers=sent, what=what, stream=stream)
            if response.status_code == 401 and self.auth.renewable and not renewed:
                response.close()
                log.info("%s: token refused (HTTP 401); fetching a new one and asking again", self.name)
                self.auth.invalidate()
                continue
            return response
        raise AssertionError("unreachable")

    def answer(self, ids: Mapping[str, str], terms: SearchTerms) -> Answer:
        """The service's answer for these identifiers and period, asked once per search."""
        key = (tuple(sorted(ids.items())), terms.date_from, terms.date_to)
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and self._clock() - cached[0] < ANSWER_TTL:
                return cached[1]
        params = dict(ids)
        if terms.date_from:
            params["fromDate"] = terms.date_from.isoformat()
        if terms.date_to:
            params["toDate"] = terms.date_to.isoformat()
        response = self._authorised(f"{self.base_url}{PATH}", params=params, headers={"Accept": "application/json"},
                                    what="subject access request")
        result = self._read(response, ids)
        with self._lock:
            self._answers[key] = (self._clock(), result)
            self._answers.move_to_end(key)
            while len(self._answers) > ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)
        return result

    def _forget(self, ids: Mapping[str, str], terms: SearchTerms) -> None:
        with self._lock:
            self._answers.pop((tuple(sorted(ids.items())), terms.date_from, terms.date_to), None)

    def _read(self, response: requests.Response, ids: Mapping[str, str]) -> Answer:
        status = response.status_code
        if status == NO_CONTENT:
            return Answer(status, held=False)
        if status == IDENTIFIER_NOT_HANDLED:
            return Answer(status, held=False)
        if status in (401, 403):
            hint = "the token was refused" if status == 401 else "the client lacks the role the service requires " \
                                                                  "(SAR_DATA_ACCESS)"
            raise NotSearchable(f"{self.name}: the service refused our token (HTTP {status}): {hint}; "
                                "not retried until the settings are fixed")
        if 300 <= status < 500:
            raise NotSearchable(f"{self.name}: the service answered HTTP {status}; asking again cannot help, "
                                "so it is not retried")
        if status != 200:
            raise SourceError(f"{self.name}: the service answered HTTP {status}, which the contract does not use")
        raw = response.content
        if not raw.strip():
            return Answer(status, held=False)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise SourceError(f"{self.name}: the service answered 200 without JSON") from exc
        if not isinstance(body, dict):
            raise SourceError(f"{self.name}: the service's answer is not a JSON object with 'content'")
        content = body.get("content")
        attachments = body.get("attachments") or []
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise SourceError(f"{self.name}: the service's 'attachments' is not a list of objects")
        sent = {v.casefold() for v in ids.values()}
        extra = {k: v for k, v in body.items() if k not in ("content", "attachments")
                 and not (isinstance(v, str) and v.casefold() in sent)}  # an echo of the PRN/CRN we sent
        if _empty(content) and not attachments and not extra:
            return Answer(status, held=False)
        return Answer(status, held=True, content=content, attachments=tuple(attachments), extra=extra)

    # ------------------------------------------------------------------ the connector contract
    def find_candidates(self, terms: SearchTerms) -> list[Candidate]:
        ids = self.identifiers(terms.identity)
        if not ids:
            raise NotSearchable(f"{self.name}: this service is searched by PRN or CRN and the subject has neither")
        answer = self.answer(ids, terms)
        if answer.status == IDENTIFIER_NOT_HANDLED:
            raise NotSearchable(_needs_other_identifier(self.name, ids))
        if not answer.held:
            log.info("%s: no data held about the subject (HTTP %d%s)", self.name, answer.status,
                     "" if answer.status == NO_CONTENT else ", empty answer")
            return []
        person_id = ";".join(f"{k}:{v}" for k, v in sorted(ids.items()))
        return [Candidate(source=self.name, person_id=person_id, identity=identity_from(answer.content, ids),
                          extra={"ids": dict(ids)})]

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        ids = candidate.extra.get("ids") or dict(p.split(":", 1) for p in candidate.person_id.split(";") if ":" in p)
        answer = self.answer(ids, terms)
        if not answer.held:
            return []
        values: dict[str, Any] = {}
        records = records_from(answer.content, self.name, candidate.person_id, involved=self.involved, values=values)
        for key, value in answer.extra.items():
            records.extend(records_from({key: value}, self.name, candidate.person_id, involved=self.involved,
                                        root="answer", values=values))
        gathered, refused = self._attachments(answer.attachments, candidate.person_id, values)
        records.extend(gathered)
        if refused:
            listed = "; ".join(f"{r.label}: {r.reason}" for r in refused)
            raise IncompleteRecords(f"{self.name}: {len(refused)} of {len(answer.attachments)} attachment(s) "
                                    f"not gathered: {listed}", records)
        self._forget(ids, terms)
        return records

    # ------------------------------------------------------------------ attachments
    def _attachments(self, listed: Sequence[Mapping[str, Any]], person_id: str, values: Mapping[str, Any]
                     ) -> tuple[list[SourceRecord], list[Refusal]]:
        gathered: list[SourceRecord] = []
        refused: list[Refusal] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(listed, start=1):
            number = item.get("attachmentNumber", index)
            base = f"attachment/{number}"
            seen[base] = seen.get(base, 0) + 1
            record_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
            # Its number and type, not its name: the error is copied into the audit trail, which outlives
            # the request, and a name may name someone. The number is how the service itself refers to it.
            label = f"attachment {number} ({item.get('contentType') or 'no type given'})"
            try:
                gathered.append(self._attachment(item, record_id, person_id, values))
            except AttachmentRefused as exc:
                log.warning("%s: %s not gathered: %s", self.name, label, exc)
                refused.append(Refusal(label, str(exc)))
        return gathered, refused

    def _attachment(self, item: Mapping[str, Any], record_id: str, person_id: str,
                    values: Mapping[str, Any]) -> SourceRecord:
        url = str(item.get("url") or "")
        if not url:
            raise AttachmentRefused("it has no url")
        full = urljoin(f"{self.base_url}/", url)
        if origin_of(full) != self.origin:
            raise AttachmentRefused(f"refused: it is on {origin_of(full) or 'an unreadable address'}, not the "
                                     f"service's own {self.origin}")
        declared_size = item.get("filesize")
        if isinstance(declared_size, int) and declared_size > self.max_attachment_bytes:
            raise AttachmentRefused(f"refused: {declared_size} bytes is over the {self.max_attachment_bytes} byte "
                                     "limit")
        headers = {str(h.get("name")): str(h.get("value")) for h in item.get("headers") or []
                   if isinstance(h, dict) and h.get("name") and str(h["name"]).lower() not in FORBIDDEN_HEADERS}
        declared_type = str(item.get("contentType") or "application/octet-stream")
        headers.setdefault("Accept", declared_type)
        data = self._download(full, headers, declared_size if isinstance(declared_size, int) else None)
        file_name = _safe_name(str(item.get("filename") or item.get("name") or record_id))
        content_type = checked_type(data, declared_type)
        metadata: dict[str, Any] = {
            "section": "attachments", "attachment_number": item.get("attachmentNumber"),
            "declared_content_type": declared_type, "referenced_by": _references(item, values),
        }
        text: str | None = None
        suffix = documents.suffix_for(content_type)
        if suffix is None and (content_type.startswith("text/") or content_type in TEXT_LIKE):
            suffix = ".txt"
        if suffix is None:
            metadata["text_note"] = f"kept as a file; text is not extracted from {content_type}"
        else:
            try:
                text, found = documents.extract(f"attachment{suffix}", data)
                metadata.update(found)
            except Exception as exc:  # kept as a file; the officer reads it in its own format
                metadata["problem"] = f"text could not be extracted: {exc}"[:300]
        title = f"Attachment {item.get('attachmentNumber', '')}: {item.get('name') or file_name}"
        return SourceRecord(source=self.name, record_id=record_id, person_id=person_id, date=None, title=title[:300],
                            text=text, file_bytes=data, file_name=file_name, content_type=content_type,
                            metadata=metadata)

    def _download(self, url: str, headers: Mapping[str, str], declared_size: int | None) -> bytes:
        try:
            response = self._authorised(url, headers=headers, what="attachment", stream=True)
        except NotSearchable as exc:
            raise AttachmentRefused(str(exc)) from exc
        except SourceError as exc:
            raise AttachmentRefused(str(exc).removeprefix(f"{self.name}: ")) from exc
        with response:
            if response.status_code != 200:
                raise AttachmentRefused(f"the service answered HTTP {response.status_code}")
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else declared_size
            if expected is not None and expected > self.max_attachment_bytes:
                raise AttachmentRefused(f"refused: {expected} bytes is over the {self.max_attachment_bytes} byte "
                                         "limit")
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > self.max_attachment_bytes:
                        raise AttachmentRefused(f"refused: larger than the {self.max_attachment_bytes} byte limit")
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise AttachmentRefused(f"the download broke off: {exc.__class__.__name__}") from exc
        data = b"".join(chunks)
        if not data:
            raise AttachmentRefused("the service sent an empty file")
        if expected is not None and len(data) != expected:
            raise AttachmentRefused(f"{len(data)} bytes arrived, {expected} were announced")
        return data


class AttachmentRefused(Exception):
    """One attachment not gathered; the message says why, for the task and the search log."""


def origin_of(url: str) -> str:
    """scheme://host:port, lower-cased, default ports made explicit: what 'the service's own host' means."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return ""
    if not parts.hostname or parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}:{port}"


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .")
    return base[:200] or "attachment"


TEXT_LIKE = frozenset({"application/json", "application/xml", "message/rfc822"})
# Names for one kind that differ between what services declare and what ``filetype`` reports.
SAME_KIND = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf",
             "image/x-png": "image/png"}
OLE = frozenset({"application/x-ole-storage", "application/msword", "application/vnd.ms-excel",
                 "application/vnd.ms-powerpoint", "application/vnd.ms-outlook"})
EXECUTABLES = re.compile(r"x-msdownload|x-executable|x-mach-binary|x-sharedlib|x-elf|java-archive|x-shockwave",
                         re.IGNORECASE)


def checked_type(data: bytes, declared: str) -> str:
    """The attachment's type as its bytes show it; a file whose bytes contradict its declared type is refused."""
    declared = declared.split(";", 1)[0].strip().lower()
    declared = SAME_KIND.get(declared, declared)
    seen = documents.sniff(data)
    if seen is not None and EXECUTABLES.search(seen):
        raise AttachmentRefused(f"refused: the file is a program ({seen}), not a document")
    if seen is None:
        if declared.startswith("text/"):
            raise AttachmentRefused(f"refused: declared {declared} but the bytes are not text")
        return declared  # a binary nothing recognises (an old .doc, say): kept as declared, no text read
    if seen == "text/plain":
        if declared.startswith("text/") or declared in TEXT_LIKE:
            return declared
        raise AttachmentRefused(f"refused: declared {declared} but the bytes are plain text")
    if seen == declared or (declared == "application/octet-stream"):
        return seen
    if seen in OLE and declared in OLE:
        return declared  # an old Office file: its container is all the bytes show
    if seen == "application/zip" and declared.startswith("application/vnd.openxmlformats"):
        return declared  # an Office file is a zip; filetype names it only when its parts are in the usual order
    raise AttachmentRefused(f"refused: declared {declared} but the bytes are {seen}")


def _references(item: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """Content records that mention this attachment (by number under an attachment key, or by file name)."""
    number = item.get("attachmentNumber")
    filename = item.get("filename")
    found = []
    for record_id, value in values.items():
        for path, node in _walk(value, ""):
            key = path.rsplit(".", 1)[-1].lower()
            if (number is not None and "attachment" in key and node == number) or \
                    (filename and isinstance(node, str) and node == filename):
                found.append(record_id)
                break
    return found


def _needs_other_identifier(name: str, ids: Mapping[str, str]) -> str:
    sent = " and ".join(k.upper() for k in sorted(ids))
    if set(ids) == {"prn"}:
        need = "this service needs a CRN (it holds probation data only and does not handle PRNs)"
    elif set(ids) == {"crn"}:
        need = "this service needs a PRN (it holds prison data only and does not handle CRNs)"
    else:
        need = "this service handles neither of the identifiers sent"
    return f"{name}: {need}; sent the {sent} (HTTP 209)"


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, dict | list) and not value)


# ---------------------------------------------------------------------- the subject's identity
def _find_key(content: Any, keys: tuple[str, ...]) -> Any:
    """A key at the top of the content, or in a top-level section about the subject (never a third party's)."""
    if not isinstance(content, dict):
        return None
    for key in keys:
        if content.get(key) not in (None, ""):
            return content[key]
    for section, value in content.items():
        if isinstance(value, dict) and SUBJECT_SECTIONS.search(str(section)) and not re.search(
                r"other|associat|staff|worker|author|officer|manager", str(section), re.IGNORECASE):
            for key in keys:
                if value.get(key) not in (None, ""):
                    return value[key]
    return None


def identity_from(content: Any, ids: Mapping[str, str]) -> Identity:
    """What the service says about who the data is about, plus the identifiers it answered to."""
    return Identity(
        given_names=str(_find_key(content, NAME_KEYS["given"]) or ""),
        family_name=str(_find_key(content, NAME_KEYS["family"]) or ""),
        date_of_birth=as_date(_as_date_value(_find_key(content, NAME_KEYS["dob"]), "dateOfBirth")),
        other_ids=tuple(sorted(ids.items())),
    )


# ---------------------------------------------------------------------- records
def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _sections(content: Any, root: str) -> list[tuple[str, str, Any]]:
    """(section name, path, value) per record: a list item, a nested object, or the top-level details."""
    out: list[tuple[str, str, Any]] = []
    if isinstance(content, dict):
        details = {k: v for k, v in content.items() if not isinstance(v, dict | list)
                   or (isinstance(v, list) and not any(isinstance(i, dict | list) for i in v))}
        if details:
            out.append(("details", root, details))
        for key, value in content.items():
            if key in details:
                continue
            path = _join(root, str(key))
            if isinstance(value, dict):
                out.append((str(key), path, value))
            else:  # a list holding objects or lists: one record per such item, the rest together
                loose = [v for v in value if not isinstance(v, dict | list)]
                if loose:
                    out.append((str(key), path, loose))
                out.extend((str(key), f"{path}[]", v) for v in value if isinstance(v, dict | list))
    elif isinstance(content, list):
        loose = [v for v in content if not isinstance(v, dict | list)]
        if loose:
            out.append(("content", root, loose))
        out.extend(("content", f"{root}[]", v) for v in content if isinstance(v, dict | list))
    elif not _empty(content):
        out.append(("content", root, content))
    return out


def records_from(content: Any, source: str, person_id: str, *, involved: Sequence[InvolvedRule] = (),
                 root: str = "", values: dict[str, Any] | None = None) -> list[SourceRecord]:
    """One record per section of the answer, ids stable across answers and unique per occurrence.

    The section's JSON is not put in the record's metadata (stored in clear); its text (encrypted) holds
    every value. ``values``, when given, receives each record's JSON by record id.
    """
    sections = _sections(content, root)
    bases: list[str] = []
    for name, path, value in sections:
        if path.endswith("[]"):  # a list item: its own id, else what it says
            label = path.removesuffix("[]") or "content"
            own_id = value.get("id") if isinstance(value, dict) else None
            if isinstance(own_id, str | int) and not isinstance(own_id, bool) and str(own_id).strip():
                bases.append(f"{label}/{own_id}")
            else:
                bases.append(f"{label}/{_digest(value)}")
        else:  # a section: its path
            bases.append(path or name)
    counts: dict[str, int] = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    seen: dict[str, int] = {}
    records = []
    for (name, path, value), base in zip(sections, bases, strict=True):
        record_id = base
        if counts[base] > 1:  # an id used twice, or identical items: digest, then occurrence among identical
            if not base.endswith(_digest(value)):
                record_id = f"{base}/{_digest(value)}"
            seen[record_id] = seen.get(record_id, 0) + 1
            if seen[record_id] > 1:
                record_id = f"{record_id}#{seen[record_id]}"
        if values is not None:
            values[record_id] = value
        records.append(SourceRecord(
            source=source, record_id=record_id, person_id=person_id, date=record_date(value),
            title=_title(name, value), text=flatten(value),
            metadata={"section": name, "path": path or name},
            involved=involved_in(value, path, involved),
        ))
    return records


def _jackson_date(value: Any) -> datetime | None:
    """Jackson's array form of a date or date-time: [2023, 3, 24] or [2023, 3, 24, 13, 59, 16, 0]."""
    if not isinstance(value, list) or not 3 <= len(value) <= 7 or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return None
    parts = list(value[:6]) + [0] * (6 - min(len(value), 6))
    try:
        return datetime(*parts)  # type: ignore[arg-type]  # noqa: DTZ001 - the service's wall time, as it wrote it
    except ValueError:
        return None


def _as_date_value(value: Any, key: str) -> Any:
    """A date-like value as an ISO string (Jackson arrays only where the field's name says date)."""
    if isinstance(value, list) and DATE_NAME.search(key):
        parsed = _jackson_date(value)
        if parsed is not None:
            return parsed.isoformat() if len(value) > 3 else parsed.date().isoformat()
    return value


def _date_of(key: str, value: Any) -> date | None:
    value = _as_date_value(value, key)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if ISO_DATE.match(value):
        return as_date(value)
    uk = UK_DATE.match(value)
    if uk and DATE_NAME.search(key):  # day first, as UK services write it; only where the name says date
        try:
            return date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1)))
        except ValueError:
            return None
    return None


def record_date(value: Any) -> date | None:
    """The record's date: a preferred field (made, happened), then any dated field, future-sounding ones last."""
    best: tuple[int, int, date] | None = None
    order = 0
    for path, node in _walk(value, ""):
        if not path or path.count(".") > 2:
            continue
        key = path.rsplit(".", 1)[-1].removesuffix("[]")
        if isinstance(node, dict) or (isinstance(node, list) and _jackson_date(node) is None):
            continue
        found = _date_of(key, node)
        if found is None:
            continue
        order += 1
        if key in PREFERRED_DATES:
            rank = 0
        elif DATE_NAME.search(key) and not FUTURE_NAME.search(key):
            rank = 1
        elif DATE_NAME.search(key):
            rank = 3
        else:
            rank = 2  # the value is a date although the name does not say so
        rank += 0 if "." not in path else 4  # a nested date (an amendment's) after the record's own
        if best is None or (rank, order) < best[:2]:
            best = (rank, order, found)
    return best[2] if best else None


def _title(section: str, value: Any) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in section).replace("_", " ").strip()
    label = words[:1].upper() + words[1:]
    if isinstance(value, dict):
        for key in ("title", "type", "name", "summary", "description"):
            if isinstance(value.get(key), str) and value[key].strip():
                return f"{label}: {value[key]}"[:300]
    return label[:300]


def scalar_text(key: str, value: Any) -> str:
    """One value as an officer reads it: yes/no for booleans, Jackson date arrays as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    converted = _as_date_value(value, key)
    return str(converted)


def flatten(value: Any, indent: str = "", key: str = "") -> str:
    """JSON as readable 'key: value' lines (nested values indented); every value is kept."""
    if isinstance(value, dict):
        lines = []
        for k, item in value.items():
            if isinstance(item, list) and DATE_NAME.search(str(k)) and _jackson_date(item) is not None:
                lines.append(f"{indent}{k}: {scalar_text(str(k), item)}")
            elif isinstance(item, dict | list):
                lines.append(f"{indent}{k}:")
                lines.append(flatten(item, indent + "  ", str(k)))
            else:
                lines.append(f"{indent}{k}: {scalar_text(str(k), item)}")
        return "\n".join(line for line in lines if line)
    if isinstance(value, list):
        return "\n".join(flatten(item, indent, key) if isinstance(item, dict | list)
                         else f"{indent}- {scalar_text(key, item)}" for item in value)
    return f"{indent}{scalar_text(key, value)}"


# ---------------------------------------------------------------------- settings
def from_settings(*, name: str, service: str, settings: Any, timeout: float, base_dir: Path) -> SarApiConnector:
    base_url = settings.str("base_url", required=True)
    if not base_url.startswith(("https://", "http://")):
        raise settings.error("base_url", "must start with https:// (or http:// on a private network)")
    verify: bool | str = settings.get("verify_tls", bool, True)
    ca_bundle = settings.str("ca_bundle")
    if ca_bundle:
        path = Path(ca_bundle) if Path(ca_bundle).is_absolute() else base_dir / ca_bundle
        verify = str(path)
    auth = _auth_from(name, settings, verify, timeout)
    retries = settings.get("retries", int, DEFAULT_RETRIES)
    if retries < 0 or retries > 10:
        raise settings.error("retries", "must be between 0 and 10")
    backoff = settings.get("backoff_seconds", (int, float), DEFAULT_BACKOFF_SECONDS)
    if isinstance(backoff, bool) or backoff < 0:
        raise settings.error("backoff_seconds", "must be a number of seconds, 0 or more")
    max_mb = settings.get("max_attachment_mb", (int, float), DEFAULT_MAX_ATTACHMENT_MB)
    if isinstance(max_mb, bool) or max_mb <= 0:
        raise settings.error("max_attachment_mb", "must be a positive number")
    return SarApiConnector(name, service, base_url=base_url, auth=auth,
                           prn_scheme=settings.str("prn_scheme", "prn"), crn_scheme=settings.str("crn_scheme", "crn"),
                           verify=verify, timeout=timeout, retries=retries, backoff=float(backoff),
                           max_attachment_bytes=int(max_mb * 1024 * 1024), involved=_involved_from(settings))


def _auth_from(name: str, settings: Any, verify: bool | str, timeout: float) -> FixedToken | ClientCredentials:
    token_url = settings.str("token_url")
    client_id = settings.str("client_id")
    secret_env = settings.str("client_secret_env")
    scope = settings.str("scope")
    client_auth = settings.str("client_auth", "basic")
    token = settings.str("token")
    token_env = settings.str("token_env")
    if token_url or client_id or secret_env:
        if token or token_env:
            raise settings.error("token_url", "and token/token_env are alternatives: set one way of getting a token")
        for key, value in (("token_url", token_url), ("client_id", client_id), ("client_secret_env", secret_env)):
            if not value:
                raise settings.error(key, "is required for OAuth2 client credentials "
                                          "(token_url, client_id and client_secret_env together)")
        if not token_url.startswith(("https://", "http://")):
            raise settings.error("token_url", "must start with https:// (or http:// on a private network)")
        if client_auth not in ("basic", "body"):
            raise settings.error("client_auth", f"must be 'basic' or 'body', not {client_auth!r}")
        secret = os.environ.get(secret_env)
        if not secret:
            raise settings.error("client_secret_env", f"names the environment variable {secret_env}, which is not set")
        return ClientCredentials(token_url, client_id, secret, scope=scope, client_auth=client_auth, verify=verify,
                                 timeout=timeout, what=name)
    if scope:
        raise settings.error("scope", "only applies with token_url (OAuth2 client credentials)")
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise settings.error("token_env", f"names the environment variable {token_env}, which is not set")
    if not token:
        raise settings.error("token_env", "is required (or token, or token_url with client_id and "
                                          "client_secret_env): the service needs a bearer token")
    return FixedToken(token)


def _involved_from(settings: Any) -> list[InvolvedRule]:
    raw = settings.get("involved", list, [])
    rules = []
    for index, entry in enumerate(raw, start=1):
        where = f"involved[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"].strip():
            raise settings.error(where, 'must be a table with a path, e.g. '
                                        '{path = "*.authorName", role = "professional"}')
        unknown = sorted(set(entry) - {"path", "role", "job_title"})
        if unknown:
            raise settings.error(f"{where}.{unknown[0]}", "is not a known key (path, role, job_title)")
        role = entry.get("role", "other")
        if role not in ROLES:
            raise settings.error(f"{where}.role", f"must be one of {', '.join(sorted(ROLES))}, not {role!r}")
        job_title = entry.get("job_title")
        if job_title is not None and not isinstance(job_title, str):
            raise settings.error(f"{where}.job_title", "must be text")
        rules.append(InvolvedRule(path=entry["path"].strip(), role=role, job_title=job_title))
    return rules
