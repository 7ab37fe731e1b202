"""From a sar-api answer to records: the subject's identity, sections as records, dates and plain text."""


from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rights.sources.base import (
    Identity,
    SourceRecord,
)
from rights.sources.sar_api.contract import (
    DATE_NAME,
    FUTURE_NAME,
    ISO_DATE,
    NAME_KEYS,
    PREFERRED_DATES,
    SUBJECT_SECTIONS,
    UK_DATE,
)
from rights.sources.sar_api.people import InvolvedRule, _join, _walk, involved_in
from rights.sources.sql import as_date


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

def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, dict | list) and not value)
