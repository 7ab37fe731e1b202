"""The schedule, declared as data: each job's name, when it runs in Europe/London, and what it does.

One table for every worker and for the demo's in-process worker (:mod:`rights.schedule.runner` reads it).
Times are London wall-clock times: 07:00 means 07:00 GMT in winter and 07:00 BST in summer. Message jobs
run on working days only (England and Wales, :func:`rights.clock.is_working_day`): officers are not
emailed on a Sunday, and a chaser counts working days anyway.

The retention purge is one row: daily at 03:00 (after the portal's clean-up, before anyone is at work),
on every day, not only working days: a period that ended on a Sunday must not leave data for a weekend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rights.db import Database
from rights.jobs import JobQueue
from rights.schedule.context import RunContext

Result = dict[str, Any]
#: A message rule works inside the caller's transaction: the runner commits it, the simulator rolls it back.
MessageRule = Callable[[Session, JobQueue, RunContext], Result]
Job = Callable[[Database, JobQueue, RunContext], Result]


@dataclass(frozen=True)
class Entry:
    name: str
    does: str
    at: time | None = None  # London wall-clock time, for daily jobs
    every: timedelta | None = None  # a fixed interval instead (the sweeper)
    working_days_only: bool = False
    job: Job | None = None  # housekeeping works on the database directly
    rule: MessageRule | None = None  # message jobs: also run by the simulator

    @property
    def when(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds() // 60)} min"
        assert self.at is not None
        return f"{self.at.strftime('%H:%M')} London, {'working days' if self.working_days_only else 'daily'}"

    def run(self, db: Database, queue: JobQueue, ctx: RunContext) -> Result:
        if self.job is not None:
            return self.job(db, queue, ctx)
        assert self.rule is not None
        with db.transaction() as session:
            return self.rule(session, queue, ctx)


def _schedule() -> tuple[Entry, ...]:
    from rights.schedule import chasers, housekeeping, reminders

    return (
        Entry("sweep", "Re-enqueue jobs Redis lost; settle outbox messages a dead worker left sending",
              every=timedelta(minutes=1), job=housekeeping.sweep),
        Entry("audit_checkpoint", "Publish a signed checkpoint of the audit trail's head to the checkpoint file "
              "and the log", every=timedelta(hours=1), job=housekeeping.audit_checkpoint),
        Entry("portal_cleanup", "Delete expired portal drafts and codes, and unclaimed uploads",
              at=time(2, 30), job=housekeeping.portal_cleanup),
        Entry("retention_purge", "Purge closed cases past their retention period; delete verified proofs of "
              "identity and expired CCTV copies (never an open or held case)",
              at=time(3, 0), job=housekeeping.retention_purge),
        Entry("requester_reminders", "Remind requesters of evidence or clarification asked for; close unanswered "
              "cases after notice; remind before a download link expires",
              at=time(7, 0), working_days_only=True, rule=reminders.requester_reminders),
        Entry("officer_digest", "Each officer's cases: due within 5 working days, overdue, waiting on them, "
              "extension decisions due", at=time(7, 0), working_days_only=True, rule=reminders.officer_digests),
        Entry("manager_digest", "Managers: cases due within 2 working days, overdue, extension notice deadlines",
              at=time(7, 15), working_days_only=True, rule=reminders.manager_digests),
        Entry("record_holder_chasers", "Chase unconfirmed search tasks after 3 working days, then every 2; "
              "escalate to the service's manager", at=time(7, 30), working_days_only=True,
              rule=chasers.chase_record_holders),
    )


SCHEDULE: tuple[Entry, ...] = _schedule()


def entry(name: str) -> Entry:
    for e in SCHEDULE:
        if e.name == name:
            return e
    raise KeyError(name)


__all__ = ["SCHEDULE", "Entry", "MessageRule", "RunContext", "entry"]
