"""Text out of the document types councils export: txt, html, docx, pdf (text layer) and eml.

Used by the folder connector and by record holders' uploads, so a document reads the same whichever
way it arrived. Extraction never executes anything: HTML is parsed as data (script, style and template
content dropped), PDFs are read for their text layer only, and email attachments are listed, not opened.
Nothing but plain text is parsed in the caller's process: :func:`extract` checks a file against
:mod:`rights.sources.document_limits` and hands it to a resource-limited child process.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import Any

from rights.sources import document_limits
from rights.sources.document_limits import DocumentLimits, DocumentRefused, cap_text, check_zip

#: The worker runs with this folder first on its path, so it imports the same copy of the package.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".eml": "message/rfc822",
}
SUPPORTED = frozenset(CONTENT_TYPES)


class UnsupportedDocument(ValueError):
    """A file type the extractors do not read (the search log names the file)."""


def content_type_for(filename: str) -> str:
    return CONTENT_TYPES.get(PurePath(filename).suffix.lower(), "application/octet-stream")


def suffix_for(content_type: str) -> str | None:
    """The extension the extractors read a content type under (``text/html`` -> ``.html``), if any."""
    wanted = content_type.split(";", 1)[0].strip().lower()
    return next((suffix for suffix, kind in CONTENT_TYPES.items() if kind == wanted), None)


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, or None for a binary nothing recognises.

    Why by content: a file's name and declared type are whatever the sender says. File signatures come
    from ``filetype`` (PDF, images, DOCX, archives, executables, media); text is what has no NUL bytes and
    almost no control characters, so a binary renamed ``.txt`` is not taken for text.
    """
    import filetype

    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    head = data[:65536]
    if not head or b"\x00" in head:
        return None
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return "text/plain" if controls * 100 <= len(head) else None


def extract(filename: str, data: bytes, limits: DocumentLimits | None = None) -> tuple[str, dict[str, Any]]:
    """Return ``(text, metadata)`` for one document; metadata says what was found (pages, headers).

    Plain text is decoded here; every other type is checked against ``limits`` and parsed in a separate,
    resource-limited process (:mod:`rights.sources.extract_worker`), so no file can exhaust the caller.
    Raises :class:`DocumentRefused` (one clear line) for a file the limits refuse, ``ValueError`` for one
    that is damaged, :class:`UnsupportedDocument` for a type not read at all.
    """
    limits = limits or document_limits.from_environment()
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedDocument(f"{filename}: unsupported document type {suffix or '(none)'}")
    if suffix in (".txt", ".text"):
        meta: dict[str, Any] = {}
        return cap_text(decode_text(data), meta, limits), meta
    if suffix == ".docx":
        check_zip(data, limits)
    return _in_subprocess(suffix, data, limits)


def _in_subprocess(suffix: str, data: bytes, limits: DocumentLimits) -> tuple[str, dict[str, Any]]:
    command = [sys.executable, "-m", "rights.sources.extract_worker", suffix, json.dumps(limits.as_dict())]
    try:
        proc = subprocess.run(command, input=data, capture_output=True, timeout=limits.timeout_seconds,  # noqa: S603 - fixed argv, data on stdin
                              cwd=_PACKAGE_PARENT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DocumentRefused(f"reading it took longer than {limits.timeout_seconds} seconds") from exc
    if proc.returncode != 0:
        if proc.returncode < 0:  # killed by a signal: the CPU limit, or the kernel out of memory
            raise DocumentRefused("reading it needed more time or memory than a document may use")
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ValueError(lines[-1] if lines else "the document could not be parsed")
    out = json.loads(proc.stdout)
    if "refused" in out:
        raise DocumentRefused(out["refused"])
    return out["text"], out["meta"]


def parse(suffix: str, data: bytes, limits: DocumentLimits) -> tuple[str, dict[str, Any]]:
    """Parse in this process (the extract worker's side); callers use :func:`extract`."""
    if suffix in (".txt", ".text"):
        return decode_text(data), {}
    if suffix in (".html", ".htm"):
        if len(data) > limits.max_html_bytes:
            raise DocumentRefused(f"the page is larger than {limits.max_html_bytes // (1024 * 1024)} MB")
        return html_to_text(decode_text(data)), {}
    if suffix == ".docx":
        check_zip(data, limits)
        return docx_text(data), {}
    if suffix == ".pdf":
        return pdf_text(data, limits.max_pdf_pages)
    if suffix == ".eml":
        return eml_text(data, limits.max_email_parts)
    raise UnsupportedDocument(f"unsupported document type {suffix or '(none)'}")


#: What makes a PDF more than a document: code or files a viewer may run or open (labels for the refusal).
ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "an action that starts a program",
                  "/ImportData": "an action that imports data"}
ACTIVE_KEYS = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/EmbeddedFiles": "an embedded file",
               "/XFA": "an XFA form (which can carry scripts)", "/RichMedia": "rich media"}
ACTIVE_TYPES = {"/EmbeddedFile": "an embedded file", "/FileAttachment": "an embedded file",
                "/RichMedia": "rich media"}


def inspect_pdf(data: bytes, limits: DocumentLimits | None = None) -> list[str]:
    """The kinds of active content a PDF holds (JavaScript, launch actions, embedded files), read by qpdf
    in the limited worker process; empty when there are none or qpdf cannot open the file at all."""
    limits = limits or document_limits.from_environment()
    command = [sys.executable, "-m", "rights.sources.extract_worker", ".pdf", json.dumps(limits.as_dict()), "inspect"]
    try:
        proc = subprocess.run(command, input=data, capture_output=True, timeout=limits.timeout_seconds,  # noqa: S603 - fixed argv, data on stdin
                              cwd=_PACKAGE_PARENT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DocumentRefused(f"reading it took longer than {limits.timeout_seconds} seconds") from exc
    if proc.returncode < 0:
        raise DocumentRefused("reading it needed more time or memory than a document may use")
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        return []
    if "refused" in out:
        raise DocumentRefused(out["refused"])
    return list(out.get("active", []))


def pdf_active_content(data: bytes, max_objects: int = 200_000) -> list[str]:
    """The worker's side of :func:`inspect_pdf`: every object, those packed in object streams included.

    qpdf decodes escaped names (``/J#61vaScript``) and compressed object streams, which a byte scan misses.
    """
    import pikepdf

    found: set[str] = set()

    def look(obj: Any, depth: int) -> None:
        if depth > 20:
            return
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key in obj.keys():  # noqa: SIM118 - a pikepdf Dictionary
                if key in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[key])
            for key, label in (("/S", ACTIVE_ACTIONS), ("/Type", ACTIVE_TYPES), ("/Subtype", ACTIVE_TYPES)):
                value = obj.get(key)
                if isinstance(value, pikepdf.Name) and str(value) in label:
                    found.add(label[str(value)])
            children = [v for _k, v in obj.items()]
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            return
        for child in children:
            if isinstance(child, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream) and not child.is_indirect:
                look(child, depth + 1)

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except Exception:  # not a PDF qpdf can open: no viewer runs what it cannot read
        return []
    with pdf:
        for index, obj in enumerate(pdf.objects):
            if index >= max_objects:
                raise DocumentRefused(f"it has more than {max_objects:,} objects")
            look(obj, 0)
    return sorted(found)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252, the usual export encodings."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


class _TextOnly(HTMLParser):
    """Collects the visible text of an HTML document; content of non-text elements is dropped."""

    SKIP = frozenset({"script", "style", "template", "noscript", "head", "iframe", "object", "svg"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                       "section", "article", "header", "footer", "blockquote", "pre", "hr", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return _tidy("\n".join(parts))


def pdf_text(data: bytes, max_pages: int = 2000) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    pages = [(reader.pages[i].extract_text() or "") for i in range(min(total, max_pages))]
    text = _tidy("\n\n".join(pages))
    meta: dict[str, Any] = {"pages": total}
    if total > max_pages:
        meta["text_truncated"] = f"text was read from the first {max_pages:,} of {total:,} pages"
    if not text:
        meta["no_text_layer"] = True  # a scan: the file is kept, the text needs OCR or a reader
    return text, meta


def eml_text(data: bytes, max_parts: int = 200) -> tuple[str, dict[str, Any]]:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[assignment]
    parts = sum(1 for _ in message.walk())
    if parts > max_parts:
        raise DocumentRefused(f"too many parts ({parts:,}; at most {max_parts:,})")
    headers = {name: str(message[name]) for name in ("From", "To", "Cc", "Date", "Subject") if message[name]}
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = body.get_content()
        text = html_to_text(content) if body.get_content_type() == "text/html" else _tidy(content)
    attachments = [part.get_filename() or "(unnamed)" for part in message.iter_attachments()]
    meta: dict[str, Any] = {"email": headers}
    if attachments:
        meta["attachments"] = attachments
    if "Date" in headers:
        with contextlib.suppress(TypeError, ValueError):
            meta["sent"] = parsedate_to_datetime(headers["Date"]).date().isoformat()
    head = "\n".join(f"{k}: {v}" for k, v in headers.items())
    return (f"{head}\n\n{text}".strip() if head else text), meta
