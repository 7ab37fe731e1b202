"""A request in review whose gathered records are all decided (two included with their proposed redactions
accepted, the scan withheld), for the release tests; and reading PDFs back."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from rights.redaction import decisions, service
from rights.security import cipher_for
from tests.integration.redaction_support import gathered_case, settle_identity_and_searches


def decided_case(rt: Any, settings: Any) -> dict[str, Any]:
    case = gathered_case(rt, settings)
    settle_identity_and_searches(rt, case["id"])
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, case["id"])
    with rt.db.transaction() as session:
        decisions.include_record(session, case["id"], case["visit"], "user:1", accept_all=True)
        decisions.include_record(session, case["id"], case["call"], "user:1", accept_all=True)
        decisions.withhold_record(session, case["id"], case["scan"], "SWHARM", "user:1")
    return case


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_everything(data: bytes) -> str:
    """Page text, document metadata and bookmark titles, as one string to search."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]

    def titles(outline: Any) -> list[str]:
        out: list[str] = []
        for item in outline:
            out += titles(item) if isinstance(item, list) else [str(item.title)]
        return out

    parts += titles(reader.outline)
    return "\n".join(parts)
