"""The process-wide services (settings, database, job queue), built once from the settings.

The web app, the CLI and the RQ worker each build one :class:`Runtime`; domain services receive what
they need from it as arguments rather than reaching for Flask's globals.
"""

from __future__ import annotations

import logging

from rights import config, security
from rights.db import Database
from rights.jobs import InlineWorker, JobQueue

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings
        security.set_field_keys(settings.encryption_keys)
        self.db = Database(settings.database_url)
        self.queue = JobQueue(settings.redis_url, settings.queue_name)
        self.inline_worker: InlineWorker | None = None

    def start_inline_worker(self, force: bool = False) -> None:
        """Demo only: run jobs on a thread in this process when there is no Redis.

        ``force`` also drains a real Redis queue in-process (browser tests use it so one process serves
        pages and runs the jobs those pages trigger).
        """
        if (self.queue.inline or force) and self.inline_worker is None:
            from rights.schedule import runner

            # The demo has no RQ scheduler, so its worker runs the schedule's tick itself. Not when forced
            # onto a real Redis (browser tests): there RQ workers own the schedule, and a digest arriving
            # mid-test in the test's mailbox would be noise.
            tick = (lambda: runner.tick(self.db, self.queue, self.settings)) if self.queue.inline else None
            self.inline_worker = InlineWorker(self.queue, periodic=tick)
            self.inline_worker.start()
            log.info("jobs run in-process (no REDIS_URL): demo mode")


_current: Runtime | None = None


def init(settings: config.Settings | None = None) -> Runtime:
    global _current
    _current = Runtime(settings or config.load())
    return _current


def current() -> Runtime:
    """The runtime of this process, built from the environment on first use (RQ work horses)."""
    return _current if _current is not None else init()
