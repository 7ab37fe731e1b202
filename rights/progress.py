"""Check progress: a reference and an email address, a one-time code by email, then a status page.

No enumeration: :func:`start_check` does the same work whether or not the reference exists and the email
matches: it writes a :class:`ProgressCode` challenge and defers the ``progress_code`` job, which matches
the details and sends the code (:func:`prepare_code`). The citizen always sees "we have sent a code if
the details match", after the same time. A code is six digits,
stored only as a keyed hash, valid for 15 minutes and for 5 tries; at most 3 codes an hour are sent for
one request, so the service cannot be used to flood someone's inbox; a challenge made past that cap
opens nothing, so asking again and again buys no extra guesses.

A good code gives a grant held on the server (:func:`grant`, :mod:`rights.tokens`): the browser carries a
random token that each page view uses up and replaces, for 30 minutes at most. Nothing in the cookie can
be forged with the secret key, and a copied cookie stops working at the requester's next click.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights import audit, jobs, tokens
from rights.clock import LONDON
from rights.intake import normalise_reference
from rights.jobs import JobQueue
from rights.models import OutboxMessage, Person, ProgressCode, RequestKind, RightsRequest, new_id, utcnow
from rights.notify import post, queue_email
from rights.security import constant_time_equal, hash_code, one_time_code

CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 3
ACCESS_TTL = timedelta(minutes=30)  # how long a verified code lets the status page be read
CODE_JOB = "progress_code"
PRIVATE_TEMPLATES = ("progress_code", "officer_requester_replied")  # not listed among a request's messages
#: The emails that are the council's reply (the response released, a refusal, an outcome).
REPLY_TEMPLATES = ("case_released", "case_refusal", "case_outcome", "case_complaint_outcome")

#: The stage of a request in plain words, by workflow status (rights.workflow states).
STAGES: dict[str, str] = {
    "received": "We have received it and will start work on it soon.",
    "awaiting_id": "We are waiting for proof of identity or authority. The time limit starts again when we get it.",
    "searching": "We are searching our records for the information.",
    "review": "We are checking the information we found before we send it to you.",
    "awaiting_approval": "A manager is checking our response.",
    "ready": "Our response is ready and will be sent to you soon.",
    "released": "Our response is ready: we have emailed you a link to download it, or posted it to you.",
    "assessment": "The service that holds the information is looking at what you asked for.",
    "outcome": "We have made a decision and will write to you about it.",
    "notifying_recipients": "We have told you our decision and are telling organisations we shared the "
                            "information with.",
    "acknowledged": "We have acknowledged your complaint.",
    "investigating": "We are investigating your complaint.",
    "closed": "This is closed.",
    "withdrawn": "This was withdrawn.",
    "refused": "We have refused this. We wrote to explain why and what you can do.",
}
DEFAULT_STAGE = "We are working on it."


def stage_words(status: str) -> str:
    return STAGES.get(status, DEFAULT_STAGE)


class CheckResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"


def _find_request(session: Session, reference: str, email: str) -> RightsRequest | None:
    request = session.scalars(select(RightsRequest).where(RightsRequest.reference == normalise_reference(reference))
                              ).first()
    if request is None:
        return None
    wanted = email.strip().lower()
    return request if wanted and wanted in _addresses(request) else None


def _addresses(request: RightsRequest) -> set[str]:
    """The requester's and the subject's email addresses, normalised: who may check and what they see."""
    return {e for p in (request.requester, request.subject) if isinstance(p, Person)
            if (e := (p.email or "").strip().lower())}


def start_check(session: Session, queue: JobQueue, *, reference: str, email: str, ip: str | None = None,
                now: datetime | None = None) -> str:
    """Write a challenge and defer the job that matches it. Returns the challenge id.

    The same work whether or not the details match anything: one row, one deferred job, one audit entry,
    and no lookup at all. Matching, the hourly cap and the email happen in :func:`prepare_code`, in a
    worker, where how long they take cannot be measured by whoever typed the details.
    """
    now = now or utcnow()
    challenge = ProgressCode(id=new_id(), request_id=None, expires_at=now + CODE_TTL, created_at=now, code_hash="",
                             lookup=json.dumps({"reference": reference[:60], "email": email.strip()[:254]}))
    session.add(challenge)
    session.flush()
    jobs.defer(session, queue, CODE_JOB, challenge.id)
    audit.record(session, "citizen", "progress.code_requested", target=f"challenge:{challenge.id}", ip=ip)
    return challenge.id


def prepare_code(session: Session, queue: JobQueue, challenge_id: str, *, secret_key: str,
                 now: datetime | None = None) -> dict[str, bool]:
    """The ``progress_code`` job: match the challenge's details and, if they match, email its code.

    Idempotent: the typed details are cleared as they are used, so a second run finds nothing to do.
    The request row is locked while the hourly cap is counted, so two challenges at once cannot both be
    the third code of the hour.
    """
    now = now or utcnow()
    challenge = session.get(ProgressCode, challenge_id, with_for_update=True, populate_existing=True)
    if challenge is None or challenge.lookup is None:
        return {"prepared": False}
    typed = json.loads(challenge.lookup)
    challenge.lookup = None
    request = _find_request(session, str(typed.get("reference", "")), str(typed.get("email", "")))
    sent = False
    if request is not None:
        session.get(RightsRequest, request.id, with_for_update=True)
        recent = session.scalar(select(func.count()).select_from(ProgressCode).where(
            ProgressCode.request_id == request.id, ProgressCode.created_at > now - timedelta(hours=1))) or 0
        sent = recent < MAX_CODES_PER_HOUR
    code = one_time_code()
    challenge.code_hash = hash_code(secret_key, f"{challenge.id}:{code}")
    # Only a challenge whose code was emailed can open the request. One made past the hourly cap opens
    # nothing: otherwise each extra challenge would be five more guesses at a code nobody was sent.
    if request is not None and sent:
        challenge.request_id = request.id
        queue_email(session, queue, key=f"progress-code:{challenge.id}", to=str(typed["email"]).strip(),
                    template="progress_code", request_id=request.id,
                    context={"code": code, "reference": request.reference,
                             "minutes": int(CODE_TTL.total_seconds() // 60)})
    audit.record(session, "worker", "progress.code_prepared", request_id=request.id if request else None,
                 target=f"challenge:{challenge.id}", detail={"matched": request is not None, "sent": sent})
    return {"prepared": True}


def check_code(session: Session, *, secret_key: str, challenge_id: str | None, code: str, ip: str | None = None,
               now: datetime | None = None) -> tuple[CheckResult, int | None]:
    """Try a code against a challenge; on success return the request id it opens.

    The code's hash is computed and compared for every challenge, matched or not, so the time a check
    takes does not say whether the details typed earlier matched a request.
    """
    now = now or utcnow()
    challenge = session.get(ProgressCode, challenge_id, with_for_update=True) if challenge_id else None
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= now:
        return CheckResult.EXPIRED, None
    if challenge.attempts >= MAX_ATTEMPTS:
        return CheckResult.TOO_MANY, None
    challenge.attempts += 1
    digits = re.sub(r"\s", "", code or "")
    same = constant_time_equal(challenge.code_hash or "-", hash_code(secret_key, f"{challenge.id}:{digits}"))
    good = same and challenge.request_id is not None
    audit.record(session, "citizen", "progress.code_checked", request_id=challenge.request_id,
                 target=f"challenge:{challenge.id}", detail={"ok": good, "attempt": challenge.attempts}, ip=ip)
    if good:
        challenge.used_at = now
        return CheckResult.OK, challenge.request_id
    if challenge.attempts >= MAX_ATTEMPTS:
        return CheckResult.TOO_MANY, None
    return CheckResult.WRONG, None


# ---------------------------------------------------------------------------------------------------
# The grant a good code gives: server-side, handed on token by token


def grant(session: Session, request_id: int, *, purpose: str = "progress", scope: str | None = None,
          now: datetime | None = None) -> str:
    """A good code's grant: the requester's browser holds its token for :data:`ACCESS_TTL` at most.

    ``purpose`` is ``progress`` (the status page) or ``download`` (one link's files, ``scope`` its id).
    """
    return tokens.issue(session, purpose, request_id=request_id, scope=scope, ttl=ACCESS_TTL, now=now)


def use_grant(session: Session, token: object, *, purpose: str = "progress", scope: str | None = None,
              ip: str | None = None, now: datetime | None = None) -> tuple[int, str] | None:
    """The request a grant opens and the token to use next time, or None.

    Every page view uses the token up and hands back its successor (:func:`rights.tokens.rotate`), so a
    token copied from the browser is worthless after the requester's next click; and if a copy is used,
    the spent token coming back ends the grant for both (audited as ``progress.grant_reused``).
    """
    rotated = tokens.rotate(session, token, purpose, scope=scope, now=now)
    if rotated.outcome is tokens.Rotation.REUSED and rotated.grant is not None:
        audit.record(session, "citizen", "progress.grant_reused", request_id=rotated.grant.request_id,
                     target=f"{purpose}:{rotated.grant.family}", ip=ip)
        return None
    if rotated.outcome is not tokens.Rotation.OK or rotated.grant is None or rotated.token is None:
        return None
    assert rotated.grant.request_id is not None
    return rotated.grant.request_id, rotated.token


def end_grant(session: Session, token: object, *, purpose: str = "progress") -> None:
    tokens.end(session, token, purpose, "finished")


@dataclass(frozen=True)
class Message:
    at: datetime
    subject: str
    text: str


@dataclass(frozen=True)
class Status:
    reference: str
    kind: str
    is_complaint: bool
    stage: str
    received_on: date
    due_on: date | None
    provisional: bool
    responded_on: date | None
    messages: tuple[Message, ...]


def replied_on(messages: Sequence[OutboxMessage], posted: date | None) -> date | None:
    """The day the reply actually went: its email sent, or (``posted``) the reply or the response's print pack
    marked posted on the "to post" list, whichever came first.

    Not the day the status changed: "Replied on ..." on a page the requester reads must be true, and a
    release whose email is still queued (or a response waiting to be posted) has not reached them yet.
    """
    sent = [m.sent_at.astimezone(LONDON).date() for m in messages
            if m.template in REPLY_TEMPLATES and m.status == "sent" and m.sent_at]
    return min([*sent, *([posted] if posted else [])], default=None)


def status_of(session: Session, request_id: int, *, ip: str | None = None) -> Status | None:
    """What the requester may see of their request, and an audit entry saying they saw it."""
    request = session.get(RightsRequest, request_id)
    if request is None:
        return None
    # Only what was sent to the requester (or the subject): staff email about the case, such as a
    # record holder's reminder, carries the request's id too and must never reach this page.
    # (Recipients are encrypted, so the address test is made here, on the case's few messages.)
    addresses = _addresses(request)
    messages = [m for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.request_id == request.id,
                                    OutboxMessage.template.not_in(PRIVATE_TEMPLATES),
                                    OutboxMessage.status.in_(("sent", "held", "pending", "sending", "retrying")))
        .order_by(OutboxMessage.created_at.desc())
    ).all() if m.to.strip().lower() in addresses]
    evidence_pending = bool((request.details or {}).get("evidence_pending")) and request.status in (
        "received", "awaiting_id") and not (request.id_verified or request.authority_verified)
    audit.record(session, "citizen", "progress.viewed", request_id=request.id, target=request.reference, ip=ip)
    return Status(
        reference=request.reference, kind=request.kind, is_complaint=request.kind == RequestKind.COMPLAINT.value,
        stage=stage_words(request.status), received_on=request.received_on, due_on=request.due_on,
        provisional=request.clock_provisional or evidence_pending,
        responded_on=replied_on(messages, post.posted_on(session, request.id, (*REPLY_TEMPLATES, post.PRINT_PACK))),
        messages=tuple(Message(at=(m.sent_at or m.created_at).astimezone(LONDON), subject=m.subject, text=m.body_text)
                       for m in messages),
    )

