"""How much reading one document may cost, and the checks that run before any parser sees it.

Why: documents come from outside (record holders' uploads, source systems' attachments, export folders).
A 113 KB DOCX holding 800,000 empty paragraphs once took a minute and 690 MB inside a web request. The
cheap checks here (a zip's entry count, expanded size and compression ratio, read from its directory
without inflating anything) refuse such files before parsing; what passes is parsed in a separate
process under memory and time limits (:mod:`rights.sources.extract_worker`), and its text is capped.
"""

from __future__ import annotations

import functools
import io
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

from rights import config

REFUSED_PREFIX = "this document could not be read safely"


class DocumentRefused(ValueError):
    """A document the limits refuse; the message is one line the uploader or the search log can show."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{REFUSED_PREFIX}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class DocumentLimits:
    """The ceilings one extraction runs under (defaults are far above any genuine council document)."""

    max_text_chars: int = 2_000_000
    timeout_seconds: int = 30
    memory_mb: int = 512
    max_zip_entries: int = 1000
    max_expanded_bytes: int = 100 * 1024 * 1024
    #: Refused when one entry expands to more than ``ratio_floor_bytes`` AND more than this many times its
    #: compressed size. Genuine Word XML compresses about 5 to 20 times; a bomb of empty paragraphs, 1000.
    max_ratio: int = 100
    ratio_floor_bytes: int = 1024 * 1024
    max_pdf_pages: int = 2000
    max_email_parts: int = 200
    max_html_bytes: int = 20 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: config.Settings) -> DocumentLimits:
        return cls(max_text_chars=settings.document_max_text_chars,
                   timeout_seconds=settings.document_timeout_seconds,
                   memory_mb=settings.document_memory_mb)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.cache
def from_environment() -> DocumentLimits:
    """The limits the environment sets, for callers that hold no settings (the connectors)."""
    try:
        return DocumentLimits.from_settings(config.load())
    except config.ConfigError:  # the process itself would refuse to start; the defaults are the safe side
        return DocumentLimits()


def check_zip(data: bytes, limits: DocumentLimits) -> None:
    """Refuse a zip-based document (DOCX) whose directory promises too much, before inflating a byte."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentRefused("it is not a readable Word document (a damaged zip)") from exc
    if len(entries) > limits.max_zip_entries:
        raise DocumentRefused(f"too many parts ({len(entries):,}; at most {limits.max_zip_entries:,})")
    expanded = sum(entry.file_size for entry in entries)
    if expanded > limits.max_expanded_bytes:
        raise DocumentRefused(f"it expands to {expanded // (1024 * 1024):,} MB "
                              f"(at most {limits.max_expanded_bytes // (1024 * 1024):,} MB)")
    for entry in entries:
        if entry.file_size > limits.ratio_floor_bytes and \
                entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            raise DocumentRefused(f"a part is compressed {entry.file_size // max(entry.compress_size, 1):,} times "
                                  f"over (at most {limits.max_ratio}), as decompression bombs are")


def cap_text(text: str, meta: dict[str, Any], limits: DocumentLimits) -> str:
    """Cut the text at the limit and say so in the metadata (the officer reads the file for the rest)."""
    if len(text) <= limits.max_text_chars:
        return text
    meta["text_truncated"] = (f"the text was cut at {limits.max_text_chars:,} characters of {len(text):,}; "
                              "read the file itself for the rest")
    return text[:limits.max_text_chars]
