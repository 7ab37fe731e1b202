"""The connector: one GET per search, the status codes of the contract, retries, and attachments
fetched only from the service's own origin."""


from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests

from rights.sources import documents
from rights.sources.base import (
    Candidate,
    Identity,
    IncompleteRecords,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)
from rights.sources.sar_api.attachments import (
    TEXT_LIKE,
    AttachmentRefused,
    _needs_other_identifier,
    _references,
    _safe_name,
    checked_type,
    origin_of,
)
from rights.sources.sar_api.auth import ClientCredentials, FixedToken
from rights.sources.sar_api.content import (
    _empty,
    identity_from,
    records_from,
)
from rights.sources.sar_api.contract import (
    ANSWER_CACHE_SIZE,
    ANSWER_TTL,
    DEFAULT_BACKOFF_SECONDS,
    DEFAULT_MAX_ATTACHMENT_MB,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_SECONDS,
    FORBIDDEN_HEADERS,
    IDENTIFIER_NOT_HANDLED,
    NO_CONTENT,
    PATH,
    log,
)
from rights.sources.sar_api.people import InvolvedRule


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
