"""The portal's question flow: which pages a requester sees, in which order, given their answers so far.

Pure functions over the answers dictionary (one entry per answered page), so the branching rules are
table-tested without a browser and the views stay thin. Branching (legal-rules.md §2):

- a parent or carer gives their own details, the child's age and whether the child knows or agrees;
- a representative gives their own details and uploads their authority (required);
- a complaint is about how information was handled: no period and no proof of identity is asked;
- answers for a page that no longer applies (the requester changed who is asking) are kept but ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rights.models import RequesterRole, RequestKind

Answers = Mapping[str, Any]
CHECK = "check"


def role(answers: Answers) -> str | None:
    return (answers.get("who") or {}).get("role")


def kind(answers: Answers) -> str | None:
    return (answers.get("type") or {}).get("kind")


def audience(answers: Answers) -> str:
    """Whose voice the questions use: ``self``, ``young`` (a child asking), ``parent`` or ``representative``."""
    return {
        RequesterRole.SELF_CHILD.value: "young",
        RequesterRole.PARENT.value: "parent",
        RequesterRole.REPRESENTATIVE.value: "representative",
    }.get(role(answers) or "", "self")


def is_self(answers: Answers) -> bool:
    return role(answers) in (RequesterRole.SELF_ADULT.value, RequesterRole.SELF_CHILD.value)


def _answered(step: str) -> Callable[[Answers], bool]:
    return lambda a: step in a


def _answered_for_role(step: str) -> Callable[[Answers], bool]:
    """Answered for the role now chosen (a parent's details do not satisfy a representative's page)."""
    return lambda a: (a.get(step) or {}).get("role") == role(a)


def _answered_for_kind(step: str) -> Callable[[Answers], bool]:
    return lambda a: (a.get(step) or {}).get("kind") == kind(a)


def _authority_given(answers: Answers) -> bool:
    """A representative's authority page is done only with a document stored and its kind chosen."""
    authority = answers.get("authority") or {}
    return bool(authority.get("documents")) and bool(authority.get("basis"))


def _always(_: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    name: str
    applies: Callable[[Answers], bool] = _always
    done: Callable[[Answers], bool] | None = None

    def is_done(self, answers: Answers) -> bool:
        return (self.done or _answered(self.name))(answers)


def _role_in(*roles: RequesterRole) -> Callable[[Answers], bool]:
    values = {r.value for r in roles}
    return lambda a: role(a) in values


def _not_complaint(answers: Answers) -> bool:
    return kind(answers) != RequestKind.COMPLAINT.value


STEPS: tuple[Step, ...] = (
    Step("who"),
    Step("type"),
    Step("requester", _role_in(RequesterRole.PARENT, RequesterRole.REPRESENTATIVE), _answered_for_role("requester")),
    Step("child", _role_in(RequesterRole.PARENT)),
    Step("authority", _role_in(RequesterRole.REPRESENTATIVE), _authority_given),
    Step("name"),
    Step("previous-names"),
    Step("date-of-birth"),
    Step("address"),
    Step("previous-addresses"),
    Step("nhs-number"),
    Step("services"),
    Step("period", _not_complaint),
    Step("details", done=_answered_for_kind("details")),
    Step("proof-of-id", _not_complaint),
    Step("contact", done=_answered_for_role("contact")),
    Step("format"),
    Step("adjustments"),
)
BY_NAME = {s.name: s for s in STEPS}
UPLOAD_STEPS = frozenset({"authority", "proof-of-id"})


def path(answers: Answers) -> list[str]:
    """The pages this requester sees, in order (without the check page)."""
    return [s.name for s in STEPS if s.applies(answers)]


def first_incomplete(answers: Answers) -> str | None:
    for name in path(answers):
        if not BY_NAME[name].is_done(answers):
            return name
    return None


def is_complete(answers: Answers) -> bool:
    return first_incomplete(answers) is None


def can_visit(answers: Answers, step: str) -> bool:
    """A page may be shown when it applies and every page before it is answered (no skipping ahead by URL)."""
    if step == CHECK:
        return is_complete(answers)
    steps = path(answers)
    if step not in steps:
        return False
    return all(BY_NAME[s].is_done(answers) for s in steps[: steps.index(step)])


def next_step(answers: Answers, current: str, changing: bool = False) -> str:
    """Where to go after answering ``current``.

    Normally the next page in the path. When the requester came from "check your answers" to change
    something, straight back there, unless the change opened a page not yet answered (a new role or type).
    """
    missing = first_incomplete(answers)
    if changing:
        return missing or CHECK
    steps = path(answers)
    if current in steps and steps.index(current) + 1 < len(steps):
        following = steps[steps.index(current) + 1]
        return following if missing is None or can_visit(answers, following) else missing
    return missing or CHECK


def previous_step(answers: Answers, current: str) -> str | None:
    """The back link's target (``None`` on the first page: back to the start page)."""
    steps = path(answers)
    if current == CHECK:
        return steps[-1] if steps else None
    if current not in steps:
        return None
    i = steps.index(current)
    return steps[i - 1] if i > 0 else None


# ---------------------------------------------------------------- answers that contradict each other


def age_on(born: date, on: date) -> int:
    """Whole years of age on ``on`` (a birthday counts from the day itself)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def contradiction(answers: Answers, step: str, answer: Mapping[str, Any], today: date) -> str | None:
    """Why ``answer`` to ``step`` contradicts an earlier answer, or ``None``: caught at the edge, where the
    requester can fix it, not by an officer weeks later.

    - "Myself, and I am 18 or over" with a date of birth under 18 (and "under 18" with an adult's);
    - a child whose age, as the parent gave it, does not fit their date of birth.
    """
    merged = {**answers, step: dict(answer)}
    try:
        born = date.fromisoformat(str((merged.get("date-of-birth") or {}).get("date")))
    except ValueError:
        return None
    years = age_on(born, today)
    who = role(merged)
    if who == RequesterRole.SELF_ADULT.value and years < 18 and step in ("date-of-birth", "who"):
        return (f"You said you are 18 or over, but this date of birth makes you {years}. Check the date, or "
                f"change who the information is about to \"Myself, and I am under 18\"")
    if who == RequesterRole.SELF_CHILD.value and years >= 18 and step in ("date-of-birth", "who"):
        return (f"You said you are under 18, but this date of birth makes you {years}. Check the date, or "
                f"change who the information is about to \"Myself, and I am 18 or over\"")
    if who == RequesterRole.PARENT.value and step in ("date-of-birth", "child"):
        stated = str((merged.get("child") or {}).get("age") or "")
        if stated.isdigit() and int(stated) != years:
            return (f"The child's age ({stated}) does not fit this date of birth, which makes them {years}. "
                    f"Check the date of birth and the child's age")
    return None
