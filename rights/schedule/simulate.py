"""``rights schedule simulate``: the schedule's message jobs run day by day on a copy of the data, sending nothing.

How nothing is sent: every day's rules run inside one outer transaction that is rolled back at the end,
and their outbox rows' send jobs are deferred to after a commit that never comes (and onto an in-memory
queue besides). On SQLite the file is first copied (SQLite's backup API) and the copy is used, so the
demo's database is not even locked. On PostgreSQL the transaction is rolled back; a simulation that
closes a case takes the audit chain's lock until it ends (seconds), so run long simulations off-peak or
against a restored copy (``DATABASE_URL``).

What it runs: the message jobs of :data:`rights.schedule.table.SCHEDULE` (requester reminders, digests,
chasers), each at its London time on each day it runs (working days), with ``today`` and ``now`` set to
that day and time. Housekeeping (the sweeper, the portal clean-up) sends nothing and is not simulated.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rights import clock
from rights.config import Settings
from rights.db import Database
from rights.jobs import JobQueue
from rights.models import OutboxMessage
from rights.schedule.table import SCHEDULE, Entry, RunContext

MAX_DAYS = 366


class SimulationError(ValueError):
    """Bad input to the simulation (one line for the command to print)."""


@dataclass(frozen=True)
class Would:
    job: str
    template: str
    to: str
    subject: str
    reference: str | None
    key: str


@dataclass
class Day:
    day: date
    messages: list[Would] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "count": len(self.messages),
                "messages": [m.__dict__ for m in self.messages], "results": self.results}


def _at(day: date, entry: Entry) -> datetime:
    assert entry.at is not None
    return datetime.combine(day, entry.at, tzinfo=clock.LONDON)


def run_days(db: Database, settings: Settings, start: date, days: int,
             entries: tuple[Entry, ...] = SCHEDULE) -> list[Day]:
    """Run the message jobs for ``days`` days from ``start`` in one transaction, then roll it all back."""
    if days < 1 or days > MAX_DAYS:
        raise SimulationError(f"--days must be from 1 to {MAX_DAYS}, not {days}")
    queue = JobQueue(None)  # in memory: even an accidental enqueue reaches no worker
    rules = [e for e in entries if e.rule is not None]
    out: list[Day] = []
    session = db.session()
    try:
        session.begin()
        for offset in range(days):
            today = start + timedelta(days=offset)
            report = Day(today)
            for entry in rules:
                if entry.working_days_only and not clock.is_working_day(today):
                    continue
                before = session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0
                ctx = RunContext(today=today, now=_at(today, entry), settings=settings)
                assert entry.rule is not None
                report.results[entry.name] = entry.rule(session, queue, ctx)
                session.flush()
                for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)
                                         .order_by(OutboxMessage.id)):
                    report.messages.append(Would(entry.name, m.template, m.to, m.subject, m.reference, m.key))
            out.append(report)
    finally:
        session.rollback()
        session.close()
    return out


def copy_if_sqlite(url: str) -> tuple[str, Path | None]:
    """A copy of a SQLite database file to simulate on (and its folder to delete), or the URL unchanged."""
    if not url.startswith("sqlite:///"):
        return url, None
    source = url.removeprefix("sqlite:///")
    if not Path(source).exists():
        raise SimulationError(f"there is no database at {source}: run `rights db upgrade` first")
    folder = Path(tempfile.mkdtemp(prefix="rights-simulate-"))
    target = folder / "copy.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}", folder


def simulate(settings: Settings, start: date, days: int) -> list[Day]:
    if days < 1 or days > MAX_DAYS:
        raise SimulationError(f"--days must be from 1 to {MAX_DAYS}, not {days}")
    url, folder = copy_if_sqlite(settings.database_url)
    db = Database(url)
    try:
        return run_days(db, settings, start, days)
    finally:
        db.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


__all__ = ["Day", "SimulationError", "Would", "copy_if_sqlite", "run_days", "simulate"]
