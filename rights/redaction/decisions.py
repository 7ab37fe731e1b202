"""Officers' decisions on redactions and records, each recorded (who, when, code) and audited.

The rule that matters: nothing proposed is released unreviewed. A record counts as decided only when it
has a decision (include or withhold) and none of its redactions is still ``proposed``; including a record
is refused while any is. Withholding a record accepts its open proposals as the same officer (the whole
text is withheld, and should the record be included later its proposals stay redacted, the safe side).
A record with no text layer cannot be included: redacting a scan by page region is not built, so it is
withheld.

The callers (the review page, ``rights redact``) check who may reach the case; these functions check
that what is named belongs to the request, so an id from another case is refused, not acted on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from rights import audit
from rights.errors import CaseError
from rights.models import GatheredRecord, RecordDecision, Redaction, RightsRequest, utcnow
from rights.names import fold
from rights.redaction import scans
from rights.redaction.codes import check_code
from rights.redaction.service import (
    ACCEPTED,
    INCLUDE,
    OFFICER,
    PROPOSED,
    REJECTED,
    WITHHOLD,
    person_key,
    request_records,
)
from rights.search.records import record_text
from rights.security import Cipher, EncryptedStore

EDITABLE_STATUSES = frozenset({"searching", "review"})
"""Decisions change only while the response is being prepared: once sent for approval, a manager is
approving these decisions, and the case goes back for changes first."""

MAX_WORDS = 500


@dataclass(frozen=True)
class Progress:
    decided: int
    total: int

    @property
    def undecided(self) -> int:
        return self.total - self.decided


def _editable(session: Session, request_id: int) -> RightsRequest:
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise CaseError("No such request.")
    if request.status not in EDITABLE_STATUSES:
        raise CaseError("Redactions can be changed only while the case is being searched or reviewed "
                        "(return it for changes first).")
    return request


def _record(session: Session, request_id: int, record_id: int) -> GatheredRecord:
    record = session.get(GatheredRecord, record_id)
    if record is None or record.request_id != request_id:
        raise CaseError("That record is not one of this request's records.")
    return record


def _decision_row(session: Session, record: GatheredRecord) -> RecordDecision:
    row = session.scalars(select(RecordDecision).where(RecordDecision.record_id == record.id)).first()
    if row is None or row.proposed_at is None:
        raise CaseError("Redactions have not been proposed for this record yet: open the review page again.")
    return row


_OPEN = select(Redaction.record_id).where(Redaction.request_id == bindparam("request_id"),
                                          Redaction.status == PROPOSED)
_PRESENT = select(GatheredRecord.id).where(GatheredRecord.request_id == bindparam("request_id"))  # none left behind
# Built once: the case page counts these on every view.
_DECIDED = select(RecordDecision.record_id).where(
    RecordDecision.request_id == bindparam("request_id"), RecordDecision.decision.is_not(None),
    RecordDecision.record_id.in_(_PRESENT), RecordDecision.record_id.not_in(_OPEN))
_GATHERED = select(func.count()).select_from(GatheredRecord).where(GatheredRecord.request_id == bindparam("request_id"))
# Both counts in one statement: one round trip on every case page rather than two.
_PROGRESS = select(_GATHERED.scalar_subquery().label("total"),
                   select(func.count()).select_from(_DECIDED.subquery()).scalar_subquery().label("decided"))


def decided_record_ids(session: Session, request_id: int) -> set[int]:
    """The records of a request that are decided: a decision, and no redaction still proposed."""
    return set(session.scalars(_DECIDED, {"request_id": request_id}))


def progress(session: Session, request_id: int) -> Progress:
    """How many of the request's records are decided (as :func:`decided_record_ids` counts them) of how many."""
    counts = session.execute(_PROGRESS, {"request_id": request_id}).one()
    return Progress(decided=counts.decided or 0, total=counts.total or 0)


def undecided_count(session: Session, request_id: int) -> int:
    """Gathered records not decided yet (the workflow refuses to send the response for approval while any)."""
    return progress(session, request_id).undecided


def decide_redaction(session: Session, request_id: int, redaction_id: int, accept: bool, actor: str, *,
                     ip: str | None = None) -> Redaction:
    """Accept or reject one redaction."""
    _editable(session, request_id)
    row = session.get(Redaction, redaction_id)
    if row is None or row.request_id != request_id:
        raise CaseError("That redaction is not one of this request's.")
    row.status, row.decided_by, row.decided_at = (ACCEPTED if accept else REJECTED), actor, utcnow()
    audit.record(session, actor, "redaction.decided", request_id=request_id, target=f"redaction:{row.id}",
                 detail={"record": row.record_id, "status": row.status, "code": row.code, "kind": row.kind}, ip=ip)
    return row


def decide_by_key(session: Session, request_id: int, key: str, accept: bool, actor: str, *,
                  ip: str | None = None) -> int:
    """Accept or reject every detector redaction of one person or identifier across the request."""
    _editable(session, request_id)
    status = ACCEPTED if accept else REJECTED
    ids = list(session.scalars(select(Redaction.id).where(Redaction.request_id == request_id,
                                                          Redaction.person_key == key)))
    if not ids:
        raise CaseError("No redactions of that person or identifier in this request.")
    session.execute(update(Redaction).where(Redaction.id.in_(ids))
                    .values(status=status, decided_by=actor, decided_at=utcnow()))
    audit.record(session, actor, "redaction.decided_by_key", request_id=request_id, target=f"person_key:{key[:16]}",
                 detail={"status": status, "count": len(ids)}, ip=ip)
    return len(ids)


def occurrences(text: str, words: str, at: int | None = None) -> list[tuple[int, int]]:
    """Every place the officer's words occur in the text: case and runs of spaces ignored.

    With ``at``, only an occurrence starting exactly there (empty if the words are not there).
    """
    parts = [re.escape(p) for p in words.split()]
    if not parts:
        return []
    pattern = re.compile(r"\s+".join(parts), re.IGNORECASE)
    if at is not None:
        found = pattern.match(text, at) if 0 <= at <= len(text) else None
        return [(found.start(), found.end())] if found else []
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def add_redaction(session: Session, cipher: Cipher, secret: str, request_id: int, record_id: int, words: str,
                  code: str, actor: str, *, across_request: bool = False, at: int | None = None,
                  ip: str | None = None) -> int:
    """An officer redacts the exact words given, wherever they occur in the record (or the whole request).

    ``at`` (the offset in the record's text where the officer selected the words) limits it to that one
    place: an officer who selects "Rose" in "Rose said" must not also redact "the tension rose", which the
    case-insensitive match of typed words would. Returns how many places were redacted; raises when the
    words are not in the record (or not at ``at``: the page was read before the text changed).
    """
    _editable(session, request_id)
    code = check_code(code)
    words = (words or "").strip()
    if not words:
        raise CaseError("Enter the words to redact.")
    if len(words) > MAX_WORDS:
        raise CaseError(f"Enter at most {MAX_WORDS} characters to redact.")
    if at is not None and across_request:
        raise CaseError("Redact either only the place you selected or every record of the request, not both.")
    record = _record(session, request_id, record_id)
    targets = request_records(session, request_id) if across_request else [record]
    key = person_key(secret, request_id, "officer:" + fold(" ".join(words.split())))
    added = 0
    found_here = False
    for target in targets:
        text = record_text(target, cipher) or ""
        spans = occurrences(text, words, at)
        if at is not None and not spans:
            raise CaseError("Those words are not at the place you selected: select them in the text again.")
        found_here = found_here or (target.id == record.id and bool(spans))
        have = {(s, e) for s, e in session.execute(select(Redaction.start, Redaction.end).where(
            Redaction.record_id == target.id, Redaction.origin == OFFICER))}
        for start, end in spans:
            if (start, end) in have:
                continue
            session.add(Redaction(request_id=request_id, record_id=target.id, start=start, end=end, code=code,
                                  kind="officer", reason="added by an officer", person_key=key, origin=OFFICER,
                                  status=ACCEPTED, decided_by=actor, decided_at=utcnow()))
            added += 1
    if not found_here:
        raise CaseError("Those words are not in this record's text: copy them exactly as they appear.")
    session.flush()
    audit.record(session, actor, "redaction.added", request_id=request_id, target=f"gathered_record:{record.id}",
                 detail={"code": code, "places": added, "across_request": across_request,
                         "selected": at is not None}, ip=ip)
    return added


def accept_proposed(session: Session, request_id: int, record_id: int, actor: str) -> int:
    """Accept every redaction of the record still proposed; how many."""
    ids = list(session.scalars(select(Redaction.id).where(Redaction.record_id == record_id,
                                                          Redaction.status == PROPOSED)))
    if ids:
        session.execute(update(Redaction).where(Redaction.id.in_(ids))
                        .values(status=ACCEPTED, decided_by=actor, decided_at=utcnow()))
    return len(ids)


def withhold_record(session: Session, request_id: int, record_id: int, code: str, actor: str, *,
                    note: str | None = None, ip: str | None = None) -> RecordDecision:
    """Withhold a whole record under an exemption code (its open proposals are accepted)."""
    _editable(session, request_id)
    code = check_code(code)
    record = _record(session, request_id, record_id)
    row = _decision_row(session, record)
    accepted = accept_proposed(session, request_id, record.id, actor)
    row.decision, row.code, row.note = WITHHOLD, code, (note or "").strip() or None
    row.decided_by, row.decided_at = actor, utcnow()
    audit.record(session, actor, "record.withheld", request_id=request_id, target=f"gathered_record:{record.id}",
                 detail={"code": code, "proposals_accepted": accepted}, ip=ip)
    return row


def include_record(session: Session, request_id: int, record_id: int, actor: str, *,
                   accept_all: bool = False, note: str | None = None, ip: str | None = None,
                   files: EncryptedStore | None = None) -> RecordDecision:
    """Include a record with its accepted redactions; refused while any proposal is undecided.

    A scan (no text layer) is included with the page regions an officer marked (:mod:`regions`), once the
    officer including it has opened every page (``files`` holds the scan).

    ``accept_all`` first accepts every proposal still open (the page's "accept all proposed in this record").
    """
    _editable(session, request_id)
    record = _record(session, request_id, record_id)
    row = _decision_row(session, record)
    if row.needs_officer and not (record.file_key and scans.can_show(record.content_type)):
        raise CaseError("This record has no text layer and no PDF or image file to show, so it cannot be "
                        "checked for redaction: withhold it.")
    if row.needs_officer:
        from rights.redaction import regions  # regions builds on this module

        regions.check_read(session, files, record, actor)
    accepted = accept_proposed(session, request_id, record.id, actor) if accept_all else 0
    still_open = session.scalar(select(func.count()).select_from(Redaction).where(
        Redaction.record_id == record.id, Redaction.status == PROPOSED)) or 0
    if still_open:
        raise CaseError(f"{still_open} proposed redaction(s) in this record are not decided yet: accept or "
                        "reject each first.")
    row.decision, row.code, row.note = INCLUDE, None, (note or "").strip() or None
    row.decided_by, row.decided_at = actor, utcnow()
    audit.record(session, actor, "record.included", request_id=request_id, target=f"gathered_record:{record.id}",
                 detail={"proposals_accepted": accepted}, ip=ip)
    return row
