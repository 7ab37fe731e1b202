"""The officers' decisions that settle release checks, and the facts the checks read.

Why separate from :mod:`.actions`: each decision records *how* it was made, by whom and when (identity
verified by a document seen, parental responsibility shown by a court order, the child's view), so a
reviewer can see the basis, not only a tick. They are kept in the request's ``details`` under one key each
(:data:`DECISION_KEYS`); the workflow event and the audit entry record the same act.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from rights import clock, workflow
from rights.models import RightsRequest, SearchCandidate, SearchTask, User
from rights.permissions import Actor
from rights.search.outcomes import REVIEW
from rights.workflow import Firing

#: Where each decision is kept in ``RightsRequest.details``.
DECISION_KEYS = {
    "verify_id": "identity_check",
    "check_parental_responsibility": "parental_responsibility",
    "record_competence": "competence",
    "check_authority": "authority_check",
}
#: What the audit entry of a decision or override keeps from the officer's input.
AUDITED_OPTIONS = ("method", "basis", "view", "note", "check")


def _stamp(actor: Actor, today: date, **values: Any) -> dict[str, Any]:
    return {**values, "by": actor.id, "on": today.isoformat()}


def _set(request: RightsRequest, key: str, value: Any) -> None:
    request.details = {**(request.details or {}), key: value}  # a new dict, so the JSON column is saved


def _note(x: Firing) -> str | None:
    return str(x.options.get("note") or "").strip() or None


def _verify_id(r: RightsRequest, x: Firing, actor: Actor, today: date) -> None:
    r.id_verified = True
    _set(r, "identity_check", _stamp(actor, today, method=x.options["method"], note=_note(x)))


def _parental_responsibility(r: RightsRequest, x: Firing, actor: Actor, today: date) -> None:
    r.authority_verified = True
    _set(r, "parental_responsibility", _stamp(actor, today, basis=x.options["basis"], note=_note(x)))


def _competence(r: RightsRequest, x: Firing, actor: Actor, today: date) -> None:
    r.competence_note = _note(x)  # child_view keeps what the parent told us; the officer's finding is here
    _set(r, "competence", _stamp(actor, today, view=x.options["view"], note=_note(x)))


def _authority(r: RightsRequest, x: Firing, actor: Actor, today: date) -> None:
    r.authority_verified = True
    _set(r, "authority_check", _stamp(actor, today, note=_note(x)))


def _override(r: RightsRequest, x: Firing, actor: Actor, today: date) -> None:
    overrides = dict((r.details or {}).get("overrides") or {})
    overrides[str(x.options["check"])] = _stamp(actor, today, reason=(x.reason or "").strip())
    _set(r, "overrides", overrides)


RECORD: dict[str, Callable[[RightsRequest, Firing, Actor, date], None]] = {
    "verify_id": _verify_id,
    "check_parental_responsibility": _parental_responsibility,
    "record_competence": _competence,
    "check_authority": _authority,
    "override_check": _override,
}


# --------------------------------------------------------------------------------------------------
# Facts the checks read


_MATCHES_UNDECIDED = select(func.count()).select_from(SearchCandidate).where(  # built once: every case page
    SearchCandidate.request_id == bindparam("request_id"), SearchCandidate.outcome == REVIEW,
    SearchCandidate.decision.is_(None))
_SEARCHES_UNSETTLED = select(func.count()).select_from(SearchTask).where(
    SearchTask.request_id == bindparam("request_id"), SearchTask.confirmed_at.is_(None))


# Both in one statement: one round trip on every case page rather than two.
_SEARCH_COUNTS = select(_MATCHES_UNDECIDED.scalar_subquery().label("matches_undecided"),
                        _SEARCHES_UNSETTLED.scalar_subquery().label("searches_unsettled"))


def search_counts(session: Session, request_id: int) -> dict[str, int]:
    """``matches_undecided``: candidates the matcher left for an officer (needs review) that nobody has
    accepted or rejected; ``searches_unsettled``: search tasks neither confirmed by their record holder nor
    closed by an officer with a reason."""
    counts = session.execute(_SEARCH_COUNTS, {"request_id": request_id}).one()
    return {"matches_undecided": counts.matches_undecided or 0, "searches_unsettled": counts.searches_unsettled or 0}


def check_facts(session: Session, request: RightsRequest) -> dict[str, Any]:
    """The :class:`~rights.workflow.Facts` fields the release checks need, gathered from the case."""
    details = request.details or {}
    return {
        "requester_role": request.requester_role,
        "subject_age": workflow.age_on(request.subject.date_of_birth if request.subject else None,
                                       request.received_on),
        "parental_responsibility_checked": bool(details.get("parental_responsibility")),
        "competence_recorded": bool(details.get("competence")),
        "authority_verified": bool(request.authority_verified),
        **search_counts(session, request.id),
        "overridden": frozenset((details.get("overrides") or {}).keys()),
    }


# --------------------------------------------------------------------------------------------------
# The checklist as the case page and ``rights case show`` present it


def _who(session: Session, user_id: Any) -> str:
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    return user.name if user is not None else "a member of staff"


def checklist(session: Session, request: RightsRequest, facts: workflow.Facts) -> list[dict[str, Any]]:
    """Each check that applies to this case: its state in words, the actions it is needed for, and who
    overrode it and why when a manager did."""
    overrides = (request.details or {}).get("overrides") or {}
    wf = workflow.workflow_for(request.kind)
    rows = []
    for state, events in workflow.relevant_checks(facts):
        name = state.check.name
        override = overrides.get(name) if state.overridden else None
        rows.append({
            "name": name,
            "label": state.check.label,
            "state": "overridden" if override and not state.holds else ("done" if state.holds else "open"),
            "reason": state.reason,
            "overridable": state.overridable,
            "needed_for": [t.label for e in events if (t := wf.transition(e)) is not None],
            "overridden_by": _who(session, override.get("by")) if override else None,
            "override_reason": override.get("reason") if override else None,
        })
    return rows


def blocked_by(facts: workflow.Facts, event: str) -> list[dict[str, str]]:
    """The checks stopping one action now, by name and reason."""
    return [{"check": s.check.name, "label": s.check.label, "reason": s.reason or ""}
            for s in workflow.blocking(event, facts)]


def decisions_made(session: Session, request: RightsRequest) -> list[dict[str, str]]:
    """The officers' recorded decisions in words (what, how, note, who, when) for the case page and CLI."""
    details = request.details or {}
    words = {
        "identity_check": ("Identity verified", "method", workflow.IDENTITY_METHODS),
        "parental_responsibility": ("Parental responsibility checked", "basis", workflow.PARENTAL_BASES),
        "competence": ("Child's competence and view recorded", "view", workflow.CHILD_VIEWS),
        "authority_check": ("Representative's authority checked", "", {}),
    }
    out = []
    for key, (title, field, labels) in words.items():
        made = details.get(key)
        if not made:
            continue
        how = labels.get(made.get(field), "") if field else ""
        on = made.get("on") or ""
        out.append({"what": title, "how": how, "note": made.get("note") or "",
                    "by": _who(session, made.get("by")), "on": on,
                    "on_words": clock.short_date(date.fromisoformat(on)) if on else ""})
    return out


def timeline_text(event: str, firing: Firing, reason: str | None) -> str | None:
    """What the timeline says under a decision or an override: how it was decided, or which check was
    overridden and why (the officer's reason alone would not say which)."""
    note = _note(firing)
    if event == "override_check":
        check = workflow.CHECKS.get(str(firing.options.get("check")))
        return f"{check.label if check else 'A check'} overridden: {reason}"
    how = {"verify_id": workflow.IDENTITY_METHODS.get(str(firing.options.get("method"))),
           "check_parental_responsibility": workflow.PARENTAL_BASES.get(str(firing.options.get("basis"))),
           "record_competence": workflow.CHILD_VIEWS.get(str(firing.options.get("view"))),
           "check_authority": ""}
    if event in how:
        return ": ".join(filter(None, [how[event], note])) or None
    return reason
