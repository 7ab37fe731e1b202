"""The search log: the evidence of a reasonable and proportionate search, for the case file and the ICO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights.clock import LONDON
from rights.models import (
    GatheredRecord,
    RightsRequest,
    SearchTask,
    User,
)
from rights.search.outcomes import effective_outcome
from rights.staff import staff_names


# ---------------------------------------------------------------------- the search log
def search_log(session: Session, request_id: int) -> list[dict[str, Any]]:
    """Per source: what was searched, with which terms, by whom and when, what it found, who confirmed it."""
    tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)
                            .order_by(SearchTask.service, SearchTask.source)).all()
    uploads = dict(session.execute(
        select(GatheredRecord.task_id, func.count()).where(GatheredRecord.request_id == request_id,
                                                           GatheredRecord.origin == "upload")
        .group_by(GatheredRecord.task_id)).all())
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([t.confirmed_by_id for t in tasks if t.confirmed_by_id])))}
    names = staff_names(session)  # "user:12" -> the person's name: the log is read by people
    entries = []
    for task in tasks:
        confirmer = users.get(task.confirmed_by_id) if task.confirmed_by_id else None
        entries.append({
            "task_id": task.id, "source": task.source, "service": task.service, "type": task.source_type,
            "status": task.status, "run_by": task.run_by, "run_by_name": names.get(task.run_by, task.run_by),
            "queued_at": _iso(task.queued_at),
            "started_at": _iso(task.started_at), "finished_at": _iso(task.finished_at), "attempts": task.attempts,
            "terms": task.terms, "error": task.error, "result_note": task.result_note,
            "candidates": [{
                "candidate_id": c.id, "person_id": c.person_id, "score": round(c.score, 4), "outcome": c.outcome,
                "decision": c.decision, "decided_by": c.decided_by, "decided_at": _iso(c.decided_at),
                "decided_by_name": names.get(c.decided_by or "", c.decided_by), "reason": c.decision_reason,
                "effective": effective_outcome(c), "deterministic_key": c.deterministic_key,
                "explanation": list(c.explanation or []),
            } for c in task.candidates],
            "records": task.record_count, "uploads": uploads.get(task.id, 0),
            "confirmed_by": f"{confirmer.name} <{confirmer.email}>" if confirmer else None,
            "confirmed_at": _iso(task.confirmed_at), "none_held": task.none_held, "note": task.note,
            "closed_reason": task.closed_reason,
        })
    return entries


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def london(iso: str | None) -> str:
    """A stored UTC moment from the log as London wall-clock time ("30 Nov 2026 14:37"); "" for none."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(LONDON).strftime("%d %b %Y %H:%M")


def render_search_log(entries: Sequence[Mapping[str, Any]], reference: str | None = None) -> str:
    """The search log as plain text, for the case file and for the ICO if the search is questioned."""
    lines = [f"Search log{f' for {reference}' if reference else ''} (times are London times)", "=" * 40]
    if not entries:
        lines.append("No systems have been searched yet.")
    for e in entries:
        terms = e.get("terms") or {}
        names = " ".join(filter(None, [terms.get("given_names"), terms.get("family_name")]))
        ids = ", ".join(f"{s}" for s, _ in terms.get("other_ids") or [])
        used = [f"name {names}" if names else None,
                f"previous names {', '.join(terms['previous_names'])}" if terms.get("previous_names") else None,
                f"date of birth {terms['date_of_birth']}" if terms.get("date_of_birth") else None,
                "NHS number" if terms.get("nhs_number") else None, "UPN" if terms.get("upn") else None,
                f"identifiers ({ids})" if ids else None,
                f"{len(terms.get('addresses') or [])} address(es)" if terms.get("addresses") else None]
        period = f"{terms.get('date_from') or 'any date'} to {terms.get('date_to') or 'any date'}"
        lines += [
            "",
            f"{e['source']} ({e['service']}, {e['type']})",
            f"  status: {e['status']}; run by {e.get('run_by_name') or e['run_by']}; queued {london(e['queued_at'])}; "
            f"started {london(e['started_at'])}; finished {london(e['finished_at'])}; attempts {e['attempts']}",
            f"  terms: {'; '.join(u for u in used if u) or 'none'}; period {period}",
        ]
        if e.get("result_note"):
            lines.append(f"  note: {e['result_note']}")
        if e.get("error"):
            lines.append(f"  error: {e['error']}")
        lines.append(f"  candidates: {len(e['candidates'])}")
        for c in e["candidates"]:
            who = c.get("decided_by_name") or c["decided_by"]
            why = f": {c['reason']}" if c.get("reason") else ""
            decided = f"; officer {c['decision']} ({who}, {london(c['decided_at'])}){why}" if c["decision"] else ""
            lines.append(f"    - {c['person_id']}: {c['outcome']} at {c['score']:.2f}{decided}")
            lines.extend(f"        {line}" for line in c["explanation"])
        lines.append(f"  records gathered: {e['records']} (of which uploaded by the record holder: {e['uploads']})")
        if e.get("closed_reason"):
            lines.append(f"  closed by an officer without the record holder ({e['confirmed_by']}, "
                         f"{london(e['confirmed_at'])}): {e['closed_reason']}")
        elif e.get("none_held"):
            lines.append(f"  record holder: none held ({e['confirmed_by']}, {london(e['confirmed_at'])})")
        elif e.get("confirmed_by"):
            lines.append(f"  record holder: search confirmed ({e['confirmed_by']}, {london(e['confirmed_at'])})")
        else:
            lines.append("  record holder: not yet confirmed")
        if e.get("note"):
            lines.append(f"  record holder's note: {e['note']}")
    return "\n".join(lines) + "\n"


def summary(session: Session, request_id: int, entries: Sequence[Mapping[str, Any]] | None = None
            ) -> dict[str, Any]:
    """The JSON summary ``rights process`` prints: records per source, matches with scores and outcomes.

    ``entries`` is the request's :func:`search_log` when the caller already has it (saves reading it twice).
    """
    request = session.get(RightsRequest, request_id)
    entries = search_log(session, request_id) if entries is None else entries
    return {
        "reference": request.reference if request else None,
        "records_total": sum(e["records"] for e in entries),
        "sources": [{
            "source": e["source"], "service": e["service"], "type": e["type"], "status": e["status"],
            "records": e["records"], "attempts": e["attempts"], "error": e["error"], "note": e["result_note"],
            "candidates": [{k: c[k] for k in ("person_id", "score", "outcome", "decision", "explanation")}
                           for c in e["candidates"]],
        } for e in entries],
    }

