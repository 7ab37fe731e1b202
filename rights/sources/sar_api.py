"""The ``sar-api`` connector: the subject-access contract used across government services.

``GET {base_url}/subject-access-request?prn=&crn=&fromDate=&toDate=`` with ``Authorization: Bearer``:

- 200 with ``{"content": ...}``: the service's data about the subject, turned into records;
- 204: the service holds nothing about the subject;
- 209: the subject is not known to the service (their identifier is not recognised);
- anything else, or no answer in time: a :class:`SourceError` (the task records it and retries).

The service looks the subject up by identifier itself, so the subject's PRN (prison number) or CRN
(case reference number) must be on the request; their schemes in the subject's ``other_ids`` are set
per source. Rights Desk still hands the answer to the matcher as a candidate: the identity the service
returns (when it returns one) is compared like any other, so a mistyped number never brings back
someone else's file without an officer looking.

Settings::

    base_url = "https://probation.example.gov.uk"
    token_env = "PROBATION_SAR_TOKEN"     # the environment variable holding the token (or token = "...")
    prn_scheme = "prn"                     # other_ids scheme holding the prison number (default prn)
    crn_scheme = "crn"
    verify_tls = true                      # or ca_bundle = "/etc/ssl/council-ca.pem"
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import requests

from rights.sources.base import Candidate, Identity, NotSearchable, SearchTerms, SourceError, SourceRecord
from rights.sources.sql import as_date

PATH = "/subject-access-request"
HOLDS_NOTHING = 204
SUBJECT_UNKNOWN = 209
NAME_KEYS = {"given": ("firstName", "forename", "givenName", "given_names", "firstNames"),
             "family": ("lastName", "surname", "familyName", "family_name"),
             "dob": ("dateOfBirth", "dob", "date_of_birth", "birthDate")}
DATE_KEYS = ("date", "eventDate", "createdAt", "created", "dateTime", "recordedDate", "startDate", "timestamp")


class SarApiConnector:
    def __init__(self, name: str, service: str, *, base_url: str, token: str, prn_scheme: str = "prn",
                 crn_scheme: str = "crn", verify: bool | str = True, timeout: float = 30.0) -> None:
        self.name = name
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.prn_scheme = prn_scheme.lower()
        self.crn_scheme = crn_scheme.lower()
        self.verify = verify
        self.timeout = timeout
        self._http = requests.Session()

    def __repr__(self) -> str:  # never show the token
        return f"SarApiConnector({self.name!r}, {self.base_url!r})"

    def identifiers(self, identity: Identity) -> dict[str, str]:
        found: dict[str, str] = {}
        for scheme, value in identity.other_ids:
            s = scheme.strip().lower()
            if s == self.prn_scheme and value.strip():
                found["prn"] = value.strip()
            elif s == self.crn_scheme and value.strip():
                found["crn"] = value.strip()
        return found

    def _get(self, ids: dict[str, str], terms: SearchTerms) -> tuple[int, Any]:
        params = dict(ids)
        if terms.date_from:
            params["fromDate"] = terms.date_from.isoformat()
        if terms.date_to:
            params["toDate"] = terms.date_to.isoformat()
        try:
            response = self._http.get(f"{self.base_url}{PATH}", params=params, timeout=self.timeout,
                                      headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                                      verify=self.verify, allow_redirects=False)
        except requests.Timeout as exc:
            raise SourceError(f"{self.name}: no answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise SourceError(f"{self.name}: could not reach {self.base_url}: {exc.__class__.__name__}") from exc
        if response.status_code in (HOLDS_NOTHING, SUBJECT_UNKNOWN):
            return response.status_code, None
        if response.status_code in (401, 403):
            raise SourceError(f"{self.name}: the service refused our token (HTTP {response.status_code})")
        if response.status_code != 200:
            raise SourceError(f"{self.name}: the service answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise SourceError(f"{self.name}: the service answered 200 without JSON") from exc
        if not isinstance(body, dict) or "content" not in body:
            raise SourceError(f"{self.name}: the service's answer has no 'content'")
        return 200, body["content"]

    def find_candidates(self, terms: SearchTerms) -> list[Candidate]:
        ids = self.identifiers(terms.identity)
        if not ids:
            raise NotSearchable(f"{self.name}: this service is searched by PRN or CRN and the subject has neither")
        status, content = self._get(ids, terms)
        if status == SUBJECT_UNKNOWN:
            raise NotSearchable(f"{self.name}: the service does not know the subject's "
                                f"{' or '.join(k.upper() for k in sorted(ids))} (HTTP 209)")
        if status == HOLDS_NOTHING:
            return []
        person_id = ";".join(f"{k}:{v}" for k, v in sorted(ids.items()))
        return [Candidate(source=self.name, person_id=person_id, identity=_identity_from(content, ids),
                          extra={"ids": ids})]

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        ids = candidate.extra.get("ids") or dict(p.split(":", 1) for p in candidate.person_id.split(";") if ":" in p)
        status, content = self._get(ids, terms)
        if status != 200:
            return []
        return records_from(content, self.name, candidate.person_id)


def _find_key(content: Any, keys: tuple[str, ...], depth: int = 0) -> Any:
    if depth > 2 or not isinstance(content, dict):
        return None
    for key in keys:
        if content.get(key) not in (None, ""):
            return content[key]
    for value in content.values():
        found = _find_key(value, keys, depth + 1)
        if found is not None:
            return found
    return None


def _identity_from(content: Any, ids: dict[str, str]) -> Identity:
    """What the service says about who the data is about, plus the identifiers it answered to."""
    return Identity(
        given_names=str(_find_key(content, NAME_KEYS["given"]) or ""),
        family_name=str(_find_key(content, NAME_KEYS["family"]) or ""),
        date_of_birth=as_date(_find_key(content, NAME_KEYS["dob"])),
        other_ids=tuple(sorted(ids.items())),
    )


def records_from(content: Any, source: str, person_id: str) -> list[SourceRecord]:
    """One record per item of each list section, one per other section; ids stable across answers."""
    items: list[tuple[str, Any]] = []
    if isinstance(content, dict):
        for section, value in content.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                items.extend((section, v) for v in value)
            else:
                items.append((section, value))
    elif isinstance(content, list):
        items.extend(("content", v) for v in content)
    elif content not in (None, ""):
        items.append(("content", content))
    records = []
    for section, value in items:
        own_id = value.get("id") if isinstance(value, dict) else None
        digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
        record_id = f"{section}/{own_id}" if own_id not in (None, "") else f"{section}/{digest}"
        records.append(SourceRecord(
            source=source, record_id=record_id, person_id=person_id,
            date=_record_date(value), title=_title(section, value), text=flatten(value),
            metadata={"section": section, "content": value},
        ))
    return records


def _record_date(value: Any) -> date | None:
    if isinstance(value, dict):
        for key in DATE_KEYS:
            if value.get(key):
                return as_date(value[key])
    return None


def _title(section: str, value: Any) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in section).replace("_", " ").strip()
    label = words[:1].upper() + words[1:]
    if isinstance(value, dict):
        for key in ("title", "type", "name", "summary"):
            if isinstance(value.get(key), str):
                return f"{label}: {value[key]}"[:300]
    return label[:300]


def flatten(value: Any, indent: str = "") -> str:
    """JSON as readable 'key: value' lines (nested values indented)."""
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines.append(f"{indent}{key}:")
                lines.append(flatten(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {'' if item is None else item}")
        return "\n".join(line for line in lines if line)
    if isinstance(value, list):
        return "\n".join(flatten(item, indent) if isinstance(item, dict | list) else f"{indent}- {item}"
                         for item in value)
    return f"{indent}{'' if value is None else value}"


def from_settings(*, name: str, service: str, settings: Any, timeout: float, base_dir: Path) -> SarApiConnector:
    base_url = settings.str("base_url", required=True)
    if not base_url.startswith(("https://", "http://")):
        raise settings.error("base_url", "must start with https:// (or http:// on a private network)")
    token = settings.str("token")
    token_env = settings.str("token_env")
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise settings.error("token_env", f"names the environment variable {token_env}, which is not set")
    if not token:
        raise settings.error("token_env", "is required (or token): the service needs a bearer token")
    verify: bool | str = settings.get("verify_tls", bool, True)
    ca_bundle = settings.str("ca_bundle")
    if ca_bundle:
        path = Path(ca_bundle) if Path(ca_bundle).is_absolute() else base_dir / ca_bundle
        verify = str(path)
    return SarApiConnector(name, service, base_url=base_url, token=token,
                           prn_scheme=settings.str("prn_scheme", "prn"), crn_scheme=settings.str("crn_scheme", "crn"),
                           verify=verify, timeout=timeout)
