"""Case services: one function per thing an officer does to a request, each checked by the workflow table.

Every action goes through :func:`perform`, which

1. gathers the request's :class:`~rights.workflow.Facts` (status, clock state, who prepared it, ...),
2. asks :func:`rights.workflow.fire` whether this role may do this now (raising with the reason if not),
3. writes the ClockEvent the table names (dated with the true date), the status change and a
   WorkflowEvent for the timeline, and the action's own effects (``_EFFECTS``),
4. replays the statutory clock from the events (never patching the due date),
5. audits the action, runs its hook (``_HOOKS``: starting the searches of the source systems, whose
   jobs run after commit), and queues the letter to the requester through :mod:`rights.notify` (an
   outbox row in this transaction, sent by a job after commit).

The caller owns the transaction (``with rt.db.transaction() as session``), so a refused or failing
action leaves nothing behind: no clock event, no audit entry, no email. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, cast, exists, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, selectinload

from rights import audit, clock, intake, privacy_notice, workflow
from rights.jobs import JobQueue
from rights.models import (
    AuditEvent,
    ClockEvent,
    Disclosure,
    Document,
    Note,
    OutboxMessage,
    Person,
    RequestKind,
    RightsRequest,
    Role,
    User,
    WorkflowEvent,
    utcnow,
)
from rights.workflow import Facts, Firing, Step, Transition, WorkflowError

CASE_ROLES = frozenset({Role.OFFICER.value, Role.MANAGER.value})
#: Purposes of uploaded files a record holder may open (proof of identity stays with the IG team).
RECORD_HOLDER_DOCUMENTS = frozenset({"record", "correspondence"})
#: Art 19 applies after rectification (Art 16), erasure (Art 17(1)) and restriction (Art 18).
ART19_KINDS = frozenset({RequestKind.RECTIFICATION.value, RequestKind.ERASURE.value, RequestKind.RESTRICTION.value})
LOGGED_CHANNELS = ("letter", "email", "phone", "in_person")


class CaseError(ValueError):
    """An action was refused or its input is invalid. ``code``: state, role, guard, input, unknown."""

    def __init__(self, message: str, code: str = "input", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    @classmethod
    def from_workflow(cls, exc: WorkflowError) -> CaseError:
        return cls(str(exc), exc.code, exc.field)


class CaseNotFound(LookupError):
    pass


class CaseAccessDenied(PermissionError):
    """This member of staff may not see this case (another service's case, or an administrator)."""


class OtherCase(CaseNotFound):
    """The object exists but belongs to another case than the one in the URL: answered as not found
    (it says nothing about the other case), but a probe, not a typo, so the web layer audits it."""


@dataclass(frozen=True)
class Actor:
    """The member of staff acting; built by the web layer from the signed-in user."""

    id: int
    role: str
    services: tuple[str, ...] = ()
    name: str = ""

    @property
    def ref(self) -> str:
        return f"user:{self.id}"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(id=user.id, role=user.role, services=tuple(user.services or ()), name=user.name)


@dataclass
class ActionResult:
    request: RightsRequest
    step: Step
    letter: str | None = None  # the email template queued to the requester
    post_letter: bool = False  # no email address: the officer must post the letter

    @property
    def message(self) -> str:
        text = f"{self.step.transition.label}: done."
        if self.post_letter:
            text += " There is no email address for the requester: send the letter by post."
        elif self.letter:
            text += " The requester has been emailed."
        return text


# --------------------------------------------------------------------------------------------------
# Who may see what


def can_see_request(actor: Actor, request: RightsRequest) -> bool:
    """Officers and managers see every case; record holders only their services'; administrators none."""
    if actor.role in CASE_ROLES:
        return True
    if actor.role == Role.RECORD_HOLDER.value:
        return bool(set(request.services or ()) & set(actor.services))
    return False


def can_open_document(actor: Actor, document: Document) -> bool:
    if actor.role in CASE_ROLES:
        return True
    return actor.role == Role.RECORD_HOLDER.value and document.purpose in RECORD_HOLDER_DOCUMENTS


def find_case(session: Session, reference: str, actor: Actor) -> RightsRequest:
    """The case by reference, if this member of staff may see it (raises CaseNotFound/CaseAccessDenied)."""
    request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference)).first()
    if request is None:
        raise CaseNotFound(reference)
    if not can_see_request(actor, request):
        raise CaseAccessDenied(reference)
    return request


def view_case(session: Session, reference: str, actor: Actor, *, ip: str | None = None) -> RightsRequest:
    """Open a case page: audited as "case.viewed" (who saw whose data is part of the trail)."""
    request = find_case(session, reference, actor)
    audit.record(session, actor.ref, "case.viewed", request_id=request.id, target=request.reference, ip=ip)
    return request


# --------------------------------------------------------------------------------------------------
# Facts for the workflow table


def prepared_by(session: Session, request: RightsRequest) -> int | None:
    """Who sent the response for approval most recently (the approver must be someone else)."""
    event = session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.request_id == request.id, WorkflowEvent.event == "submit_for_approval")
        .order_by(WorkflowEvent.id.desc())
        .limit(1)
    ).first()
    if event is None or not event.actor.startswith("user:"):
        return None
    return int(event.actor.removeprefix("user:"))


def recipients_pending(session: Session, request: RightsRequest) -> int:
    if request.kind not in ART19_KINDS or request.outcome == "refused":
        return 0
    return session.scalar(
        select(func.count()).select_from(Disclosure).where(
            Disclosure.request_id == request.id,
            Disclosure.notified_on.is_(None),
            Disclosure.not_notified_reason.is_(None),
        )
    ) or 0


def facts_for(session: Session, request: RightsRequest, actor: Actor, today: date) -> Facts:
    state = workflow.clock_state(request)  # the clock events replayed once for every guard
    return Facts(
        kind=RequestKind(request.kind),
        status=request.status,
        role=actor.role,
        received_on=request.received_on,
        today=today,
        actor_id=actor.id,
        extended=state.extended,
        pause_started=state.pause_started,
        extension_notice_by=request.extension_notice_by,
        prepared_by=prepared_by(session, request),
        awaiting=state.awaiting & {"identity", "authority"},
        restricted=bool((request.details or {}).get("restricted")),
        id_verified=request.id_verified,
        recipients_pending=recipients_pending(session, request),
    )


def available_actions(session: Session, request: RightsRequest, actor: Actor, today: date) -> list[Transition]:
    """The actions this member of staff can take on this case now (the case page's buttons)."""
    if not can_see_request(actor, request):
        return []
    return workflow.allowed_events(request.kind, request.status, actor.role, facts_for(session, request, actor, today))


# --------------------------------------------------------------------------------------------------
# Performing an action


Effect = Callable[[Session, RightsRequest, Firing, date], None]


def _set_details(request: RightsRequest, **values: Any) -> None:
    request.details = {**(request.details or {}), **values}  # a new dict, so the JSON column is saved


def _effect_id_received(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.id_verified = True


def _effect_authority_received(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.authority_verified = True


def _effect_verify_id(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    what = x.options.get("what", "identity")
    if what in ("identity", "both"):
        r.id_verified = True
    if what in ("authority", "both"):
        r.authority_verified = True


def _effect_assign(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    assignee = session.get(User, int(x.options["assignee_id"]))
    if assignee is None or not assignee.active or assignee.role not in CASE_ROLES:
        raise CaseError("Choose an active officer or manager.", field="options")
    r.assignee_id = assignee.id


def _effect_refuse(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.outcome = "refused"
    r.outcome_reason = f"{workflow.REFUSAL_GROUNDS[x.options['ground']]}: {x.reason}"
    r.responded_on = today
    r.closed_at = utcnow()


def _effect_withdraw(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.outcome = "withdrawn"
    r.outcome_reason = x.reason
    r.closed_at = utcnow()


def _effect_responded(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.responded_on = today


def _effect_close(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.closed_at = utcnow()


def _effect_restrict(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    _set_details(r, restricted=True, restricted_on=today.isoformat())


def _effect_lift(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    _set_details(r, restricted=False, restriction_lifted_on=today.isoformat())


def _effect_decide(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    r.outcome = x.options["outcome"]
    r.outcome_reason = (x.reason or "").strip() or None
    statement = (x.options.get("supplementary_statement") or "").strip()
    if statement:
        _set_details(r, supplementary_statement=statement)
    if r.kind == RequestKind.COMPLAINT.value:
        r.responded_on = today


def _hook_start_searches(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor) -> None:
    """Starting (or repeating) the search queues a search of every configured source system.

    Every source, not only the services the requester named: a reasonable and proportionate search
    covers all of the council's systems, and the requester's list is only a hint for officers. The
    tasks are written in this transaction; their jobs run after it commits.
    """
    from rights import search
    from rights.config import ConfigError

    try:
        search.start_searches(session, queue, request.id, actor.ref)
    except (search.SearchError, ConfigError) as exc:
        raise CaseError(f"The search cannot start: {exc}", code="guard") from None


Hook = Callable[[Session, JobQueue, RightsRequest, Actor], None]
#: What an event does beyond the workflow, after it is recorded (same transaction; side effects after commit).
_HOOKS: dict[str, Hook] = {
    "start_search": _hook_start_searches,
    "search_again": _hook_start_searches,
}

_EFFECTS: dict[str, Effect] = {
    "id_received": _effect_id_received,
    "authority_received": _effect_authority_received,
    "verify_id": _effect_verify_id,
    "assign": _effect_assign,
    "refuse": _effect_refuse,
    "withdraw": _effect_withdraw,
    "release": _effect_responded,
    "send_outcome": _effect_responded,
    "close": _effect_close,
    "restrict": _effect_restrict,
    "lift_restriction": _effect_lift,
    "decide": _effect_decide,
}


def perform(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, event: str,
            firing: Firing | None = None, *, today: date, ip: str | None = None) -> ActionResult:
    """Apply one workflow event to a request, or raise CaseError saying which rule refused it."""
    firing = firing or Firing()
    if not can_see_request(actor, request):
        raise CaseAccessDenied(request.reference)
    try:
        step = workflow.fire(event, facts_for(session, request, actor, today), firing)
    except WorkflowError as exc:
        raise CaseError.from_workflow(exc) from None
    reason = (firing.reason or "").strip() or None
    if step.clock_event is not None:
        assert step.clock_on is not None
        request.clock_events.append(ClockEvent(kind=step.clock_event.value, on=step.clock_on, reason=reason,
                                               recorded_by_id=actor.id))
    effect = _EFFECTS.get(event)
    if effect is not None:
        effect(session, request, firing, today)
    request.status = step.to_status
    wf_event = WorkflowEvent(request_id=request.id, event=event, from_status=step.from_status,
                             to_status=step.to_status, actor=actor.ref, reason=reason)
    session.add(wf_event)
    try:
        result = workflow.refresh_clock(request, today)
    except clock.ClockError as exc:
        raise CaseError(str(exc), field="on") from None
    session.flush()
    detail: dict[str, Any] = {"from": step.from_status, "to": step.to_status, "due": result.due}
    if step.clock_event is not None:
        detail["clock"] = {"kind": step.clock_event.value, "on": step.clock_on}
    if reason:
        detail["reason"] = reason
    detail.update({k: v for k, v in firing.options.items() if k in ("ground", "outcome", "assignee_id", "what")})
    audit.record(session, actor.ref, f"case.{event}", request_id=request.id, target=request.reference,
                 detail=detail, ip=ip)
    hook = _HOOKS.get(event)
    if hook is not None:
        hook(session, queue, request, actor)
    outcome = ActionResult(request=request, step=step)
    template = step.transition.letter
    if template:
        context = letter_context(request, result, firing)
        outcome.letter = template
        outcome.post_letter = not queue_letter(session, queue, request, template, context,
                                               key=f"{template}:{request.reference}:{wf_event.id}")
    return outcome


def letter_context(request: RightsRequest, result: clock.ClockResult, firing: Firing) -> dict[str, Any]:
    """What the letters to requesters (templates/email/case_*.txt) may say."""
    notice = privacy_notice.load()
    return {
        "reference": request.reference,
        "kind": request.kind,
        "requester_name": request.requester.full_name,
        "subject_name": request.subject.full_name,
        "received": clock.long_date(request.received_on),
        "due": clock.long_date(result.due),
        "original_due": clock.long_date(result.original_due),
        "provisional": result.provisional,
        "reason": (firing.reason or "").strip(),
        "ground": workflow.REFUSAL_GROUNDS.get(str(firing.options.get("ground")), ""),
        "outcome": request.outcome or "",
        "outcome_label": {**workflow.RIGHTS_OUTCOMES, **workflow.COMPLAINT_OUTCOMES}.get(request.outcome or "", ""),
        "outcome_reason": request.outcome_reason or "",
        "supplementary_statement": (request.details or {}).get("supplementary_statement", ""),
        "ico_url": notice.ico_url,
        "ico_phone": notice.ico_phone,
        "ico_address": notice.ico_address,
    }


def queue_letter(session: Session, queue: JobQueue, request: RightsRequest, template: str,
                 context: dict[str, Any], *, key: str) -> bool:
    """Queue an email to the requester through the outbox; False when there is no address to send to."""
    to = request.requester.email if request.requester else None
    if not to:
        audit.record(session, "system", "letter.needs_post", request_id=request.id, target=request.reference,
                     detail={"template": template})
        return False
    from rights.notify import queue_email

    queue_email(session, queue, key=key, to=to, template=template, context=context, request_id=request.id)
    return True


# --------------------------------------------------------------------------------------------------
# One function per action (thin names over perform, for views, jobs and tests)


def request_id(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date,
               today: date, authority: bool = False, reason: str | None = None, ip: str | None = None,
               ) -> ActionResult:
    """Ask for proof of identity (or of a representative's authority): the month restarts on arrival."""
    event = "request_authority" if authority else "request_id"
    return perform(session, queue, request, actor, event, Firing(on=on, reason=reason), today=today, ip=ip)


def record_id_received(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date,
                       today: date, authority: bool = False, ip: str | None = None) -> ActionResult:
    """Record the true date the evidence arrived (it may be in the past); the clock replays from it."""
    event = "authority_received" if authority else "id_received"
    return perform(session, queue, request, actor, event, Firing(on=on), today=today, ip=ip)


def pause(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date, reason: str,
          today: date, ip: str | None = None) -> ActionResult:
    """Stop the clock while asking for clarification (Art 12A(5), access requests from 5 Feb 2026)."""
    return perform(session, queue, request, actor, "pause", Firing(on=on, reason=reason), today=today, ip=ip)


def resume(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, on: date, today: date,
           ip: str | None = None) -> ActionResult:
    """The clarification arrived on ``on``: that day is the last paused one (both days inclusive)."""
    return perform(session, queue, request, actor, "resume", Firing(on=on), today=today, ip=ip)


def extend(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, reason: str, today: date,
           ip: str | None = None) -> ActionResult:
    """Extend by two months (manager only, before the notice deadline, with reasons told to the requester)."""
    return perform(session, queue, request, actor, "extend", Firing(reason=reason), today=today, ip=ip)


def assign(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, assignee_id: int,
           today: date, ip: str | None = None) -> ActionResult:
    return perform(session, queue, request, actor, "assign", Firing(options={"assignee_id": assignee_id}),
                   today=today, ip=ip)


def refuse(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, ground: str, reason: str,
           today: date, ip: str | None = None) -> ActionResult:
    """Refuse as manifestly unfounded or excessive (Art 12(5)); the letter names the right to complain."""
    return perform(session, queue, request, actor, "refuse", Firing(reason=reason, options={"ground": ground}),
                   today=today, ip=ip)


def withdraw(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, *, reason: str,
             today: date, ip: str | None = None) -> ActionResult:
    return perform(session, queue, request, actor, "withdraw", Firing(reason=reason), today=today, ip=ip)


def add_note(session: Session, request: RightsRequest, actor: Actor, body: str, *, ip: str | None = None) -> Note:
    """An internal note (never shown to the requester); record holders may add them on their cases."""
    if not can_see_request(actor, request):
        raise CaseAccessDenied(request.reference)
    body = body.strip()
    if not body:
        raise CaseError("Enter the note.", field="body")
    note = Note(request_id=request.id, author_id=actor.id, body=body[:10000])
    session.add(note)
    session.flush()
    audit.record(session, actor.ref, "case.note_added", request_id=request.id, target=request.reference,
                 detail={"note_id": note.id}, ip=ip)
    return note


# --------------------------------------------------------------------------------------------------
# Logging a request received outside the portal


@dataclass
class LoggedRequest:
    """A request an officer received by letter, email, phone or in person, with its true date of receipt."""

    kind: RequestKind
    channel: str
    received_on: date
    subject: Person
    requester: Person
    requester_role: str
    authority_basis: str = "none_needed"
    relationship_note: str | None = None
    competence_note: str | None = None
    services: list[str] = field(default_factory=list)
    description: str | None = None


def log_request(session: Session, queue: JobQueue, new: LoggedRequest, actor: Actor, *, today: date,
                ip: str | None = None) -> RightsRequest:
    """Log a request; its clock starts on the real date of receipt (past allowed, future refused)."""
    if actor.role not in CASE_ROLES:
        raise CaseError("Only officers and managers log requests.", code="role")
    if new.channel not in LOGGED_CHANNELS:
        raise CaseError("Choose how the request was received.", field="channel")
    if new.received_on > today:
        raise CaseError("The date received cannot be in the future.", field="received_on")
    known = {s.key for s in privacy_notice.load().services}
    services = [s for s in new.services if s in known]
    # Noon London time on the day of receipt: the clock uses only the London date, which this keeps.
    received_at = datetime.combine(new.received_on, time(12, 0), tzinfo=clock.LONDON)
    request = intake.receive(session, intake.NewRequest(
        kind=new.kind, channel=new.channel, received_at=received_at, subject=new.subject,
        requester=new.requester, requester_role=new.requester_role,
        details={"description": new.description} if new.description else {},
        extra={"authority_basis": new.authority_basis, "relationship_note": new.relationship_note,
               "competence_note": new.competence_note, "services": services, "assignee_id": actor.id,
               "contact_method": "email" if new.requester.email else "post"},
    ), actor.ref, ip=ip)
    session.add(WorkflowEvent(request_id=request.id, event="logged", from_status=None, to_status=request.status,
                              actor=actor.ref, reason=f"Received by {new.channel.replace('_', ' ')}"))
    session.flush()
    audit.record(session, actor.ref, "case.logged", request_id=request.id, target=request.reference,
                 detail={"channel": new.channel, "received_on": new.received_on}, ip=ip)
    result = workflow.compute_clock(request, today)
    queue_letter(session, queue, request, "case_acknowledgement",
                 letter_context(request, result, Firing()), key=f"case_acknowledgement:{request.reference}")
    return request


# --------------------------------------------------------------------------------------------------
# Documents, the disclosure log, the timeline and the case's audit trail


def open_document(session: Session, request: RightsRequest, actor: Actor, document_id: int, *,
                  ip: str | None = None) -> Document:
    """A document of this case this member of staff may open; the opening is audited."""
    document = session.get(Document, document_id)
    if document is None:
        raise CaseNotFound(str(document_id))
    if document.request_id != request.id:
        raise OtherCase(f"document:{document_id}")
    if not can_open_document(actor, document):
        raise CaseAccessDenied(str(document_id))
    audit.record(session, actor.ref, "document.viewed", request_id=request.id, target=f"document:{document.id}",
                 detail={"purpose": document.purpose, "filename": document.filename}, ip=ip)
    return document


def record_disclosure(session: Session, request: RightsRequest, actor: Actor, *, recipient: str,
                      disclosed_on: date | None, description: str | None, today: date,
                      ip: str | None = None) -> Disclosure:
    """Log that the subject's data went to a recipient named in the privacy notice (for Art 19)."""
    if actor.role not in CASE_ROLES:
        raise CaseError("Only officers and managers keep the disclosure log.", code="role")
    if request.kind not in ART19_KINDS:
        raise CaseError("The disclosure log is for rectification, erasure and restriction requests.", code="state")
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed.", code="state")
    if recipient not in privacy_notice.load().recipients:
        raise CaseError("Choose a recipient from the privacy notice's list.", field="recipient")
    if disclosed_on is not None and disclosed_on > today:
        raise CaseError("The date cannot be in the future.", field="disclosed_on")
    row = Disclosure(request_id=request.id, recipient=recipient, disclosed_on=disclosed_on,
                     description=(description or "").strip() or None, recorded_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor.ref, "case.disclosure_logged", request_id=request.id, target=request.reference,
                 detail={"disclosure_id": row.id, "recipient": recipient}, ip=ip)
    return row


def record_recipient_told(session: Session, request: RightsRequest, actor: Actor, disclosure_id: int, *,
                          on: date | None, not_told_reason: str | None, today: date,
                          ip: str | None = None) -> Disclosure:
    """Art 19: a recipient was told of the rectification/erasure/restriction, or why that was impossible."""
    if actor.role not in CASE_ROLES:
        raise CaseError("Only officers and managers keep the disclosure log.", code="role")
    row = session.get(Disclosure, disclosure_id)
    if row is None or row.request_id != request.id:
        raise CaseNotFound(str(disclosure_id))
    reason = (not_told_reason or "").strip() or None
    if on is None and reason is None:
        raise CaseError("Enter the date they were told, or why telling them is impossible or disproportionate.",
                        field="on")
    if on is not None and (on > today or on < request.received_on):
        raise CaseError("The date must be between receipt of the request and today.", field="on")
    row.notified_on, row.not_notified_reason, row.notified_by_id = on, reason, actor.id
    audit.record(session, actor.ref, "case.recipient_told", request_id=request.id, target=request.reference,
                 detail={"disclosure_id": row.id, "on": on, "not_told_reason": reason}, ip=ip)
    return row


def disclosures(session: Session, request: RightsRequest) -> list[Disclosure]:
    return list(session.scalars(select(Disclosure).where(Disclosure.request_id == request.id)
                                .order_by(Disclosure.id)).all())


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # workflow | clock | note | email
    title: str
    text: str | None = None
    who: str | None = None


_CLOCK_TITLES = {
    "id_requested": "Identity evidence asked for",
    "id_received": "Identity evidence received",
    "authority_requested": "Evidence of authority asked for",
    "authority_received": "Evidence of authority received",
    "fee_requested": "Fee asked for",
    "fee_received": "Fee received",
    "paused": "Clock paused: clarification asked for",
    "resumed": "Clock restarted: clarification received",
    "extended": "Extended by two months",
}


def staff_names(session: Session) -> dict[str, str]:
    return {f"user:{uid}": name for uid, name in session.execute(select(User.id, User.name)).all()}


def timeline(session: Session, request: RightsRequest) -> list[TimelineEntry]:
    """Everything that happened on the case, newest first: workflow, clock, notes and emails."""
    names = staff_names(session)
    entries: list[TimelineEntry] = []
    for ev in session.scalars(select(WorkflowEvent).where(WorkflowEvent.request_id == request.id)):
        title = ev.event.replace("_", " ").capitalize()
        transition = workflow.workflow_for(request.kind).transition(ev.event)
        if transition is not None:
            title = transition.label
        if ev.from_status != ev.to_status:
            before = workflow.label(ev.from_status) if ev.from_status else "new"
            title += f" ({before} → {workflow.label(ev.to_status)})"
        entries.append(TimelineEntry(ev.at, "workflow", title, ev.reason, names.get(ev.actor, ev.actor)))
    for ce in request.clock_events:
        who = names.get(f"user:{ce.recorded_by_id}") if ce.recorded_by_id else None
        entries.append(TimelineEntry(ce.recorded_at, "clock",
                                     f"{_CLOCK_TITLES.get(ce.kind, ce.kind)} on {clock.short_date(ce.on)}",
                                     ce.reason, who))
    for note in session.scalars(select(Note).where(Note.request_id == request.id)):
        entries.append(TimelineEntry(note.created_at, "note", "Internal note", note.body,
                                     names.get(f"user:{note.author_id}")))
    for msg in session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == request.id)):
        entries.append(TimelineEntry(msg.created_at, "email", f"Email to {msg.to}: {msg.subject}",
                                     f"Status: {msg.status}", None))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def case_audit(session: Session, request: RightsRequest, limit: int = 500) -> list[AuditEvent]:
    """Who saw and did what on this case, oldest first (for managers and administrators)."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == request.id)
                                .order_by(AuditEvent.id).limit(limit)).all())


def _has_service(dialect: str, service: str) -> ColumnElement[bool]:
    """The request's ``services`` JSON list contains ``service`` (JSONB on PostgreSQL, json_each on SQLite)."""
    if dialect == "postgresql":
        return cast(RightsRequest.services, JSONB).contains([service])
    each = func.json_each(RightsRequest.services).table_valued("value")
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == service))


def services_cases(session: Session, actor: Actor, limit: int = 200) -> list[RightsRequest]:
    """A record holder's open cases: those about one of their services, due soonest first."""
    if actor.role != Role.RECORD_HOLDER.value or not actor.services:
        return []
    dialect = session.get_bind().dialect.name
    return list(session.scalars(
        select(RightsRequest).options(selectinload(RightsRequest.subject))
        .where(RightsRequest.status.not_in(intake.OPEN_STATUSES_EXCLUDED),
               or_(*(_has_service(dialect, s) for s in actor.services)))
        .order_by(RightsRequest.due_on, RightsRequest.id).limit(limit)
    ).all())


def assignable_staff(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active.is_(True), User.role.in_(sorted(CASE_ROLES)))
                                .order_by(User.name)).all())


__all__ = [
    "ActionResult",
    "Actor",
    "CaseAccessDenied",
    "CaseError",
    "CaseNotFound",
    "LoggedRequest",
    "OtherCase",
    "TimelineEntry",
    "add_note",
    "assign",
    "available_actions",
    "can_open_document",
    "can_see_request",
    "case_audit",
    "extend",
    "facts_for",
    "find_case",
    "log_request",
    "open_document",
    "pause",
    "perform",
    "record_disclosure",
    "record_id_received",
    "record_recipient_told",
    "refuse",
    "request_id",
    "resume",
    "services_cases",
    "timeline",
    "view_case",
    "withdraw",
]
