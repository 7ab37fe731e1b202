"""A request in review whose gathered records are all decided (two included with their proposed redactions
accepted, the scan withheld), for the release tests; and reading PDFs back."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pypdf
from sqlalchemy import select

from rights.models import GatheredRecord, SearchTask
from rights.redaction import decisions, service
from rights.security import cipher_for
from tests.factories import make_person, make_request
from tests.integration.redaction_support import gathered_case, settle_identity_and_searches


def decided_case(rt: Any, settings: Any, **kw: Any) -> dict[str, Any]:
    case = gathered_case(rt, settings, **kw)
    settle_identity_and_searches(rt, case["id"])
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key, case["id"])
    with rt.db.transaction() as session:
        decisions.include_record(session, case["id"], case["visit"], "user:1", accept_all=True)
        decisions.include_record(session, case["id"], case["call"], "user:1", accept_all=True)
        decisions.withhold_record(session, case["id"], case["scan"], "SWHARM", "user:1")
    return case


def nothing_held_case(rt: Any, settings: Any, *, withheld: bool = False, settle: bool = True) -> dict[str, Any]:
    """A request in review whose two searches found nothing (or, ``withheld``, whose only record is withheld
    in full), identity verified and searches closed unless not ``settle``."""
    with rt.db.transaction() as session:
        request = make_request(session, subject=make_person())
        request.status = "review"
        for source, area in (("csc_notes", "childrens_social_care"), ("eh_cases", "early_help")):
            session.add(SearchTask(request_id=request.id, source=source, service=area, source_type="folder",
                                   run_by="user:1", status="done"))
        session.flush()
        case = {"id": request.id, "reference": request.reference}
        if withheld:
            task = session.scalars(select(SearchTask).where(SearchTask.request_id == request.id,
                                                            SearchTask.service == "early_help")).one()
            record = GatheredRecord(request_id=request.id, task_id=task.id, source=task.source, record_id="E-1",
                                    person_id="P1", title="Police disclosure", record_date=date(2023, 5, 4),
                                    text_enc=cipher_for(settings.encryption_keys).encrypt(WITHHELD_TEXT.encode()),
                                    origin="connector", added_by="worker")
            session.add(record)
            session.flush()
            case["record"] = record.id
    if settle:
        settle_identity_and_searches(rt, case["id"])
    if withheld:
        with rt.db.transaction() as session:
            service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key,
                                        case["id"])
        with rt.db.transaction() as session:
            decisions.withhold_record(session, case["id"], case["record"], "CRIME", "user:1")
    return case


WITHHELD_TEXT = "Officer Quentin Marlowe-Dace reported the address to the police on 4 May."


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
