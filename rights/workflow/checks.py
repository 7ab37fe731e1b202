"""Release checks as data: what must hold before a response moves on, each check named, in words.

Why a table: a parent's request for a young child's records once went from Received to Released with
identity unverified, nobody's parental responsibility checked, no record holder's confirmation and matches
undecided. Guards (:mod:`.rules`) say whether an action makes sense at all; these checks say what must be
*settled* before it may be taken, and the case page shows them as a checklist with the reason each open
one blocks. :func:`rights.workflow.fire` refuses an action while any of its checks is open and not
overridden.

A manager may override an overridable check, only with a reason (the ``override_check`` event records who,
why and when, on the case and in the audit trail). Checks that protect against disclosing a child's
records to the wrong adult are not overridable: parental responsibility, the child's competence and view,
a representative's authority, and identity when a parent asks for a child's records.

Starting the search has no checks on purpose: searching discloses nothing, and what it finds helps the
officer verify the requester. Everything is checked before the response is sent for approval, approved and
released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from rights.vocabulary import RequesterRole
from rights.workflow.rules import Facts, Firing, records_decided

#: Art 8 / legal-rules §2: from 12 a child's competence is judged and their view recorded before a parent
#: is given their records (12 is a prompt, not a rule, in England and Wales; presumed in Scotland).
COMPETENCE_AGE = 12

#: How an officer verified the requester's identity (the "Verify identity" decision).
IDENTITY_METHODS: Mapping[str, str] = MappingProxyType({
    "document_seen": "Identity document seen",
    "known_to_service": "Known to the service",
    "matched_to_records": "Matched to our records",
    "other": "Other (see note)",
})
#: What shows a parent has parental responsibility (the "Record parental responsibility checked" decision).
PARENTAL_BASES: Mapping[str, str] = MappingProxyType({
    "birth_certificate": "Birth certificate names them as a parent",
    "court_order": "Court order (child arrangements, special guardianship or adoption)",
    "service_records": "Our records show they hold parental responsibility",
    "other": "Other (see note)",
})
#: The child's view of a parent seeing their records, as recorded with the competence judgement.
CHILD_VIEWS: Mapping[str, str] = MappingProxyType({
    "consents": "The child agrees",
    "objects": "The child objects",
    "not_competent": "The child is not competent to decide",
    "could_not_ask": "The child could not be asked (see note)",
})


def age_on(born: date | None, on: date) -> int | None:
    """Whole years of age on a day (a birthday on 29 February falls on 1 March in other years)."""
    if born is None:
        return None
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def _is_parent(f: Facts) -> bool:
    return f.requester_role == RequesterRole.PARENT.value


@dataclass(frozen=True)
class ReleaseCheck:
    """One named condition: ``test`` returns why it is open (in an officer's words) or None when it holds.

    ``overridable`` says whether a manager may override it (with a reason) for these facts.
    """

    name: str
    label: str
    test: Callable[[Facts], str | None]
    overridable: Callable[[Facts], bool]

    def reason(self, f: Facts) -> str | None:
        return self.test(f)


def _never(f: Facts) -> bool:
    return False


def _always(f: Facts) -> bool:
    return True


def identity_verified(f: Facts) -> str | None:
    if f.id_verified:
        return None
    return ("Nobody has recorded how the requester's identity was verified "
            "(receiving a document is not verifying it).")


def identity_overridable(f: Facts) -> bool:
    """A parent asking for a child's records must be who they say: a manager cannot wave that through."""
    return not _is_parent(f)


def parental_responsibility_checked(f: Facts) -> str | None:
    if not _is_parent(f) or f.parental_responsibility_checked:
        return None
    return "Nobody has recorded what shows this parent or carer has parental responsibility."


def child_competence_recorded(f: Facts) -> str | None:
    if not _is_parent(f) or f.competence_recorded:
        return None
    if f.subject_age is None:
        return ("The child's date of birth is not known: correct the subject's details, or record the "
                "child's competence and view.")
    if f.subject_age >= COMPETENCE_AGE:
        return (f"The child was {f.subject_age} when the request arrived: record whether they are competent "
                f"and their view of their parent seeing their records.")
    return None


def authority_checked(f: Facts) -> str | None:
    if f.requester_role != RequesterRole.REPRESENTATIVE.value or f.authority_verified:
        return None
    return "Nobody has recorded checking the representative's authority to act (what was seen)."


def matches_decided(f: Facts) -> str | None:
    if f.matches_undecided:
        n = f.matches_undecided
        return (f"{n} possible match{'' if n == 1 else 'es'} {'waits' if n == 1 else 'wait'} for an officer to "
                f"accept or reject {'it' if n == 1 else 'them'}.")
    return None


def searches_settled(f: Facts) -> str | None:
    if f.searches_unsettled:
        n = f.searches_unsettled
        return (f"{n} search{'' if n == 1 else 'es'} not yet confirmed by the record holder or closed by an "
                f"officer with a reason.")
    return None


CHECKS: Mapping[str, ReleaseCheck] = MappingProxyType({c.name: c for c in (
    ReleaseCheck("identity_verified", "Identity verified", identity_verified, identity_overridable),
    ReleaseCheck("parental_responsibility", "Parental responsibility checked", parental_responsibility_checked,
                 _never),
    ReleaseCheck("child_competence", "Child's competence and view recorded", child_competence_recorded, _never),
    ReleaseCheck("authority_checked", "Representative's authority checked", authority_checked, _never),
    ReleaseCheck("matches_decided", "Every match decided", matches_decided, _never),
    ReleaseCheck("searches_settled", "Every search confirmed or closed", searches_settled, _always),
    ReleaseCheck("records_decided", "Every gathered record decided", records_decided, _never),
)})

_BEFORE_ANYTHING_LEAVES = ("identity_verified", "parental_responsibility", "child_competence",
                           "authority_checked", "matches_decided", "searches_settled", "records_decided")

#: The checks each action needs, by workflow event (access requests; other events need none).
ACTION_CHECKS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "start_search": (),
    "submit_for_review": ("matches_decided", "searches_settled"),
    "submit_for_approval": _BEFORE_ANYTHING_LEAVES,
    "approve": _BEFORE_ANYTHING_LEAVES,
    "release": _BEFORE_ANYTHING_LEAVES,
})


@dataclass(frozen=True)
class CheckState:
    """A check as it stands for one case: open (``reason``), overridden, or holding."""

    check: ReleaseCheck
    reason: str | None
    overridden: bool
    overridable: bool

    @property
    def blocks(self) -> bool:
        return self.reason is not None and not self.overridden

    @property
    def holds(self) -> bool:
        return self.reason is None


def check_states(event: str, f: Facts) -> list[CheckState]:
    """Every check the event needs, with where it stands (in the table's order)."""
    return [state_of(CHECKS[name], f) for name in ACTION_CHECKS.get(event, ())]


def state_of(check: ReleaseCheck, f: Facts) -> CheckState:
    return CheckState(check=check, reason=check.reason(f), overridden=check.name in f.overridden,
                      overridable=check.overridable(f))


def blocking(event: str, f: Facts) -> list[CheckState]:
    """The open, not overridden checks that stop this event now."""
    return [s for s in check_states(event, f) if s.blocks]


def refusal(blocked: list[CheckState]) -> str:
    """One sentence naming every open check, so the officer sees all that is left, not only the first."""
    return "Not yet: " + " ".join(f"{s.check.label}: {s.reason}" for s in blocked)


def _used_checks() -> list[str]:
    """The checks some action needs, in :data:`CHECKS` order (the order the checklist shows)."""
    used = {n for names in ACTION_CHECKS.values() for n in names}
    return [n for n in CHECKS if n in used]


def overridable_now(f: Facts) -> list[CheckState]:
    """Open checks a manager could override on this case (any action's), in the table's order."""
    names = _used_checks()
    return [s for s in (state_of(CHECKS[n], f) for n in names) if s.blocks and s.overridable]


def relevant_checks(f: Facts) -> list[tuple[CheckState, tuple[str, ...]]]:
    """The case page's checklist: each check that applies to this case, with the events it is needed for.

    A check that can never apply to this requester (parental responsibility for an adult asking for
    themselves) is left out; one that holds is shown as done.
    """
    applies = {
        "parental_responsibility": _is_parent(f),
        "child_competence": _is_parent(f) and (f.subject_age is None or f.subject_age >= COMPETENCE_AGE),
        "authority_checked": f.requester_role == RequesterRole.REPRESENTATIVE.value,
    }
    out = []
    names = _used_checks()
    for name in names:
        if not applies.get(name, True):
            continue
        events = tuple(e for e, needs in ACTION_CHECKS.items() if name in needs)
        out.append((state_of(CHECKS[name], f), events))
    return out


def override_problem(f: Facts, name: str | None) -> str | None:
    """Why this check cannot be overridden now, or None (the ``override_check`` event's input check)."""
    check = CHECKS.get(name or "")
    if check is None:
        return "Choose the check to override."
    state = state_of(check, f)
    if not state.overridable:
        return f"'{check.label}' cannot be overridden: it must be settled."
    if state.overridden:
        return f"'{check.label}' is already overridden."
    if state.reason is None:
        return f"'{check.label}' already holds: there is nothing to override."
    return None


# --------------------------------------------------------------------------------------------------
# The decisions that settle checks: guards (may it be recorded now?) and input checks (is it complete?)


def is_parent_request(f: Facts) -> str | None:
    return None if _is_parent(f) else "Only a parent's or carer's request needs parental responsibility checked."


def competence_to_judge(f: Facts) -> str | None:
    """Only for a parent's request about a child of 12 or more (or of unknown age)."""
    if not _is_parent(f):
        return "Only a parent's or carer's request needs the child's competence and view recorded."
    if f.subject_age is not None and f.subject_age < COMPETENCE_AGE:
        return (f"The child was {f.subject_age} when the request arrived: below {COMPETENCE_AGE}, their "
                f"competence is not judged for this request.")
    return None


def is_representative_request(f: Facts) -> str | None:
    if f.requester_role == RequesterRole.REPRESENTATIVE.value:
        return None
    return "Only a representative's request needs their authority checked."


def has_overridable_check(f: Facts) -> str | None:
    return None if overridable_now(f) else "No open check on this case can be overridden."


def _note(x: Firing) -> str:
    return str(x.options.get("note") or "").strip()


def identity_method(f: Facts, x: Firing) -> str | None:
    method = x.options.get("method")
    if method not in IDENTITY_METHODS:
        return "Choose how you verified the requester's identity."
    if method == "other" and not _note(x):
        return "Say how you verified their identity."
    return None


def parental_basis(f: Facts, x: Firing) -> str | None:
    basis = x.options.get("basis")
    if basis not in PARENTAL_BASES:
        return "Choose what shows they have parental responsibility."
    if basis == "other" and not _note(x):
        return "Say what shows they have parental responsibility."
    return None


def child_view_given(f: Facts, x: Firing) -> str | None:
    if x.options.get("view") not in CHILD_VIEWS:
        return "Choose the child's view."
    if not _note(x):
        return "Record your competence judgement: how you decided, and who you spoke to."
    return None


def authority_seen(f: Facts, x: Firing) -> str | None:
    return None if _note(x) else "Say what you saw that gives them authority to act."


def override_choice(f: Facts, x: Firing) -> str | None:
    return override_problem(f, x.options.get("check"))


def parental_responsibility_not_checked(f: Facts) -> str | None:
    return "Parental responsibility has already been checked." if f.parental_responsibility_checked else None


def authority_not_checked(f: Facts) -> str | None:
    return "The representative's authority has already been checked." if f.authority_verified else None
