"""Attachment rules: only the service's own origin, declared types checked against the bytes, safe names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from rights.sources import documents
from rights.sources.sar_api.people import _walk


class AttachmentRefused(Exception):
    """One attachment not gathered; the message says why, for the task and the search log."""


def origin_of(url: str) -> str:
    """scheme://host:port, lower-cased, default ports made explicit: what 'the service's own host' means."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return ""
    if not parts.hostname or parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}:{port}"


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .")
    return base[:200] or "attachment"


TEXT_LIKE = frozenset({"application/json", "application/xml", "message/rfc822"})
# Names for one kind that differ between what services declare and what ``filetype`` reports.
SAME_KIND = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf",
             "image/x-png": "image/png"}
OLE = frozenset({"application/x-ole-storage", "application/msword", "application/vnd.ms-excel",
                 "application/vnd.ms-powerpoint", "application/vnd.ms-outlook"})
EXECUTABLES = re.compile(r"x-msdownload|x-executable|x-mach-binary|x-sharedlib|x-elf|java-archive|x-shockwave",
                         re.IGNORECASE)


def checked_type(data: bytes, declared: str) -> str:
    """The attachment's type as its bytes show it; a file whose bytes contradict its declared type is refused."""
    declared = declared.split(";", 1)[0].strip().lower()
    declared = SAME_KIND.get(declared, declared)
    seen = documents.sniff(data)
    if seen is not None and EXECUTABLES.search(seen):
        raise AttachmentRefused(f"refused: the file is a program ({seen}), not a document")
    if seen is None:
        if declared.startswith("text/"):
            raise AttachmentRefused(f"refused: declared {declared} but the bytes are not text")
        return declared  # a binary nothing recognises (an old .doc, say): kept as declared, no text read
    if seen == "text/plain":
        if declared.startswith("text/") or declared in TEXT_LIKE:
            return declared
        raise AttachmentRefused(f"refused: declared {declared} but the bytes are plain text")
    if seen == declared or (declared == "application/octet-stream"):
        return seen
    if seen in OLE and declared in OLE:
        return declared  # an old Office file: its container is all the bytes show
    if seen == "application/zip" and declared.startswith("application/vnd.openxmlformats"):
        return declared  # an Office file is a zip; filetype names it only when its parts are in the usual order
    raise AttachmentRefused(f"refused: declared {declared} but the bytes are {seen}")


def _references(item: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """Content records that mention this attachment (by number under an attachment key, or by file name)."""
    number = item.get("attachmentNumber")
    filename = item.get("filename")
    found = []
    for record_id, value in values.items():
        for path, node in _walk(value, ""):
            key = path.rsplit(".", 1)[-1].lower()
            if (number is not None and "attachment" in key and node == number) or \
                    (filename and isinstance(node, str) and node == filename):
                found.append(record_id)
                break
    return found


def _needs_other_identifier(name: str, ids: Mapping[str, str]) -> str:
    sent = " and ".join(k.upper() for k in sorted(ids))
    if set(ids) == {"prn"}:
        need = "this service needs a CRN (it holds probation data only and does not handle PRNs)"
    elif set(ids) == {"crn"}:
        need = "this service needs a PRN (it holds prison data only and does not handle CRNs)"
    else:
        need = "this service handles neither of the identifiers sent"
    return f"{name}: {need}; sent the {sent} (HTTP 209)"
