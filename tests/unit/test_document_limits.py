"""Hostile documents are refused before parsing, huge ones are cut with a note, normal ones still read."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from rights import config
from rights.sources import documents
from rights.sources.document_limits import DocumentLimits, DocumentRefused, check_zip
from tests.integration.source_builders import make_docx, make_docx_bomb, make_pdf, rebuild_docx


def test_docx_bomb_of_empty_paragraphs_is_refused_before_parsing() -> None:
    bomb = make_docx_bomb()
    assert len(bomb) < 200_000  # small on the wire, about 4.8 MB of XML inside
    with pytest.raises(DocumentRefused) as refused:
        documents.extract("notes.docx", bomb)
    assert str(refused.value).startswith("this document could not be read safely: a part is compressed")


def test_zip_with_too_many_entries_is_refused() -> None:
    crowded = rebuild_docx(extra={f"extra/item{i}.xml": b"<x/>" for i in range(1500)})
    with pytest.raises(DocumentRefused, match="too many parts"):
        documents.extract("notes.docx", crowded)


def test_zip_expanding_past_the_limit_is_refused() -> None:
    limits = DocumentLimits(max_expanded_bytes=1024, max_ratio=10_000)
    with pytest.raises(DocumentRefused, match="expands to"):
        check_zip(make_docx("x" * 5000), limits)


def test_damaged_zip_is_refused_in_one_line() -> None:
    with pytest.raises(DocumentRefused, match="damaged zip"):
        documents.extract("notes.docx", b"PK\x03\x04 not really a zip")


def test_normal_docx_and_pdf_still_extract() -> None:
    text, _ = documents.extract("notes.docx", make_docx("Visit on 3 May", "Child seen at home"))
    assert text == "Visit on 3 May\nChild seen at home"
    text, meta = documents.extract("letter.pdf", make_pdf("Dear Ms Example, your request"))
    assert "Dear Ms Example, your request" in text
    assert meta["pages"] == 1 and "text_truncated" not in meta


def test_huge_text_pdf_is_truncated_with_a_note() -> None:
    words = " ".join(f"word{i}" for i in range(3000))  # about 26,000 characters
    limits = DocumentLimits(max_text_chars=1000)
    text, meta = documents.extract("long.pdf", make_pdf(words), limits)
    assert len(text) == 1000
    assert text.startswith("word0 word1")
    assert "cut at 1,000 characters" in meta["text_truncated"]


def test_pdf_pages_beyond_the_cap_are_not_read() -> None:
    from weasyprint import HTML

    pdf = HTML(string="".join(f'<p style="break-after: page">page {i}</p>' for i in range(5))).write_pdf()
    text, meta = documents.extract("pages.pdf", pdf, DocumentLimits(max_pdf_pages=2))
    assert "page 1" in text and "page 2" not in text
    assert meta["pages"] == 5 and "first 2 of 5 pages" in meta["text_truncated"]


def test_email_with_too_many_parts_is_refused() -> None:
    message = EmailMessage()
    message["Subject"] = "Many attachments"
    message.set_content("body")
    for i in range(12):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=f"a{i}.bin")
    with pytest.raises(DocumentRefused, match="too many parts"):
        documents.extract("mail.eml", message.as_bytes(), DocumentLimits(max_email_parts=10))
    text, meta = documents.extract("mail.eml", message.as_bytes())
    assert "Subject: Many attachments" in text and len(meta["attachments"]) == 12


def test_oversized_html_and_plain_text() -> None:
    with pytest.raises(DocumentRefused, match="larger than"):
        documents.extract("page.html", b"<p>hi</p>" * 300_000, DocumentLimits(max_html_bytes=1024 * 1024))
    text, meta = documents.extract("notes.txt", b"a" * 5000, DocumentLimits(max_text_chars=1000))
    assert len(text) == 1000 and "text_truncated" in meta


def test_parser_out_of_memory_is_a_refusal_not_a_dead_caller() -> None:
    # 128 MB of address space is too little for the interpreter plus pypdf: the worker fails, the caller stays.
    with pytest.raises(DocumentRefused, match="more memory"):
        documents.extract("letter.pdf", make_pdf("hello"), DocumentLimits(memory_mb=40))


def test_limits_come_from_settings() -> None:
    settings = config.load("test", document_max_text_chars=5000, document_timeout_seconds=7, document_memory_mb=256)
    limits = DocumentLimits.from_settings(settings)
    assert (limits.max_text_chars, limits.timeout_seconds, limits.memory_mb) == (5000, 7, 256)


def test_bad_document_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTS_DOCUMENT_MEMORY_MB", "10")
    with pytest.raises(config.ConfigError, match="RIGHTS_DOCUMENT_MEMORY_MB"):
        config.load("test")
