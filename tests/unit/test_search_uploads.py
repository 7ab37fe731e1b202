"""What a record holder may upload is judged by the bytes, never the name (rights.uploads.check_record)."""

from __future__ import annotations

import io
import zipfile

import pytest

from rights.search import terms_used
from rights.uploads import DOCX, UploadRejected
from rights.uploads import check_record as check_upload
from rights.uploads import identify_record as identify_upload
from rights.uploads import record_filename as upload_filename
from tests.integration.source_builders import make_docx


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "not a Word document")
    return out.getvalue()


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32), "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
    (make_docx("Core assessment."), DOCX),
    ("Contact note: Zoë visited on 3 March.\r\n\tFollow-up booked.".encode(), "text/plain"),
    ("Windows export: caf\xe9".encode("cp1252"), "text/plain"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(64), None),  # an executable, whatever it is called
    (plain_zip(), None),  # a zip that is not a Word document
    (b"text with a NUL \x00 byte", None),
    (bytes(range(1, 32)) * 4, None),  # control characters: binary, not text
])
def test_uploads_are_identified_by_content(data: bytes, expected: str | None) -> None:
    assert identify_upload(data) == expected


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("assessment.docx", DOCX, "assessment.docx"),
    ("C:\\files\\minutes.exe", "application/pdf", "minutes.pdf"),
    ("../../etc/passwd", "text/plain", "passwd.txt"),
    ("", "image/png", "record.png"),
])
def test_stored_names_carry_the_extension_of_the_content(name: str, content_type: str, expected: str) -> None:
    assert upload_filename(name, content_type) == expected


def test_empty_oversized_and_unknown_files_are_refused_with_the_reason() -> None:
    with pytest.raises(UploadRejected, match="empty"):
        check_upload(b"", "a.txt", 100)
    with pytest.raises(UploadRejected, match="smaller than"):
        check_upload(b"a" * 101, "a.txt", 100)
    with pytest.raises(UploadRejected, match="PDF, Word document"):
        check_upload(b"MZ\x90\x00" + bytes(20), "a.pdf", 100)
    checked = check_upload(b"plain text", "note", 100)
    assert (checked.content_type, checked.filename) == ("text/plain", "note.txt")


def test_the_search_log_names_the_kinds_of_terms_not_their_values() -> None:
    terms = {"given_names": "Amelia", "family_name": "Hart", "date_of_birth": "2012-05-17", "previous_names": [],
             "nhs_number": None, "upn": "A123", "other_ids": [["prn", "A1"], ["LCS", "9"]],
             "addresses": [{"lines": ["1 Mill Lane"]}]}
    assert terms_used(terms) == ["given names", "family name", "date of birth", "UPN", "identifiers (LCS, prn)",
                                 "1 address(es)"]
    assert terms_used(None) == []
