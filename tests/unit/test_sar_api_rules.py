"""The sar-api connector's rules as pure functions: origins, file types, dates, ids, people paths."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rights.sources.sar_api import (
    AttachmentRefused,
    InvolvedRule,
    checked_type,
    origin_of,
    record_date,
    records_from,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.mark.parametrize(("url", "origin"), [
    ("https://svc.example/attachments/1", "https://svc.example:443"),
    ("HTTPS://SVC.example:443/x", "https://svc.example:443"),
    ("http://svc.example/x", "http://svc.example:80"),
    ("https://svc.example:8443/x", "https://svc.example:8443"),
    ("https://svc.example.evil.test/x", "https://svc.example.evil.test:443"),
    ("https://user:pw@svc.example/x", ""),  # credentials in a URL are never followed
    ("ftp://svc.example/x", ""),
    ("file:///etc/passwd", ""),
    ("https://svc.example:99999/x", ""),
])
def test_origin(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(("data", "declared", "result"), [
    (PNG, "image/png", "image/png"),
    (PNG, "image/x-png", "image/png"),
    (PDF, "application/pdf", "application/pdf"),
    (PDF, "application/octet-stream", "application/pdf"),
    (b"Plain words.\n", "text/plain", "text/plain"),
    (b"<p>Hello</p>", "text/html; charset=utf-8", "text/html"),
    (b"\x01\x02\x03\x00\xff", "application/x-unknown", "application/x-unknown"),  # kept as declared, no text
    (b"Plain words.\n", "application/pdf", "refused: declared application/pdf but the bytes are plain text"),
    (PNG, "image/jpeg", "refused: declared image/jpeg but the bytes are image/png"),
    (b"\x00\x01binary", "text/plain", "refused: declared text/plain but the bytes are not text"),
    (EXE, "application/pdf", "refused: the file is a program"),
])
def test_checked_type(data: bytes, declared: str, result: str) -> None:
    if result.startswith("refused"):
        with pytest.raises(AttachmentRefused, match=result.replace("(", r"\(")):
            checked_type(data, declared)
    else:
        assert checked_type(data, declared) == result


@pytest.mark.parametrize(("value", "expected"), [
    ({"date": "2024-02-01", "createdAt": "2023-01-01T10:00:00"}, date(2024, 2, 1)),
    ({"nextReviewDate": "2023-11-16", "reviewTime": "2023-10-19T15:04:55.431895"}, date(2023, 10, 19)),
    ({"incidentDate": [2023, 3, 24, 13, 59, 16]}, date(2023, 3, 24)),
    ({"whenCreated": "2024-05-07T14:49:51"}, date(2024, 5, 7)),
    ({"created_at": "2021-06-01T09:00:00Z"}, date(2021, 6, 1)),
    ({"dateCreated": "19/11/2024 17:20:40"}, date(2024, 11, 19)),  # UK order where the name says date
    ({"comment": "19/11/2024"}, None),  # ... and not where it does not
    ({"expiryDate": "2030-01-01", "note": "2024-04-04"}, date(2024, 4, 4)),  # a plain ISO value before a future one
    ({"scores": [2023, 3, 24]}, None),  # numbers are not a date unless the name says so
    ({"text": "no dates"}, None),
    ({"amendments": [{"creationDateTime": "2024-01-30T14:54:12"}], "creationDateTime": "2024-01-29T15:00:59"},
     date(2024, 1, 29)),
])
def test_record_date(value: dict[str, Any], expected: date | None) -> None:
    assert record_date(value) == expected


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("*.authorName", "caseNotes[].authorName", True),
    ("*.authorName", "[].amendments[].authorName", True),
    ("*.authorName", "authorName", True),
    ("*.authorName", "caseNotes[].coauthorName", False),
    ("nonAssociations[].otherPrisonerDetails", "nonAssociations[].otherPrisonerDetails", True),
    ("nonAssociations[].otherPrisonerDetails", "x.nonAssociations[].otherPrisonerDetails", False),
    ("[].keyworker", "[].keyworker", True),
])
def test_involved_paths(pattern: str, path: str, matches: bool) -> None:
    assert InvolvedRule(pattern, "professional").matches(path) is matches


def test_ids_unique_per_occurrence_and_stable_under_reordering() -> None:
    same = {"notes": "string"}
    content = {"items": [same, same, {"id": 7, "x": 1}, {"id": 7, "x": 2}, {"other": True}], "count": 5}
    ids = [r.record_id for r in records_from(content, "s", "p")]
    assert len(ids) == len(set(ids)) == 6  # the details, and each of the five items
    reordered = {"count": 5, "items": list(reversed(content["items"]))}
    assert sorted(r.record_id for r in records_from(reordered, "s", "p")) == sorted(ids)
