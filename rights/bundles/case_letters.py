"""The PDF twin of every letter the workflow sends, stored on the case, so the email and a posted letter
say the same thing.

Why here and as a job: the workflow's letter-sending events (``letter=`` in ``rights.workflow.tables``)
queue the email in the officer's transaction; rendering a PDF takes a worker process a second or two, so it
is deferred (:data:`LETTER_JOB`) and stored after commit as a case document (purpose ``letter``), keyed by
the workflow event so a retry stores nothing twice. When the letter also went on the "to post" list, the
stored PDF is named on that entry (``rights.notify.post.attach_document``), so officers print the PDF rather
than the plain text. :func:`letter_pdf_for` renders a letter of any kind on demand (the access response's
letter is the approved version's).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import audit, clock, jobs, privacy_notice
from rights.bundles import render, versions
from rights.bundles.letters import Letter, render_letter
from rights.config import Settings
from rights.jobs import JobQueue
from rights.models import Document, RequestKind, RightsRequest
from rights.notify import post
from rights.security import EncryptedStore
from rights.vocabulary import KIND_WORDS

LETTER_JOB = "letter_pdf"
LETTER_PURPOSE = "letter"

#: Email template (templates/email/) -> PDF letter kind (rights.bundles.letters.LETTER_KINDS).
TEMPLATE_KINDS: dict[str, str] = {
    "case_acknowledgement": "acknowledgement",
    "case_id_request": "id_request",
    "case_authority_request": "authority_request",
    "case_clarification": "clarification",
    "case_extension": "extension",
    "case_refusal": "refusal",
    "case_complaint_ack": "complaint_ack",
    "case_complaint_outcome": "complaint_outcome",
}


def kind_for(template: str, request: RightsRequest) -> str | None:
    """The PDF letter that matches an email template for this request, or None (no PDF twin)."""
    if template == "case_outcome":
        return f"{request.kind}_outcome" if request.kind != RequestKind.COMPLAINT.value else "complaint_outcome"
    return TEMPLATE_KINDS.get(template)


def letter_for(request: RightsRequest, kind: str, *, today: date, reasons: str = "") -> Letter:
    """A workflow letter from the request as it is now (reasons: the event's reason, as the email says)."""
    person = request.requester
    addresses = [a for a in (person.addresses or []) if isinstance(a, dict)] if person else []
    chosen = next((a for a in addresses if a.get("current")), addresses[0] if addresses else None)
    address = tuple(str(x) for x in [*(chosen.get("lines") or []), chosen.get("postcode") or ""] if x) if chosen else ()
    outcome_reasons = request.outcome_reason or ""
    return Letter(kind=kind, reference=request.reference, letter_date=today,
                  recipient_name=person.full_name if person else "", recipient_address=address,
                  request_label=KIND_WORDS[RequestKind(request.kind)].in_letters.removeprefix("request for "),
                  received=request.received_on, due=request.due_on,
                  reasons=reasons or outcome_reasons, outcome=request.outcome or "",
                  statement=str((request.details or {}).get("supplementary_statement", "")),
                  large_print=bool((request.details or {}).get("large_print")))


def letter_pdf_for(session: Session, request: RightsRequest, kind: str, *, reasons: str = "",
                   settings: Settings | None = None, store: EncryptedStore | None = None) -> bytes:
    """The letter of ``kind`` for this request as PDF bytes: what the post queue prints.

    ``access_response`` is the approved version's final letter (it must match the bundle it describes).
    """
    from rights import runtime

    rt = runtime.current()
    settings = settings or rt.settings
    if kind == "access_response":
        version = versions.latest(session, request.id)
        if version is None or version.status not in ("approved", "released"):
            raise versions.VersionError("The access response letter exists once a version is approved.")
        return versions.files(store or rt.files, version, final=True)["letter"]
    today = datetime.now(clock.LONDON).date()
    return render_letter(letter_for(request, kind, today=today, reasons=reasons), privacy_notice.load(),
                         settings.council_name, render.limits_from(settings))


def defer_letter(session: Session, queue: JobQueue, request: RightsRequest, template: str, reasons: str,
                 event_id: int, *, post_key: str | None = None) -> bool:
    """After a letter-sending event, render its PDF twin in a job; False when the template has none.
    ``post_key``: the letter's entry on the "to post" list, if it was posted, to name the PDF on."""
    kind = kind_for(template, request)
    if kind is None:
        return False
    jobs.defer(session, queue, LETTER_JOB, request.id, kind, reasons, event_id, post_key, request_id=request.id)
    return True


def store_letter(session: Session, settings: Settings, store: EncryptedStore, request_id: int, kind: str,
                 reasons: str, event_id: int, *, post_key: str | None = None) -> Document | None:
    """Render and store the letter once per workflow event (the filename carries the event id), and name it
    on the letter's "to post" entry."""
    document = _store_letter(session, settings, store, request_id, kind, reasons, event_id)
    if document is not None and post_key:
        post.attach_document(session, post_key, document.id)
    return document


def _store_letter(session: Session, settings: Settings, store: EncryptedStore, request_id: int, kind: str,
                  reasons: str, event_id: int) -> Document | None:
    request = session.get(RightsRequest, request_id)
    if request is None:
        return None
    filename = f"{request.reference}-{kind}-{event_id}.pdf"
    existing = next((d for d in session.scalars(select(Document).where(  # file names are encrypted: compare here
        Document.request_id == request_id, Document.purpose == LETTER_PURPOSE)) if d.filename == filename), None)
    if existing is not None:
        return existing
    try:
        pdf = letter_pdf_for(session, request, kind, reasons=reasons, settings=settings, store=store)
    except ValueError as exc:  # a letter missing what its kind needs: say so on the case, never half a letter
        audit.record(session, "worker", "letter.pdf_failed", request_id=request_id, target=request.reference,
                     detail={"kind": kind, "why": str(exc)})
        return None
    document = Document(request_id=request_id, purpose=LETTER_PURPOSE, filename=filename,
                        content_type="application/pdf", size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
                        storage_key=store.put(pdf), uploaded_by="system")
    session.add(document)
    session.flush()
    audit.record(session, "worker", "letter.pdf_stored", request_id=request_id, target=request.reference,
                 detail={"kind": kind, "document": document.id})
    return document
