"""Search tasks as staff see them: who reaches which task, the case page's panel, records opened, uploads checked.

Why a rule per task and not per case: every configured source is searched for every access request (a
reasonable and proportionate search covers all of the council's systems, whatever services the
requester remembered), so a record holder must reach their own service's task even when the request
did not name their service. Reaching a task is not reaching the case: a record holder sees the
subject's search terms, their own system's candidates and records, and never another service's task,
record or the rest of the case file.

The domain work (running searches, deciding matches, confirmations, uploads) is :mod:`rights.search`;
this module only reads for the dashboard, checks who may, and audits what was opened. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rights import audit, intake, privacy_notice, search, uploads, workflow
from rights.cases import CASE_ROLES, Actor, CaseAccessDenied, CaseError, CaseNotFound, staff_names
from rights.models import GatheredRecord, RightsRequest, Role, SearchCandidate, SearchStatus, SearchTask
from rights.security import Cipher
from rights.uploads import Checked

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: What a record holder may upload, by content (never by name), and the extension it is stored under.
UPLOAD_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
    "text/plain": "txt",
}
STATUS_LABELS: dict[str, tuple[str, str]] = {  # status -> (words, GOV.UK tag colour)
    SearchStatus.QUEUED.value: ("Queued", "govuk-tag--grey"),
    SearchStatus.RUNNING.value: ("Running", "govuk-tag--blue"),
    SearchStatus.DONE.value: ("Done", "govuk-tag--green"),
    SearchStatus.FAILED.value: ("Failed", "govuk-tag--red"),
    SearchStatus.NEEDS_REVIEW.value: ("Needs review", "govuk-tag--yellow"),
}
OUTCOME_LABELS = {search.ACCEPT: "Accepted", search.REVIEW: "Needs review", search.REJECT: "Rejected"}


# --------------------------------------------------------------------------------------------------
# Who may reach which task


def can_see_task(actor: Actor, task: SearchTask) -> bool:
    """Officers and managers every task; a record holder only their services' tasks; administrators none."""
    if actor.role in CASE_ROLES:
        return True
    return actor.role == Role.RECORD_HOLDER.value and task.service in actor.services


def find_task(session: Session, task_id: int, actor: Actor) -> SearchTask:
    """The task if this member of staff may reach it (raises CaseNotFound / CaseAccessDenied)."""
    task = session.get(SearchTask, task_id)
    if task is None:
        raise CaseNotFound(str(task_id))
    if not can_see_task(actor, task):
        raise CaseAccessDenied(f"search_task:{task_id}")
    return task


def view_task(session: Session, task_id: int, actor: Actor, *, ip: str | None = None) -> SearchTask:
    """Open a task page: audited, since the page shows the subject's identifiers."""
    task = find_task(session, task_id, actor)
    audit.record(session, actor.ref, "search_task.viewed", request_id=task.request_id,
                 target=f"search_task:{task.id}", detail={"source": task.source, "service": task.service}, ip=ip)
    return task


def visible_tasks(session: Session, request_id: int, actor: Actor) -> list[SearchTask]:
    tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)
                            .options(selectinload(SearchTask.candidates))
                            .order_by(SearchTask.service, SearchTask.source)).all()
    return [t for t in tasks if can_see_task(actor, t)]


def holder_tasks(session: Session, actor: Actor, limit: int = 200) -> list[SearchTask]:
    """A record holder's search tasks on open requests, the soonest due first (their "my tasks" list)."""
    if actor.role != Role.RECORD_HOLDER.value or not actor.services:
        return []
    return list(session.scalars(
        select(SearchTask).join(RightsRequest, SearchTask.request_id == RightsRequest.id)
        .where(SearchTask.service.in_(actor.services),
               RightsRequest.status.not_in(intake.OPEN_STATUSES_EXCLUDED))
        .order_by(RightsRequest.due_on, RightsRequest.id, SearchTask.source).limit(limit)
    ).all())


def ensure_open(session: Session, task: SearchTask) -> RightsRequest:
    """Confirmations and uploads belong to a live search: not on a closed, withdrawn or refused case."""
    request = session.get(RightsRequest, task.request_id)
    assert request is not None
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed: its search can no longer be changed.", code="state")
    return request


def ensure_searched(task: SearchTask) -> None:
    """A holder confirms what the automatic search found, so not before it has run."""
    if task.status in (SearchStatus.QUEUED.value, SearchStatus.RUNNING.value):
        raise CaseError("The automatic search of this system has not finished yet: confirm it when it has.",
                        code="state")


def decidable_candidate(session: Session, request: RightsRequest, candidate_id: int) -> SearchCandidate:
    """A candidate of this case an officer may settle now (the case is open and searching or in review)."""
    candidate = session.get(SearchCandidate, candidate_id)
    if candidate is None or candidate.request_id != request.id:
        raise CaseNotFound(str(candidate_id))
    if not workflow.is_open(request.kind, request.status):
        raise CaseError("The case is closed: its matches can no longer be changed.", code="state")
    return candidate


# --------------------------------------------------------------------------------------------------
# The case page's panel (plain values: rendered after the data is read)


@dataclass(frozen=True)
class CandidateView:
    id: int
    person_id: str
    name: str
    date_of_birth: date | None
    score: float
    outcome: str  # the matcher's
    decision: str | None  # the officer's, if any
    effective: str
    explanation: tuple[str, ...]
    decided_by: str | None
    decided_at: datetime | None
    awaiting_officer: bool

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


@dataclass(frozen=True)
class TaskView:
    id: int
    source: str
    service: str
    service_label: str
    type: str
    status: str
    status_label: str
    status_class: str
    error: str | None
    result_note: str | None
    run_by: str
    queued_at: datetime | None
    finished_at: datetime | None
    candidates: tuple[CandidateView, ...]
    record_count: int
    confirmed_by: str | None
    confirmed_at: datetime | None
    none_held: bool
    note: str | None

    @property
    def waiting(self) -> int:
        return sum(1 for c in self.candidates if c.awaiting_officer)


@dataclass(frozen=True)
class RecordView:
    id: int
    task_id: int
    title: str
    record_date: date | None
    source: str
    service_label: str
    origin: str
    has_text: bool
    has_file: bool


def _task_view(task: SearchTask, names: dict[str, str], labels: Any) -> TaskView:
    words, colour = STATUS_LABELS.get(task.status, (task.status, "govuk-tag--grey"))
    candidates = tuple(CandidateView(
        id=c.id, person_id=c.person_id,
        name=" ".join(filter(None, [(c.identity or {}).get("given_names"), (c.identity or {}).get("family_name")])),
        date_of_birth=date.fromisoformat(dob) if (dob := (c.identity or {}).get("date_of_birth")) else None,
        score=float(c.score), outcome=c.outcome, decision=c.decision, effective=search.effective_outcome(c),
        explanation=tuple(str(line) for line in c.explanation or ()),
        decided_by=names.get(c.decided_by or "", c.decided_by), decided_at=c.decided_at,
        awaiting_officer=c.decision is None and c.outcome == search.REVIEW,
    ) for c in sorted(task.candidates, key=lambda c: (-c.score, c.id)))
    return TaskView(
        id=task.id, source=task.source, service=task.service, service_label=labels(task.service),
        type=task.source_type, status=task.status, status_label=words, status_class=colour, error=task.error,
        result_note=task.result_note, run_by=names.get(task.run_by, task.run_by), queued_at=task.queued_at,
        finished_at=task.finished_at, candidates=candidates, record_count=task.record_count,
        confirmed_by=names.get(f"user:{task.confirmed_by_id}") if task.confirmed_by_id else None,
        confirmed_at=task.confirmed_at, none_held=task.none_held, note=task.note,
    )


def task_views(session: Session, tasks: list[SearchTask]) -> list[TaskView]:
    names = staff_names(session)
    labels = privacy_notice.load().service_label
    return [_task_view(t, names, labels) for t in tasks]


def record_views(session: Session, tasks: list[SearchTask]) -> list[RecordView]:
    """The gathered records of these tasks: titles, dates and sources only (nothing decrypted)."""
    if not tasks:
        return []
    labels = privacy_notice.load().service_label
    services = {t.id: t.service for t in tasks}
    rows = session.scalars(select(GatheredRecord).where(GatheredRecord.task_id.in_(list(services)))
                           .order_by(GatheredRecord.source, GatheredRecord.record_date, GatheredRecord.id)).all()
    return [RecordView(id=r.id, task_id=r.task_id, title=r.title, record_date=r.record_date, source=r.source,
                       service_label=labels(services[r.task_id]), origin=r.origin, has_text=r.text_enc is not None,
                       has_file=r.file_key is not None) for r in rows]


@dataclass(frozen=True)
class Panel:
    tasks: list[TaskView]
    records: list[RecordView]
    can_decide: bool
    started: bool

    @property
    def waiting(self) -> int:
        return sum(t.waiting for t in self.tasks)


def panel(session: Session, request: RightsRequest, actor: Actor) -> Panel:
    """What the case page's "Searches" panel shows this member of staff (a record holder: their services)."""
    tasks = visible_tasks(session, request.id, actor)
    return Panel(tasks=task_views(session, tasks), records=record_views(session, tasks),
                 can_decide=actor.role in CASE_ROLES and workflow.is_open(request.kind, request.status),
                 started=bool(tasks))


# --------------------------------------------------------------------------------------------------
# Opening a gathered record


def open_record(session: Session, task: SearchTask, record_id: int, actor: Actor, *, cipher: Cipher,
                as_file: bool = False, ip: str | None = None) -> tuple[GatheredRecord, str | None]:
    """A gathered record of a task this member of staff reaches, decrypted; each opening is audited."""
    if not can_see_task(actor, task):
        raise CaseAccessDenied(f"search_task:{task.id}")
    record = session.get(GatheredRecord, record_id)
    if record is None:
        raise CaseNotFound(str(record_id))
    if record.task_id != task.id:  # another task's record reached through this one: a probe, not a typo
        raise CaseAccessDenied(f"gathered_record:{record_id}")
    if as_file and record.file_key is None:
        raise CaseNotFound(str(record_id))
    text = None if as_file else search.record_text(record, cipher)
    audit.record(session, actor.ref, "record.viewed", request_id=record.request_id,
                 target=f"gathered_record:{record.id}",
                 detail={"source": record.source, "record_id": record.record_id, "as": "file" if as_file else "text"},
                 ip=ip)
    return record, text


def involvement_lines(record: GatheredRecord, cipher: Cipher) -> list[str]:
    """The people the source says were involved, as an officer reads them ("Sam Okafor, professional: ...")."""
    lines = []
    for person in search.record_involved(record, cipher):
        role = str(person.get("role") or "").replace("_", " ")
        title = f": {person['job_title']}" if person.get("job_title") else ""
        lines.append(f"{person.get('name') or 'Unnamed'} ({role}{title})" if role else str(person.get("name")))
    return lines


# --------------------------------------------------------------------------------------------------
# What a record holder may upload


def identify_upload(data: bytes) -> str | None:
    """The content type the bytes show, if a record holder may upload it; the file's name plays no part.

    PDF, JPEG, PNG and DOCX are recognised by their signatures (``filetype``); plain text is text that
    has no NUL bytes and almost no control characters (so a binary renamed ``.txt`` is refused).
    """
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime) if kind.mime in UPLOAD_TYPES else None
    head = data[:65536]
    if b"\x00" in head:
        return None
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return "text/plain" if controls * 100 <= len(head) else None


def upload_filename(name: str | None, content_type: str) -> str:
    """A display name without paths or control characters, with the extension of the content."""
    return uploads.safe_filename(name, content_type, extensions=UPLOAD_TYPES, fallback="record")


def check_upload(data: bytes, filename: str | None, max_bytes: int) -> Checked:
    """Accept a record holder's file or raise :class:`UploadRejected` with a GOV.UK-style message."""
    return uploads.check(data, filename, max_bytes, identify=identify_upload, extensions=UPLOAD_TYPES,
                         refusal="The selected file must be a PDF, Word document (DOCX), JPG, PNG or text file",
                         fallback="record")


def terms_used(terms: dict[str, Any] | None) -> list[str]:
    """The kinds of terms a search used, as the search log names them (the values stay on the task)."""
    terms = terms or {}
    kinds = [label for key, label in (("given_names", "given names"), ("family_name", "family name"),
                                      ("previous_names", "previous names"), ("date_of_birth", "date of birth"),
                                      ("nhs_number", "NHS number"), ("upn", "UPN")) if terms.get(key)]
    schemes = sorted({str(pair[0]) for pair in terms.get("other_ids") or ()})
    if schemes:
        kinds.append(f"identifiers ({', '.join(schemes)})")
    if terms.get("addresses"):
        kinds.append(f"{len(terms['addresses'])} address(es)")
    return kinds


def subject_terms(task: SearchTask) -> list[tuple[str, str]]:
    """The terms the search used, for the record holder searching their own system by hand."""
    terms = task.terms or {}
    rows = [("Name", " ".join(filter(None, [terms.get("given_names"), terms.get("family_name")])) or "Not given")]
    if terms.get("previous_names"):
        rows.append(("Previous names", ", ".join(terms["previous_names"])))
    rows.append(("Date of birth", terms.get("date_of_birth") or "Not given"))
    if terms.get("nhs_number"):
        rows.append(("NHS number", terms["nhs_number"]))
    if terms.get("upn"):
        rows.append(("UPN", terms["upn"]))
    for scheme, value in terms.get("other_ids") or ():
        rows.append((f"Identifier ({scheme})", value))
    for address in terms.get("addresses") or ():
        text = ", ".join([*address.get("lines", []), address.get("postcode") or ""]).strip(", ")
        rows.append(("Current address" if address.get("current") else "Previous address", text or "Not given"))
    period = (terms.get("date_from"), terms.get("date_to"))
    rows.append(("Period", f"{period[0] or 'any date'} to {period[1] or 'any date'}" if any(period) else "Not limited"))
    return rows


__all__ = [
    "UPLOAD_TYPES",
    "CandidateView",
    "Panel",
    "RecordView",
    "TaskView",
    "can_see_task",
    "check_upload",
    "decidable_candidate",
    "ensure_open",
    "ensure_searched",
    "find_task",
    "holder_tasks",
    "identify_upload",
    "involvement_lines",
    "open_record",
    "panel",
    "record_views",
    "subject_terms",
    "task_views",
    "terms_used",
    "view_task",
    "visible_tasks",
]
