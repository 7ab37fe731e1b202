"""Leak gate: does any redacted string or withheld record's text appear anywhere in a finished PDF?

Why two extractors: text extraction is heuristic (glyph order, ligatures, spacing, hyphenation), and one
extractor can miss text another finds; a leak found by either blocks release. Both the page text and
everything else a PDF reader can show are searched: document metadata (Info and XMP), bookmarks,
annotations (link targets, comments) and embedded files (any embedded file is itself a finding: bundles
never carry attachments). Matching is on normalised text: case-folded, hyphenation at line ends undone,
soft hyphens and ligatures resolved, whitespace collapsed, and also with all whitespace removed, so a name
split across lines or letter-spaced still matches. Short needles (under 5 characters) match whole words only,
so a redacted "Jo" does not flag every "job".
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf


@dataclass(frozen=True)
class Finding:
    needle: str
    where: str  # "page 12 (pypdf)", "metadata /Title", "outline", "annotation on page 3", "attachment x"

    def __str__(self) -> str:
        return f"{self.where}: {self.needle!r}"


_HYPHEN_BREAK = re.compile(r"(\w)[-\u2010\u00ad]\s*\n\s*(\w)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)  # ligatures (fi, fl) to letters
    text = _HYPHEN_BREAK.sub(r"\1\2", text).replace("\u00ad", "")
    return _SPACE.sub(" ", text).casefold().strip()


class _Matcher:
    def __init__(self, needles: Iterable[str]) -> None:
        self.needles: list[tuple[str, str, str, re.Pattern[str] | None]] = []
        for raw in dict.fromkeys(n for n in needles if n and n.strip()):
            norm = normalise(raw)
            word = re.compile(rf"(?<!\w){re.escape(norm)}(?!\w)") if len(norm.replace(" ", "")) < 5 else None
            self.needles.append((raw, norm, norm.replace(" ", ""), word))

    def find(self, text: str) -> Iterator[str]:
        norm = normalise(text)
        squashed = norm.replace(" ", "")
        for raw, needle, needle_squashed, word in self.needles:
            if word is not None:
                if word.search(norm):
                    yield raw
            elif needle in norm or needle_squashed in squashed:
                yield raw


def _pdftotext_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603,S607 - poppler-utils, fixed args
                         capture_output=True, check=True, timeout=600).stdout.decode("utf-8", "replace")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _strings(obj: object, depth: int = 0) -> Iterator[str]:
    """Every string inside a PDF object (dictionaries and arrays followed, pages and streams not)."""
    if depth > 8:
        return
    if isinstance(obj, (pikepdf.String, pikepdf.Name)):
        yield str(obj)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            yield from _strings(item, depth + 1)
    elif isinstance(obj, pikepdf.Dictionary):
        for key in obj.keys():  # noqa: SIM118 - pikepdf dictionaries iterate keys this way
            if key in ("/Parent", "/P", "/Dest", "/Page"):
                continue
            yield from _strings(obj[key], depth + 1)


def check(path: str | Path, forbidden: Iterable[str]) -> list[Finding]:
    """Findings for every forbidden string found in ``path``; an empty list means the gate passes."""
    path = Path(path)
    matcher = _Matcher(forbidden)
    findings: list[Finding] = []

    def scan(text: str, where: str) -> None:
        findings.extend(Finding(n, where) for n in matcher.find(text))

    reader = pypdf.PdfReader(str(path))
    for number, page in enumerate(reader.pages, start=1):
        scan(page.extract_text() or "", f"page {number} (pypdf)")
    for number, text in enumerate(_pdftotext_pages(path), start=1):
        scan(text, f"page {number} (pdftotext)")

    with pikepdf.open(path) as pdf:
        for key, value in pdf.docinfo.items():
            scan(str(value), f"metadata {key}")
        if "/Metadata" in pdf.Root:
            scan(pdf.Root.Metadata.read_bytes().decode("utf-8", "replace"), "metadata XMP")
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                scan(item.title or "", "outline")
                stack.extend(item.children)
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.obj.get("/Annots", pikepdf.Array()):
                scan(" ".join(_strings(annot)), f"annotation on page {number}")
        for name, spec in pdf.attachments.items():
            findings.append(Finding("(embedded file)", f"attachment {name}"))
            scan(name, "attachment name")
            with contextlib.suppress(pikepdf.PdfError, ValueError):
                scan(spec.get_file().read_bytes().decode("utf-8", "replace"), f"attachment {name}")
        if "/Names" in pdf.Root and "/JavaScript" in pdf.Root.Names:
            findings.append(Finding("(JavaScript)", "document names"))
    return findings
