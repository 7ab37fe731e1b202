"""Files citizens upload (proof of identity, a representative's authority): checked, encrypted, attached.

Why by content: a file's name and the browser's content type are whatever the sender says; only the
bytes are evidence. A file is accepted only when its first bytes identify it as a PDF, a JPEG or a PNG
(the ``filetype`` library), so a renamed executable is refused whatever it is called.

Why stored before the request exists: the portal asks one question per page, so an upload arrives
before the requester submits. It is encrypted to disk at once (``EncryptedStore``) as a Document with
``request_id`` NULL; only its id goes into the draft answers, and :func:`attach` links it on submission.
:func:`purge_orphans` removes uploads whose draft was abandoned.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit
from rights.db import after_commit
from rights.models import Document, RightsRequest, utcnow
from rights.security import EncryptedStore, sha256_hex

log = logging.getLogger(__name__)

ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
ORPHAN_AFTER = timedelta(hours=24)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: What a record holder may upload for the response, by content (never by name), and its stored extension.
RECORD_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
    "text/plain": "txt",
}


class UploadRejected(ValueError):
    """The file cannot be accepted; the message is written for the person who sent it."""


@dataclass(frozen=True)
class Checked:
    data: bytes
    content_type: str
    filename: str


def human_size(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{max(1, n // 1024)} KB"


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes, so an oversized file is detected without reading it all."""
    return stream.read(max_bytes + 1)


def identify(data: bytes) -> str | None:
    """The content type the bytes show, if it is one we accept (PDF, JPEG, PNG); otherwise None."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return str(kind.mime)


EXTENSIONS: dict[str, str] = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def safe_filename(name: str | None, content_type: str, *, extensions: dict[str, str] = EXTENSIONS,
                  fallback: str = "upload") -> str:
    """A display name without paths or control characters, with an extension matching the content."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip(" .") or fallback
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{extensions[content_type]}"


#: An image larger than this is refused before anything decodes it (a few KB can claim 1,000,000 x 1,000,000
#: pixels, gigabytes once an officer's browser opens it); the largest phone cameras take about 100.
MAX_IMAGE_PIXELS = 120_000_000
#: Markup that makes a file two files at once (a "polyglot"): harmless as the image or PDF it says it is,
#: a web page or script to anything that sniffs it. Long enough that compressed data never matches by chance.
_MARKUP = re.compile(rb"(?i)<(?:script|html|iframe|svg|object|embed|\?php)[\s>/]")
RESAVE = "save it again as a new PDF, JPG or PNG (for example, print it to PDF, or take a photo) and upload that"


def inspect(data: bytes, content_type: str) -> str | None:
    """Why a file of an accepted type is still refused, in words for the sender; None when it is not.

    What is refused is what is found, never what merely could not be read (a damaged file is the officer's
    to judge): web page code or a zip archive inside the file, a PDF's JavaScript, launch actions or
    embedded files (read by qpdf in a limited process), an image whose size would exhaust a viewer.
    """
    from rights.sources.document_limits import DocumentRefused
    from rights.sources.documents import inspect_pdf

    if content_type not in ("application/pdf", "image/jpeg", "image/png"):
        return None  # text is only ever shown as text; a DOCX is a zip, checked when it is read
    if _MARKUP.search(data):
        return f"The selected file also contains web page code, so it cannot be accepted: {RESAVE}"
    if _is_zip(data):
        return f"The selected file is also a zip archive, so it cannot be accepted: {RESAVE}"
    if content_type == "application/pdf":
        try:
            active = inspect_pdf(data)
        except DocumentRefused as exc:
            return f"The selected PDF could not be checked safely ({exc.reason}): {RESAVE}"
        if active:
            return f"The selected PDF contains {' and '.join(active)}, which is not allowed: {RESAVE}"
    if content_type in ("image/jpeg", "image/png"):
        size = _image_size(data)
        if size is not None and (size[0] < 0 or size[0] * size[1] > MAX_IMAGE_PIXELS):
            shown = f" ({size[0]:,} by {size[1]:,} pixels)" if size[0] >= 0 else ""
            return (f"The selected image is too large{shown}: upload a photo or scan of at most "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels")
    return None


def _is_zip(data: bytes) -> bool:
    import io
    import zipfile

    return zipfile.is_zipfile(io.BytesIO(data))


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header alone (nothing is decoded); None if it has no readable header,
    (-1, -1) if Pillow calls it a decompression bomb outright."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:
        return (-1, -1)  # Pillow refused even to describe it: far beyond any limit
    except Exception:
        return None


def check(
    data: bytes,
    filename: str | None,
    max_bytes: int,
    *,
    identify: Callable[[bytes], str | None] = identify,
    extensions: dict[str, str] = EXTENSIONS,
    refusal: str = "The selected file must be a PDF, JPG or PNG",
    fallback: str = "upload",
) -> Checked:
    """Accept the file or raise :class:`UploadRejected` with a GOV.UK-style message.

    The portal uses the defaults (proof of identity and authority); record holders' uploads pass their
    own ``identify``, extensions and refusal (:func:`check_record`), through the same checks.
    """
    if not data:
        raise UploadRejected("The selected file is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"The selected file must be smaller than {human_size(max_bytes)}")
    content_type = identify(data)
    if content_type is None:
        raise UploadRejected(refusal)
    problem = inspect(data, content_type)
    if problem is not None:
        raise UploadRejected(problem)
    return Checked(data=data, content_type=content_type,
                   filename=safe_filename(filename, content_type, extensions=extensions, fallback=fallback))


def identify_record(data: bytes) -> str | None:
    """The content type the bytes show, if a record holder may upload it; the file's name plays no part.

    PDF, JPEG, PNG and DOCX are recognised by their signatures (``filetype``); plain text is text that
    has no NUL bytes and almost no control characters (so a binary renamed ``.txt`` is refused).
    """
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime) if kind.mime in RECORD_TYPES else None
    head = data[:65536]
    if b"\x00" in head:
        return None
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return "text/plain" if controls * 100 <= len(head) else None


def record_filename(name: str | None, content_type: str) -> str:
    """A display name without paths or control characters, with the extension of the content."""
    return safe_filename(name, content_type, extensions=RECORD_TYPES, fallback="record")


def check_record(data: bytes, filename: str | None, max_bytes: int) -> Checked:
    """Accept a record holder's file or raise :class:`UploadRejected` with a GOV.UK-style message."""
    return check(data, filename, max_bytes, identify=identify_record, extensions=RECORD_TYPES,
                         refusal="The selected file must be a PDF, Word document (DOCX), JPG, PNG or text file",
                         fallback="record")


def store(session: Session, file_store: EncryptedStore, checked: Checked, *, purpose: str, actor: str = "citizen",
          ip: str | None = None) -> Document:
    """Encrypt the file to disk and record it, not yet attached to any request."""
    key = file_store.put(checked.data)
    doc = Document(request_id=None, purpose=purpose, filename=checked.filename, content_type=checked.content_type,
                   size=len(checked.data), sha256=sha256_hex(checked.data), storage_key=key, uploaded_by=actor)
    session.add(doc)
    session.flush()
    audit.record(session, actor, "document.uploaded", target=f"document:{doc.id}",
                 detail={"purpose": purpose, "content_type": checked.content_type, "size": doc.size}, ip=ip)
    return doc


def unattached(session: Session, ids: list[int]) -> list[Document]:
    """The documents among ``ids`` that are still waiting for a request (others are ignored)."""
    if not ids:
        return []
    return list(session.scalars(
        select(Document).where(Document.id.in_(ids), Document.request_id.is_(None)).order_by(Document.id)
    ))


def attach(session: Session, ids: list[int], request: RightsRequest) -> list[Document]:
    docs = unattached(session, ids)
    for doc in docs:
        doc.request_id = request.id
    return docs


def discard(session: Session, file_store: EncryptedStore, doc_id: int, allowed_ids: list[int], *,
            actor: str = "citizen", ip: str | None = None) -> bool:
    """Delete an upload the requester removed; only one of their own, only while unattached."""
    if doc_id not in allowed_ids:
        return False
    doc = session.get(Document, doc_id)
    if doc is None or doc.request_id is not None:
        return False
    audit.record(session, actor, "document.removed", target=f"document:{doc.id}", detail={"purpose": doc.purpose},
                 ip=ip)
    key = doc.storage_key
    session.delete(doc)
    session.flush()
    after_commit(session, lambda: file_store.delete(key))  # the file goes only if the row does
    return True


def purge_orphans(session: Session, file_store: EncryptedStore, *, older_than: timedelta = ORPHAN_AFTER,
                  now: datetime | None = None) -> int:
    """Delete uploads never attached to a request (abandoned drafts), with their files."""
    cutoff = (now or utcnow()) - older_than
    docs = list(session.scalars(
        select(Document).where(Document.request_id.is_(None), Document.uploaded_at < cutoff).limit(1000)
    ))
    keys = [doc.storage_key for doc in docs]
    for doc in docs:
        session.delete(doc)
    if docs:
        after_commit(session, lambda: [file_store.delete(k) for k in keys])
        audit.record(session, "system", "document.orphans_purged", detail={"count": len(docs)})
    return len(docs)
