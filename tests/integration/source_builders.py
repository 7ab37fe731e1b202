"""Builders for source-system test data: documents of every exported type, export folders, sources files."""

from __future__ import annotations

import io
import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

SUBJECT = {"given_names": "Amelia", "family_name": "Hart", "date_of_birth": "2012-05-17",
           "addresses": [{"lines": ["1 Mill Lane", "Northby"], "postcode": "NB1 2CD", "current": True}]}
# Look-alikes the matcher must never accept for Amelia Hart, 17 May 2012.
SAME_NAME_OTHER_DOB = {"given_names": "Amelia", "family_name": "Hart", "date_of_birth": "2013-02-03",
                       "addresses": [{"lines": ["9 Bridge Street"], "postcode": "NB7 7XY", "current": True}]}
SAME_DOB_OTHER_NAME = {"given_names": "Olivia", "family_name": "Hart", "date_of_birth": "2012-05-17"}
SIBLING = {"given_names": "Jack", "family_name": "Hart", "date_of_birth": "2010-09-01",
           "addresses": [{"lines": ["1 Mill Lane", "Northby"], "postcode": "NB1 2CD", "current": True}]}
# The subject's own duplicate record with a date of birth one day out: an officer must decide.
NEAR_MISS = {"given_names": "Amelia", "family_name": "Hart", "date_of_birth": "2012-05-18"}


def make_pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<html><body><p>{text}</p></body></html>").write_pdf()


def make_docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for paragraph in paragraphs:
        doc.add_paragraph(paragraph)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


WORD_BODY = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             "<w:body>{}</w:body></w:document>")


def rebuild_docx(extra: dict[str, bytes] | None = None, document_xml: bytes | None = None) -> bytes:
    """A real python-docx file with its body replaced and/or extra zip entries added."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_docx("Original paragraph")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml" and document_xml is not None:
                data = document_xml
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def make_docx_bomb(paragraphs: int = 800_000) -> bytes:
    """The reported attack: tens of KB on the wire, megabytes of empty paragraphs once inflated."""
    return rebuild_docx(document_xml=WORD_BODY.format("<w:p/>" * paragraphs).encode())


def make_eml(subject: str, body: str, sent: str = "Tue, 05 Mar 2024 10:00:00 +0000") -> bytes:
    message = EmailMessage()
    message["From"] = "Sam Okafor <sam.okafor@council.example>"
    message["To"] = "Early Help <earlyhelp@council.example>"
    message["Subject"] = subject
    message["Date"] = sent
    message.set_content(body)
    message.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="referral.pdf")
    return bytes(message)


def make_html(body: str, script: str) -> bytes:
    return (f"<!doctype html><html><head><title>Visit</title><script>{script}</script>"
            f"<style>p {{ color: red }}</style></head><body><h1>Home visit</h1><p>{body}</p>"
            f"<script>{script}</script></body></html>").encode()


def write_export(root: Path, people: dict[str, dict[str, Any]], docs: list[tuple[str, bytes, dict[str, Any]]]
                 ) -> Path:
    """An export folder: the files, and manifest.json listing people and documents."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for rel, data, meta in docs:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append({"file": rel, **meta})
    manifest = {"people": [{"person_id": pid, **identity} for pid, identity in people.items()], "documents": entries}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return root


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def write_sources(path: Path, sources: list[dict[str, Any]]) -> Path:
    """A RIGHTS_SOURCES file; each source's ``settings`` becomes its [source.settings] table."""
    lines = []
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            if key != "settings":
                lines.append(f"{key} = {toml_value(value)}")
        lines.append("[source.settings]")
        for key, value in source.get("settings", {}).items():
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
