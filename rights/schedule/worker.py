"""The RQ worker ``rights worker`` runs: RQ's own worker, plus keeping the schedule's tick alive.

The tick re-enqueues itself (:func:`rights.schedule.runner.rq_tick`); this worker schedules one at start
and again at each of RQ's maintenance rounds, so a tick lost with a Redis flush is back within a couple of
minutes. Ticks have per-minute job ids, so many workers scheduling one is still one.

Maintenance runs every :data:`MAINTENANCE_SECONDS` rather than RQ's ten minutes: it is also when RQ moves
the jobs of a worker that died to their retries (its abandoned-job handling) and when a worker takes over
the scheduler lock from one that died, so after a lost worker delayed jobs and retries move again within a
minute or two, not ten. It costs a few Redis commands a minute.

:func:`serve` keeps the worker up when Redis goes away under it: RQ's loop gives up on an error outside its
wait for a job (a heartbeat, a maintenance round), so the worker is started again after a pause, until it is
told to stop.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from rq import Worker

from rights.jobs import JobQueue
from rights.schedule.runner import ensure_tick

log = logging.getLogger(__name__)

#: Seconds between RQ maintenance rounds (RQ's default is 600).
MAINTENANCE_SECONDS = 60
#: Longest pause before starting the worker again after Redis went away.
MAX_PAUSE_SECONDS = 30.0


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

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker blocks in its wait for a job, and RQ runs maintenance only between waits: with RQ's
        # wait (its worker TTL less 15 s, 405 s) an idle worker would take over a dead worker's scheduler, and
        # so move its retries and the schedule's tick, only minutes later. Waking each maintenance round keeps
        # the promise above; a wake-up is one Redis command.
        return min(super().dequeue_timeout, MAINTENANCE_SECONDS)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        if self._long_running:
            self._keep_ticking()


def serve(queue: JobQueue, *, burst: bool = False) -> None:
    """Run a :class:`ScheduleWorker` until it is told to stop (SIGTERM, SIGINT) or, in burst mode, drained."""
    pause = 1.0
    while True:
        worker = ScheduleWorker([queue.queue], connection=queue.connection, maintenance_interval=MAINTENANCE_SECONDS)
        started = time.monotonic()
        try:
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as exc:  # RQ's teardown could not say goodbye to a Redis that is gone
            log.warning("the worker stopped: Redis is unreachable (%s)", exc)
        if burst or worker._stop_requested:
            return
        pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, MAX_PAUSE_SECONDS)
        log.warning("the worker stopped without being asked to; starting it again in %.0f s", pause)
        time.sleep(pause)
