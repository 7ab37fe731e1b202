"""Small helpers shared by the blueprints: the runtime, the client IP, audit of the current actor, downloads."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from urllib.parse import quote

from flask import Response, current_app, request
from flask_login import current_user

from rights import audit, clock
from rights.runtime import Runtime

#: The largest id a URL or form may name: the database's integer columns stop here, and a longer number
#: must be "not found", never an overflow inside PostgreSQL (a 500).
MAX_ID = 2**31 - 1


def id_or_none(raw: object) -> int | None:
    """A positive id from a query or form value, or None for anything else (letters, 23 digits)."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def rt() -> Runtime:
    runtime: Runtime = current_app.extensions["rights"]
    return runtime


def client_ip() -> str | None:
    return request.remote_addr


def actor() -> str:
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "citizen"


def audit_denied(reason: str, request_id: int | None = None) -> None:
    """Record a refused access in its own transaction (it must survive the 403/404 that follows)."""
    with rt().db.transaction() as session:
        audit.record(session, actor(), "access.denied", request_id=request_id, target=request.path,
                     detail={"reason": reason, "method": request.method}, ip=client_ip())


def today() -> date:
    """Today's London date, or ``app.config["RIGHTS_TODAY"]`` (a date or ISO string) when tests fix it.

    Every deadline shown on the dashboard counts from this one function, so a test can pin "today"
    without patching the clock.
    """
    fixed = current_app.config.get("RIGHTS_TODAY")
    if isinstance(fixed, str) and fixed:
        return date.fromisoformat(fixed)
    if isinstance(fixed, date):
        return fixed
    return datetime.now(clock.LONDON).date()


def content_disposition(filename: str | None, fallback: str) -> str:
    """An ``attachment`` Content-Disposition that survives any file name a citizen or a source gave.

    Why both forms (RFC 6266): a header must be Latin-1, and gunicorn refuses anything beyond it, so a
    name such as "paszport Łukasza.pdf" would make the download fail with a 500 for the officer who
    needs it. ``filename`` carries an ASCII transliteration; ``filename*`` the name itself, percent-encoded.
    Paths, quotes and control characters are dropped, so the header cannot be split or its value escaped.
    """
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    # Control and format characters go too: a right-to-left override makes "\u202efdp.exe" read "exe.pdf".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = re.sub(r'["<>:|?*;]', "", name).strip(" .")[:150] or fallback
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch for ch in ascii_name if ch.isalnum() or ch in "._- ")
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, ""
    stem = stem.strip(" .") or fallback  # a name in another script keeps its extension: "document.pdf"
    ascii_name = f"{stem}.{extension}" if extension.strip() else stem
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def download(data: bytes | str, content_type: str | None, filename: str | None, fallback: str) -> Response:
    """A file to save, never to render: attachment, the declared type only (nosniff), never cached."""
    response = Response(data, mimetype=content_type or "application/octet-stream")
    response.headers["Content-Disposition"] = content_disposition(filename, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
