"""The requester sends what the council asked for: proof of identity or authority, or a clarification.

After the progress check's code, a requester may answer an open request for evidence or clarification
themselves. The answer is recorded through the *same* workflow events an officer would fire
(``id_received``, ``authority_received``, ``resume``), dated today in London, so the clock restarts or
resumes exactly as ``legal-rules.md`` §1 says: the month begins again from the day identity or authority
evidence arrives (Art 12A), and a pause ends on the day the answer is received (Art 12A(5)-(6)).
Receiving a document is not verifying it: an officer still checks and decides.

The assigned officer (or, with nobody assigned, the case's timeline and audit trail alone) is told by
email through the outbox, with a link built from ``PUBLIC_BASE_URL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from rights import audit, uploads
from rights.cases.actions import available_actions, perform
from rights.errors import CaseError
from rights.jobs import JobQueue
from rights.models import RightsRequest, Role, User, new_id
from rights.notify import queue_email
from rights.permissions import Actor
from rights.security import EncryptedStore
from rights.workflow import Firing

#: What a requester can send, and the workflow event that records its arrival.
REPLY_EVENTS: dict[str, str] = {
    "proof_of_id": "id_received",
    "authority": "authority_received",
    "clarification": "resume",
}
#: How each reply is named to the requester and to the officer.
REPLY_LABELS: dict[str, str] = {
    "proof_of_id": "proof of identity",
    "authority": "proof of your authority to act",
    "clarification": "your answer to our question",
}
MAX_ANSWER = 5000

#: The requester, acting through the progress page: fires the caseworkers' evidence events (the workflow
#: decides whether each is allowed now) and is named "citizen" in the timeline and audit trail.
REQUESTER = Actor(id=0, role=Role.OFFICER.value, name="the requester", reference="citizen")


@dataclass(frozen=True)
class ReplyResult:
    """What was recorded, for the confirmation the requester sees."""

    what: str  # a key of REPLY_EVENTS
    received_on: date
    officer_told: bool


def asked_for(session: Session, request: RightsRequest, today: date) -> list[str]:
    """What the council is waiting for from the requester now (keys of :data:`REPLY_EVENTS`), in order."""
    allowed = {t.event for t in available_actions(session, request, REQUESTER, today)}
    return [what for what, event in REPLY_EVENTS.items() if event in allowed]


def send_document(session: Session, queue: JobQueue, files: EncryptedStore, request: RightsRequest,
                  checked: uploads.Checked, *, what: str, today: date, ip: str | None = None) -> ReplyResult:
    """Store an uploaded proof (already through :func:`rights.uploads.check`) and record its arrival."""
    if what not in ("proof_of_id", "authority") or what not in asked_for(session, request, today):
        raise CaseError("We are not waiting for this from you. Contact us if you want to send something else.",
                        field="what")
    doc = uploads.store(session, files, checked, purpose=what, actor=REQUESTER.ref, ip=ip)
    doc.request_id = request.id
    audit.record(session, REQUESTER.ref, "documents.attached", request_id=request.id, target=request.reference,
                 detail={"documents": [doc.id], "purposes": [what], "via": "progress"}, ip=ip)
    perform(session, queue, request, REQUESTER, REPLY_EVENTS[what], Firing(on=today), today=today, ip=ip)
    return ReplyResult(what=what, received_on=today, officer_told=_tell_officer(session, queue, request, what))


def answer_clarification(session: Session, queue: JobQueue, request: RightsRequest, answer: str, *, today: date,
                         ip: str | None = None) -> ReplyResult:
    """Record the requester's answer to a clarification: the pause ends today (Art 12A(6))."""
    text = (answer or "").strip()
    if not text:
        raise CaseError("Enter your answer", field="answer")
    if len(text) > MAX_ANSWER:
        raise CaseError(f"Your answer must be {MAX_ANSWER} characters or fewer", field="answer")
    if "clarification" not in asked_for(session, request, today):
        raise CaseError("We are not waiting for an answer from you. Contact us if you want to tell us more.",
                        field="answer")
    # The answer is the resume event's reason: it sits on the case's timeline, where officers read it.
    perform(session, queue, request, REQUESTER, "resume", Firing(on=today, reason=f"Requester's answer: {text}"),
            today=today, ip=ip)
    return ReplyResult(what="clarification", received_on=today,
                       officer_told=_tell_officer(session, queue, request, "clarification"))


def _tell_officer(session: Session, queue: JobQueue, request: RightsRequest, what: str) -> bool:
    """Email the assigned officer that the requester replied (False when nobody is assigned)."""
    officer = session.get(User, request.assignee_id) if request.assignee_id else None
    if officer is None or not officer.email:
        return False
    from rights import runtime

    base = runtime.current().settings.public_base_url
    queue_email(session, queue, key=f"requester-replied:{request.reference}:{what}:{new_id()}",
                to=officer.email, template="officer_requester_replied", request_id=request.id,
                context={"name": officer.name or "colleague", "reference": request.reference,
                         "what": REPLY_LABELS[what], "url": f"{base}/staff/cases/{request.reference}"})
    return True
