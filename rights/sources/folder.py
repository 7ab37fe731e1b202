"""The ``folder`` connector: a folder of exported documents with a manifest saying whose each one is.

Many systems (document stores, older case systems, a residential home's files) can only export
documents. The council drops them in a folder with ``manifest.json`` (or ``manifest.csv``) naming the
person each document is about, with that person's identifiers, and who else is involved in it. The
format is documented in the README ("Source connectors"). Text is extracted from txt, html, docx, pdf
(text layer) and eml by :mod:`rights.sources.documents`; the original file is kept alongside.

Settings::

    path = "/srv/exports/early-help"   # relative paths are relative to the sources file
    manifest = "manifest.json"         # optional; default manifest.json, else manifest.csv
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rights.sources import blocking, documents
from rights.sources.base import (
    Address,
    Candidate,
    Identity,
    Involvement,
    SearchTerms,
    SourceError,
    SourceRecord,
)
from rights.sources.sql import as_date

IDENTITY_FIELDS = ("given_names", "family_name", "date_of_birth", "previous_names", "addresses", "nhs_number",
                   "upn", "other_ids", "postcode")


@dataclass(frozen=True)
class ManifestDocument:
    file: str
    person_id: str
    record_id: str
    date: date | None
    title: str
    involved: tuple[Involvement, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    people: dict[str, Identity]
    documents: tuple[ManifestDocument, ...]


class FolderConnector:
    """People and documents from a manifest; documents read only for accepted candidates."""

    def __init__(self, name: str, service: str, *, path: Path, manifest: str | None = None) -> None:
        self.name = name
        self.service = service
        self.path = path
        self.manifest_name = manifest
        self._cache: tuple[tuple[int, int], Manifest] | None = None
        self._lock = threading.Lock()

    def _manifest_path(self) -> Path:
        if not self.path.is_dir():
            raise SourceError(f"{self.name}: export folder {self.path} does not exist")
        names = [self.manifest_name] if self.manifest_name else ["manifest.json", "manifest.csv"]
        for name in names:
            candidate = self.path / name
            if candidate.is_file():
                return candidate
        raise SourceError(f"{self.name}: no {' or '.join(names)} in {self.path}")

    def manifest(self) -> Manifest:
        """The parsed manifest, re-read when the file changes (exports are refreshed in place)."""
        path = self._manifest_path()
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cache is None or self._cache[0] != version:
                raw = path.read_bytes()
                parsed = parse_csv(raw, self.name) if path.suffix.lower() == ".csv" else parse_json(raw, self.name)
                self._cache = (version, parsed)
            return self._cache[1]

    def find_candidates(self, terms: SearchTerms) -> list[Candidate]:
        keys = blocking.BlockingKeys.of(terms.identity)
        return [Candidate(source=self.name, person_id=pid, identity=identity)
                for pid, identity in self.manifest().people.items() if blocking.plausible(keys, identity)]

    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        records = []
        for doc in self.manifest().documents:
            if doc.person_id != candidate.person_id:
                continue
            records.append(self._read(doc, terms))
        return [r for r in records if _in_period(r.date, terms)]

    def _read(self, doc: ManifestDocument, terms: SearchTerms) -> SourceRecord:
        root = self.path.resolve()
        target = (root / doc.file).resolve()
        if not target.is_relative_to(root):
            raise SourceError(f"{self.name}: manifest entry {doc.file!r} points outside the export folder")
        metadata: dict[str, Any] = {"file": doc.file, **doc.metadata}
        text: str | None = None
        data: bytes | None = None
        if not target.is_file():
            metadata["problem"] = "the file named in the manifest is missing from the export"
        else:
            data = target.read_bytes()
            try:
                text, found = documents.extract(target.name, data)
                metadata.update(found)
            except Exception as exc:  # a corrupt or unsupported file is kept and flagged, never dropped
                metadata["problem"] = f"text could not be extracted: {exc.__class__.__name__}: {exc}"[:300]
        record_date = doc.date or as_date(metadata.get("sent"))
        if record_date is None:
            metadata["undated"] = True  # kept: it cannot be shown to fall outside the period asked for
        return SourceRecord(
            source=self.name, record_id=doc.record_id, person_id=doc.person_id, date=record_date,
            title=doc.title, text=text, file_bytes=data, file_name=Path(doc.file).name,
            content_type=documents.content_type_for(doc.file), metadata=metadata, involved=doc.involved,
        )


def _in_period(record_date: date | None, terms: SearchTerms) -> bool:
    if record_date is None:
        return True
    if terms.date_from and record_date < terms.date_from:
        return False
    return not (terms.date_to and record_date > terms.date_to)


# ---------------------------------------------------------------------- manifest parsing
class ManifestError(SourceError):
    """The manifest is malformed; the message names the entry and the field."""


def _identity(entry: dict[str, Any], where: str) -> Identity:
    given, family = entry.get("given_names"), entry.get("family_name")
    if not isinstance(given, str) or not isinstance(family, str) or not (given.strip() or family.strip()):
        raise ManifestError(f"{where}: given_names and family_name are required")
    dob_raw = entry.get("date_of_birth")
    dob = as_date(dob_raw)
    if dob_raw and dob is None:
        raise ManifestError(f"{where}: date_of_birth {dob_raw!r} is not YYYY-MM-DD")
    previous = entry.get("previous_names") or []
    if isinstance(previous, str):
        previous = [p for p in previous.split(";") if p.strip()]
    addresses = []
    for a in entry.get("addresses") or []:
        lines = a.get("lines") or []
        addresses.append(Address(lines=tuple(lines if isinstance(lines, list) else [lines]),
                                 postcode=a.get("postcode") or None, current=bool(a.get("current"))))
    if entry.get("postcode") and not addresses:
        addresses.append(Address(postcode=str(entry["postcode"]), current=True))
    other = entry.get("other_ids") or {}
    if not isinstance(other, dict):
        raise ManifestError(f"{where}: other_ids must be an object of scheme -> value")
    return Identity(
        given_names=given.strip(), family_name=family.strip(), date_of_birth=dob,
        previous_names=tuple(str(p).strip() for p in previous), addresses=tuple(addresses),
        nhs_number=(str(entry["nhs_number"]).strip() or None) if entry.get("nhs_number") else None,
        upn=(str(entry["upn"]).strip() or None) if entry.get("upn") else None,
        other_ids=tuple((str(k), str(v)) for k, v in other.items() if v),
    )


def _text_or_none(value: Any) -> str | None:
    """A manifest's optional value as text (a person id may be written as a number), or None if absent."""
    return None if value is None or value == "" else str(value)


def _involved(items: Any, where: str) -> tuple[Involvement, ...]:
    result = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or not item.get("name"):
            raise ManifestError(f"{where}: involved[{i}] needs a name")
        result.append(Involvement(name=str(item["name"]), role=str(item.get("role") or "other"),
                                  job_title=_text_or_none(item.get("job_title")),
                                  person_id=_text_or_none(item.get("person_id")),
                                  address=_text_or_none(item.get("address"))))
    return tuple(result)


def _build(people: dict[str, Identity], docs: list[dict[str, Any]], source: str) -> Manifest:
    built = []
    seen: set[str] = set()
    for i, doc in enumerate(docs):
        where = f"{source}: manifest document #{i + 1}"
        file, person_id = doc.get("file"), doc.get("person_id")
        if not file or not person_id:
            raise ManifestError(f"{where}: file and person_id are required")
        person_id = str(person_id)
        if any(k in doc for k in ("given_names", "family_name")) and person_id not in people:
            people[person_id] = _identity(doc, where)
        if person_id not in people:
            raise ManifestError(f"{where}: person {person_id!r} is not in people and the entry has no name")
        record_id = str(doc.get("record_id") or file)
        if record_id in seen:
            raise ManifestError(f"{where}: record_id {record_id!r} is used twice")
        seen.add(record_id)
        record_date = as_date(doc.get("date"))
        if doc.get("date") and record_date is None:
            raise ManifestError(f"{where}: date {doc.get('date')!r} is not YYYY-MM-DD")
        metadata = doc.get("metadata") or {}
        built.append(ManifestDocument(
            file=str(file), person_id=person_id, record_id=record_id, date=record_date,
            title=str(doc.get("title") or Path(str(file)).stem), involved=_involved(doc.get("involved"), where),
            metadata=dict(metadata) if isinstance(metadata, dict) else {},
        ))
    return Manifest(people=people, documents=tuple(built))


def parse_json(raw: bytes, source: str = "folder") -> Manifest:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{source}: manifest.json is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise ManifestError(f"{source}: manifest.json must be an object with a 'documents' list")
    people: dict[str, Identity] = {}
    for i, person in enumerate(data.get("people") or []):
        where = f"{source}: manifest person #{i + 1}"
        if not isinstance(person, dict) or not person.get("person_id"):
            raise ManifestError(f"{where}: person_id is required")
        people[str(person["person_id"])] = _identity(person, where)
    return _build(people, data["documents"], source)


def parse_csv(raw: bytes, source: str = "folder") -> Manifest:
    """One row per document, the person's identity repeated on each row.

    ``involved`` holds 'Name|role|job title' entries separated by ';'; ``previous_names`` is ';'-separated;
    a column ``id:<scheme>`` (e.g. ``id:LCS``) carries another identifier.
    """
    reader = csv.DictReader(io.StringIO(documents.decode_text(raw)))
    docs: list[dict[str, Any]] = []
    for row in reader:
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        involved = []
        for entry in filter(None, (e.strip() for e in row.pop("involved", "").split(";"))):
            parts = [p.strip() for p in entry.split("|")]
            involved.append({"name": parts[0], "role": parts[1] if len(parts) > 1 else "other",
                             "job_title": parts[2] if len(parts) > 2 else None})
        doc: dict[str, Any] = {k: v for k, v in row.items() if v and not k.startswith("id:")}
        doc["other_ids"] = {k.removeprefix("id:"): v for k, v in row.items() if k.startswith("id:") and v}
        doc["involved"] = involved
        doc.setdefault("given_names", "")
        doc.setdefault("family_name", "")
        docs.append(doc)
    return _build({}, docs, source)


def from_settings(*, name: str, service: str, settings: Any, timeout: float, base_dir: Path) -> FolderConnector:
    path = Path(settings.str("path", required=True)).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    manifest = settings.str("manifest")
    if manifest is not None and Path(manifest).name != manifest:
        raise settings.error("manifest", "must be a file name inside the export folder")
    return FolderConnector(name, service, path=path, manifest=manifest)
