"""The RQ worker ``rights worker`` runs: RQ's own worker, plus keeping the schedule's tick alive.

The tick re-enqueues itself (:func:`rights.schedule.runner.rq_tick`); this worker schedules one at start
and again at each of RQ's maintenance rounds (every 10 minutes), so a tick lost with a Redis flush is
back within minutes. Ticks have per-minute job ids, so many workers scheduling one is still one.
"""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker

from rights.schedule.runner import ensure_tick

log = logging.getLogger(__name__)


class ScheduleWorker(Worker):
    def _keep_ticking(self) -> None:
        from rights import runtime

        try:
            ensure_tick(runtime.current().queue)
        except Exception:
            log.exception("could not schedule the schedule's tick")

    _long_running = False

    def work(self, *args: Any, **kwargs: Any) -> bool:
        # A burst worker (tests, one-off runs) drains the queue and leaves: it keeps no tick alive.
        self._long_running = not kwargs.get("burst")
        if self._long_running:
            self._keep_ticking()
        return super().work(*args, **kwargs)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        if self._long_running:
            self._keep_ticking()
