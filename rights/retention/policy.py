"""The retention rules as pure functions: when a closed case, a proof of identity and a copied CCTV clip go.

Why these periods (the council confirms them in its records retention schedule; each is a setting):

- **A closed case: two years after closure** (``RIGHTS_RETENTION_CLOSED_DAYS``, 730). Long enough to
  answer a complaint about how the request was handled, an ICO enquiry or a repeat request ("manifestly
  unfounded or excessive" is judged against earlier ones); the request's purpose ends there. Closure is
  when the case reached a closed stage (closed, withdrawn, refused, released).
- **A proof of identity: seven days after the identity was verified** (``RIGHTS_RETENTION_ID_DAYS``), or
  seven days after closure if it never was. Once an officer has recorded that and how they verified it
  (the decision stays on the case), the copy of a passport is no longer needed; the grace lets a manager
  question the verification while the document is still there. Evidence of *authority* (a court order, a
  signed consent) is kept with the case: it is why a third party was given the data.
- **A copy that its source deletes sooner: that many days after closure.** The residential homes delete
  CCTV footage after 14 days (privacy notice, "Use of CCTV in Residential Homes"); a clip gathered for a
  request is needed until the response is sent, and must not then outlive the rule that governs the
  original: its file and text go 14 days after the case closes (the record's row stays as evidence of the
  search until the case itself goes).
- **Never** an open case, or one under a legal hold (litigation, an ICO investigation): everything on a
  held case is kept, proof of identity included, until the hold is lifted.

Nothing here reads the clock or the database: :mod:`rights.retention.purge` passes ``now`` and the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rights.config import Settings
from rights.workflow import CLOSED_STAGES


@dataclass(frozen=True)
class Rules:
    closed_days: int = 730
    id_days: int = 7

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        return cls(closed_days=settings.retention_closed_days, id_days=settings.retention_id_days)

    def describe(self) -> dict[str, int]:
        return {"closed_case_days": self.closed_days, "id_document_days": self.id_days}


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know of one case."""

    status: str
    closed_at: datetime | None  # when it reached its closed stage (None while open)
    held: bool
    id_verified_at: datetime | None = None


def is_closed(facts: CaseFacts) -> bool:
    return facts.status in CLOSED_STAGES and facts.closed_at is not None


def case_cutoff(rules: Rules, now: datetime) -> datetime:
    """Cases closed at or before this instant are due for purging."""
    return now - timedelta(days=rules.closed_days)


def case_due(facts: CaseFacts, rules: Rules, now: datetime) -> bool:
    """The whole case (rows, files, people) may be deleted."""
    return is_closed(facts) and not facts.held and facts.closed_at is not None and \
        facts.closed_at <= case_cutoff(rules, now)


def id_document_due(facts: CaseFacts, rules: Rules, now: datetime) -> bool:
    """A proof of identity may be deleted: verified ``id_days`` ago, or never verified and closed as long."""
    if facts.held:
        return False
    grace = timedelta(days=rules.id_days)
    if facts.id_verified_at is not None and facts.id_verified_at <= now - grace:
        return True
    return is_closed(facts) and facts.closed_at is not None and facts.closed_at <= now - grace


def copy_due(facts: CaseFacts, keep_days: int | None, now: datetime) -> bool:
    """A gathered copy whose source keeps its own for ``keep_days`` may lose its file and text."""
    if keep_days is None or facts.held or not is_closed(facts) or facts.closed_at is None:
        return False
    return facts.closed_at <= now - timedelta(days=keep_days)


__all__ = ["CaseFacts", "Rules", "case_cutoff", "case_due", "copy_due", "id_document_due", "is_closed"]
