"""Requests complete exactly once while real workers are killed, Redis restarts and PostgreSQL is cut.

Real ``rights worker`` processes on a Redis of the test's own (so its restart disturbs nobody) and on the
session's PostgreSQL through a proxy the test can cut; see ``tests/faults_scenario.py`` for what is
checked. This is the short run: a few requests and one of each fault in each phase. ``bench/faults.py``
runs 100 requests through rounds of every fault with only the product's own schedule sweeping.

Here the sweeper runs every 3 seconds instead of every minute (``FaultRun`` in operator mode, with the
product's ``jobs.requeue_stale`` and ``notify.recover_stale``), so the suite waits seconds, not minutes.
"""

from __future__ import annotations

from tests.faults_scenario import FaultRun, open_services

REQUESTS = 5
SEARCH_PLAN = ["kill_worker", "kill_horse", "redis_restart", "pg_cut"]
BUNDLE_PLAN = ["kill_worker", "pg_cut"]


def test_requests_complete_exactly_once_under_faults(rt, pg_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with open_services(pg_url, tmp_path, people=REQUESTS, delay=1.0, workers=2,
                       secret_key=rt.settings.secret_key) as services:
        figures = FaultRun(services, REQUESTS, sweep="operator").run(SEARCH_PLAN, BUNDLE_PLAN, timeout=480)
        logs = services.workers.logs()
    assert figures.problems == [], (figures, logs[-6000:])
    assert not figures.missed_faults, figures
    assert figures.survived == len(SEARCH_PLAN) + len(BUNDLE_PLAN)
    counts = figures.counts
    assert counts["emails accepted by Notify"] == counts["outbox messages"] == REQUESTS
    assert counts["response versions"] == REQUESTS and counts["records"] == REQUESTS * 3
    assert counts["jobs run more than once"] >= 1, "the faults must have interrupted some jobs"
    assert counts["files in the store"] == counts["files referenced"], "a killed render left a file behind"
