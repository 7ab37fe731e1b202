"""The schedule's own table: one row per job per period, the lock that makes every run happen once
(used by :mod:`rights.schedule.runner`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, utcnow


class ScheduleRun(Base):
    """One run of one scheduled job for one period (a London day, or a minute for the sweeper).

    The unique ``(job, period_key)`` pair is inserted *before* the job runs: a second worker, or the same
    worker after a restart, finds the row and does not run that period again. A run that failed, or whose
    worker died (``running`` for longer than the lease), may be taken over by one later tick.
    """

    __tablename__ = "schedule_runs"
    __table_args__ = (Index("uq_schedule_runs_job_period", "job", "period_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | finished | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


__all__ = ["ScheduleRun"]
