"""Case actions: one function per thing an officer does to a request, each checked by the workflow table.

Every action goes through :func:`perform`, which

1. gathers the request's :class:`~rights.workflow.Facts` (status, clock state, who prepared it, ...),
2. asks :func:`rights.workflow.fire` whether this role may do this now (raising with the reason if not),
3. writes the ClockEvent the table names (dated with the true date), the status change and a
   WorkflowEvent for the timeline, and the event's own effect (:data:`CONSEQUENCES`),
4. replays the statutory clock from the events (never patching the due date),
5. audits the action, runs its hook (:data:`CONSEQUENCES`: starting the searches of the source systems, whose
   jobs run after commit), and queues the letter to the requester through :mod:`rights.notify` (an
   outbox row in this transaction, sent by a job after commit).

The caller owns the transaction (``with rt.db.transaction() as session``), so a refused or failing
action leaves nothing behind: no clock event, no audit entry, no email.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from rights import audit, clock, privacy_notice, runtime, search, workflow
from rights.bundles import case_letters, finalise
from rights.bundles import release as bundle_release
from rights.bundles import versions as bundle_versions
from rights.cases import decisions
from rights.config import ConfigError
from rights.errors import CaseAccessDenied, CaseError, SearchError
from rights.jobs import JobQueue
from rights.models import (
    ClockEvent,
    Disclosure,
    OutboxMessage,
    PostItem,
    RequestKind,
    RightsRequest,
    User,
    WorkflowEvent,
    utcnow,
)
from rights.notify import post
from rights.notify.post import Delivery
from rights.permissions import (
    Actor,
    can_be_assigned,
    can_see_request,
)
from rights.redaction import decisions as redaction_decisions
from rights.redaction import service as redaction_service
from rights.workflow import Facts, Firing, Step, Transition, WorkflowError

ART19_KINDS = frozenset({RequestKind.RECTIFICATION.value, RequestKind.ERASURE.value, RequestKind.RESTRICTION.value})


@dataclass
class ActionResult:
    request: RightsRequest
    step: Step
    letter: str | None = None  # the letter's template, sent to the requester
    delivery: Delivery | None = None  # how it left: by email, on the "to post" list, or not at all
    note: str | None = None  # anything else the officer must be told (a letter already sent)

    @property
    def post_letter(self) -> bool:
        """The letter waits on the "to post" list for an officer to print and post."""
        return self.delivery is not None and self.delivery.posted

    @property
    def message(self) -> str:
        text = f"{self.step.transition.label}: done."
        if self.note:
            text += f" {self.note}"
        if self.delivery is None:
            return text
        if self.delivery.unsent:
            text += (" There is no email or postal address for the requester: the letter has not been sent."
                     " Add an address, or contact them another way.")
            return text
        if self.delivery.emailed:
            text += " The requester has been emailed."
        if self.delivery.posted:
            text += " The letter is on the \"to post\" list to print and post."
        return text

# --------------------------------------------------------------------------------------------------
# Facts for the workflow table


# Built once (the case page asks these on every view; building a statement costs more than running it).
_LAST_SENT_FOR_APPROVAL = (select(WorkflowEvent)
                           .where(WorkflowEvent.request_id == bindparam("request_id"),
                                  WorkflowEvent.event == "submit_for_approval")
                           .order_by(WorkflowEvent.id.desc()).limit(1))
_RECIPIENTS_PENDING = select(func.count()).select_from(Disclosure).where(
    Disclosure.request_id == bindparam("request_id"), Disclosure.notified_on.is_(None),
    Disclosure.not_notified_reason.is_(None))


def prepared_by(session: Session, request: RightsRequest) -> int | None:
    """Who sent the response for approval most recently (the approver must be someone else)."""
    event = session.scalars(_LAST_SENT_FOR_APPROVAL, {"request_id": request.id}).first()
    if event is None or not event.actor.startswith("user:"):
        return None
    return int(event.actor.removeprefix("user:"))


def recipients_pending(session: Session, request: RightsRequest) -> int:
    if request.kind not in ART19_KINDS or request.outcome == "refused":
        return 0
    return session.scalar(_RECIPIENTS_PENDING, {"request_id": request.id}) or 0


def _user_id(ref: str | None) -> int | None:
    return int(ref.removeprefix("user:")) if ref and ref.startswith("user:") else None


def facts_for(session: Session, request: RightsRequest, actor: Actor, today: date, *,
              review: redaction_decisions.Progress | None = None,
              version: bundle_versions.VersionState | None = None) -> Facts:
    """What the guards and checks read; ``review``, ``version``: the redaction progress and latest version's
    state if the caller read them (the case page's release panel shows the same reading as its buttons)."""
    state = workflow.clock_state(request)  # the clock events replayed once for every guard
    in_release = request.kind == RequestKind.ACCESS.value and request.status in ("review", "awaiting_approval", "ready")
    if not in_release:
        version = bundle_versions.VersionState()
    elif version is None:
        version = bundle_versions.state(session, runtime.current().cipher, request)
    # The approver must be neither who prepared the version nor who sent it for approval.
    preparer = _user_id(version.version.prepared_by) if version.version is not None else None
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
        prepared_by=preparer if preparer is not None and preparer == actor.id else prepared_by(session, request),
        awaiting=state.awaiting & {"identity", "authority"},
        restricted=bool((request.details or {}).get("restricted")),
        id_verified=request.id_verified,
        recipients_pending=recipients_pending(session, request),
        records_undecided=(review or redaction_decisions.progress(session, request.id)).undecided,
        **decisions.check_facts(session, request),
        version_ready=version.ready,
        version_approved=version.approved,
        version_finalising=version.finalising,
        version_stale=version.stale,
        leak_findings=version.leak_findings,
    )


def available_actions(session: Session, request: RightsRequest, actor: Actor, today: date,
                      facts: Facts | None = None) -> list[Transition]:
    """The actions this member of staff can take on this case now (the case page's buttons); ``facts``: the
    caller's :func:`facts_for` of the same case, actor and day, if read already (a dozen queries each)."""
    if not can_see_request(actor, request):
        return []
    return workflow.allowed_events(request.kind, request.status, actor.role,
                                   facts if facts is not None else facts_for(session, request, actor, today))


# --------------------------------------------------------------------------------------------------
# Performing an action


Effect = Callable[[Session, RightsRequest, Firing, date], None]


def _set_details(request: RightsRequest, **values: Any) -> None:
    request.details = {**(request.details or {}), **values}  # a new dict, so the JSON column is saved


def _effect_assign(session: Session, r: RightsRequest, x: Firing, today: date) -> None:
    assignee = session.get(User, int(x.options["assignee_id"]))
    if not can_be_assigned(assignee):
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
    # Each decision stands alone: nothing from an earlier attempt (a statement, a reason) carries into it.
    statement = (x.options.get("supplementary_statement") or "").strip()
    _set_details(r, supplementary_statement=statement or None)
    if r.kind == RequestKind.COMPLAINT.value:
        r.responded_on = today


def _hook_start_searches(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor,
                         firing: Firing) -> None:
    """Starting (or repeating) the search queues a search of every configured source system.

    Every source, not only the services the requester named: a reasonable and proportionate search
    covers all of the council's systems, and the requester's list is only a hint for officers (the
    command line may narrow a run to some services with ``options["services"]``). The tasks are written
    in this transaction; their jobs run after it commits.
    """
    if (request.details or {}).get("search_again"):  # the corrected details are searched now
        request.details = {k: v for k, v in request.details.items() if k != "search_again"}
    try:
        search.start_searches(session, queue, request.id, actor.ref,
                              only_services=firing.options.get("services") or None)
    except (SearchError, ConfigError) as exc:
        raise CaseError(f"The search cannot start: {exc}", code="guard") from None


def _hook_propose_redactions(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor,
                             firing: Firing) -> None:
    """Entering review proposes redactions for any gathered record that has none yet (a job after commit)."""
    redaction_service.defer_proposals(session, queue, request.id)


def _hook_submit_version(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor,
                         firing: Firing) -> None:
    """Sending for approval names the current prepared version (the guard checked it matches the decisions)."""
    version = bundle_versions.latest(session, request.id)
    assert version is not None
    bundle_versions.submit(session, request, version, actor.ref)


def _hook_approve_version(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor,
                          firing: Firing) -> None:
    """Approving queues the job rendering the submitted version's final, unmarked PDFs and their leak gate."""
    try:
        finalise.approve(session, queue, runtime.current().cipher, request, actor.ref)
    except bundle_versions.VersionError as exc:
        raise CaseError(str(exc), code="guard") from None


def _hook_release(session: Session, queue: JobQueue, request: RightsRequest, actor: Actor, firing: Firing) -> None:
    """Releasing emails the requester a link to the portal (never the data), or leaves a print pack to post."""
    try:
        bundle_release.release(session, queue, runtime.current().settings, request, actor.ref)
    except bundle_versions.VersionError as exc:
        raise CaseError(str(exc), code="guard") from None


Hook = Callable[[Session, JobQueue, RightsRequest, Actor, Firing], None]


@dataclass(frozen=True)
class Consequence:
    """What an event does to the database beyond what its workflow row says (status, clock, letter).

    ``effect`` changes the request as the event is recorded; ``hook`` runs after it is recorded and
    audited, in the same transaction (jobs it defers run after commit). The workflow table stays free of
    database code; this one table, keyed by the table's event names, holds the rest.
    """

    effect: Effect | None = None
    hook: Hook | None = None


CONSEQUENCES: dict[str, Consequence] = {
    "assign": Consequence(effect=_effect_assign),
    "refuse": Consequence(effect=_effect_refuse),
    "withdraw": Consequence(effect=_effect_withdraw),
    "release": Consequence(effect=_effect_responded, hook=_hook_release),
    "submit_for_approval": Consequence(hook=_hook_submit_version),
    "approve": Consequence(hook=_hook_approve_version),
    "send_outcome": Consequence(effect=_effect_responded),
    "close": Consequence(effect=_effect_close),
    "restrict": Consequence(effect=_effect_restrict),
    "lift_restriction": Consequence(effect=_effect_lift),
    "decide": Consequence(effect=_effect_decide),
    "start_search": Consequence(hook=_hook_start_searches),
    "search_again": Consequence(hook=_hook_start_searches),
    "submit_for_review": Consequence(hook=_hook_propose_redactions),
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
        # Actors with no staff account (the requester on the progress page, the command line) have id 0:
        # the event's actor is then named by the workflow event and the audit trail, not a user row.
        request.clock_events.append(ClockEvent(kind=step.clock_event.value, on=step.clock_on, reason=reason,
                                               recorded_by_id=actor.id or None))
    consequence = CONSEQUENCES.get(event, Consequence())
    if consequence.effect is not None:
        consequence.effect(session, request, firing, today)
    if event in decisions.RECORD:  # receiving evidence verifies nothing: only these decisions do
        decisions.RECORD[event](request, firing, actor, today)
    request.status = step.to_status
    wf_event = WorkflowEvent(request_id=request.id, event=event, from_status=step.from_status,
                             to_status=step.to_status, actor=actor.ref,
                             reason=decisions.timeline_text(event, firing, reason))
    session.add(wf_event)
    try:
        result = workflow.refresh_clock(request, today)
    except clock.ClockError as exc:
        raise CaseError(str(exc), field="on") from None
    session.flush()
    detail: dict[str, Any] = {"from": step.from_status, "to": step.to_status, "due": result.due}
    if step.clock_event is not None:
        detail["clock"] = {"kind": step.clock_event.value, "on": step.clock_on}
    if reason:  # the text is on the timeline event (encrypted); the trail keeps its fingerprint
        detail["reason_fingerprint"] = audit.fingerprint(wf_event.reason)
        detail["event_id"] = wf_event.id
    detail.update({k: v for k, v in firing.options.items()
                   if k in ("ground", "outcome", "assignee_id", *decisions.AUDITED_OPTIONS)})
    audit.record(session, actor.ref, f"case.{event}", request_id=request.id, target=request.reference,
                 detail=detail, ip=ip)
    if consequence.hook is not None:
        consequence.hook(session, queue, request, actor, firing)
    outcome = ActionResult(request=request, step=step)
    template = step.transition.letter
    sent_on = already_acknowledged(session, request) if template in ACKNOWLEDGING_LETTERS else None
    if sent_on is not None:
        # The portal (or the officer who logged it) already acknowledged receipt: a second letter saying the
        # same thing would confuse the requester. The action is recorded; the letter is not sent again.
        outcome.note = f"An acknowledgement was already sent on {clock.short_date(sent_on)}: no second letter."
        audit.record(session, actor.ref, "letter.not_repeated", request_id=request.id, target=request.reference,
                     detail={"template": template, "first_sent_on": sent_on})
        template = None
    if template:
        context = letter_context(request, result, firing)
        outcome.letter = template
        key = f"{template}:{request.reference}:{wf_event.id}"
        outcome.delivery = queue_letter(session, queue, request, template, context, key=key)
        case_letters.defer_letter(session, queue, request, template, context["reason"], wf_event.id,
                                  post_key=post.post_key(key) if outcome.delivery.posted else None)
    return outcome


#: Letters that acknowledge receipt, and the acknowledgements sent on receipt that make them redundant.
ACKNOWLEDGING_LETTERS = frozenset({"case_complaint_ack"})
RECEIPT_ACKNOWLEDGEMENTS = ("acknowledgement", "case_acknowledgement")


def already_acknowledged(session: Session, request: RightsRequest) -> date | None:
    """The London day an acknowledgement of receipt was queued to the requester (email or post), if any."""
    emailed = session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.request_id == request.id, OutboxMessage.template.in_(RECEIPT_ACKNOWLEDGEMENTS)))
    posted = session.scalar(select(func.min(PostItem.created_at)).where(
        PostItem.request_id == request.id, PostItem.kind.in_(RECEIPT_ACKNOWLEDGEMENTS)))
    first = min((t for t in (emailed, posted) if t is not None), default=None)
    return clock.received_date(first) if first is not None else None


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
        "supplementary_statement": (request.details or {}).get("supplementary_statement") or "",
        "ico_url": notice.ico_url,
        "ico_phone": notice.ico_phone,
        "ico_address": notice.ico_address,
    }


def queue_letter(session: Session, queue: JobQueue, request: RightsRequest, template: str,
                 context: dict[str, Any], *, key: str) -> Delivery:
    """Send a letter to the requester by every channel they chose (email, post); see ``notify.send_letter``."""
    from rights.notify import send_letter

    return send_letter(session, queue, request, template, context, key=key)
