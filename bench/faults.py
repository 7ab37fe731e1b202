"""Benchmark: requests acknowledged, searched and bundled by real workers while the harness breaks things.

    python bench/faults.py [--requests 100] [--workers 3] [--rounds 3] [--delay 1.0]
                           [--sweep schedule|operator] [--no-baseline]

Each request gets its acknowledgement email (through a local GOV.UK Notify API), a search of a ``sql``
source whose records query takes ``--delay`` seconds, redaction proposals, an officer's decisions and a
prepared response (WeasyPrint letter and bundle): see ``tests/faults_scenario.py``. During the search
phase every round kills a worker's whole process tree mid-search (SIGKILL), kills a work horse, cuts every
PostgreSQL connection, restarts Redis with jobs queued (a private redis-server without persistence, so
the restart loses everything in it) and takes PostgreSQL away for 3 seconds; during the prepare phase it
kills a worker mid-render, restarts Redis, kills a work horse and cuts PostgreSQL. A fault whose moment
never came (nothing was running) is reported as missed.

By default only the product recovers (``--sweep schedule``): the workers' own one-minute schedule runs the
sweeper, as in production. ``--sweep operator`` also sweeps every 3 seconds from here, as the suite's
short run does. Then every request is checked for exactly once: one email accepted by Notify per message,
every record stored once, one response version and one ``bundle.prepared`` entry per request, every job
finished, the audit chain intact, no file left in the store that nothing references.

The baseline is the same requests with no faults, measured first in the same run: the report gives the
time each phase took against it. Needs PostgreSQL (``TEST_DATABASE_ADMIN_URL``) and ``redis-server``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCH_PLAN = ["kill_worker", "kill_horse", "pg_cut", "redis_restart", "pg_outage"]
BUNDLE_PLAN = ["kill_worker", "redis_restart", "kill_horse", "pg_cut"]


def one_run(requests: int, workers: int, rounds: int, delay: float, sweep: str, faults: bool) -> dict[str, object]:
    from rights import migrate
    from tests.conftest import scratch_database
    from tests.faults_scenario import FaultRun, open_services

    label = "faults" if faults else "baseline"
    with scratch_database("rights_bench_faults") as url, tempfile.TemporaryDirectory() as tmp:
        migrate.upgrade(url)
        with open_services(url, Path(tmp), people=requests, delay=delay, workers=workers) as services:
            run = FaultRun(services, requests, rounds=rounds, sweep=sweep,
                           log=lambda line: print(f"[{label}] {line.strip()}", flush=True))
            began = time.monotonic()
            figures = run.run(SEARCH_PLAN if faults else [], BUNDLE_PLAN if faults else [],
                              timeout=max(900.0, requests * 30.0))
            wall = time.monotonic() - began
            if figures.problems:
                print(services.workers.logs()[-5000:], file=sys.stderr)
    return {"wall_s": round(wall, 1), "phases_s": figures.seconds, "faults": dict(figures.faults),
            "missed": dict(figures.missed_faults), "survived": figures.survived, "problems": figures.problems,
            **figures.counts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="times each phase's list of faults is gone through")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the source's records query takes")
    parser.add_argument("--sweep", choices=["schedule", "operator"], default="schedule")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    load = os.getloadavg()
    results: dict[str, object] = {"requests": args.requests, "workers": args.workers, "rounds": args.rounds,
                                  "sweep": args.sweep, "load_average_at_start": [round(x, 1) for x in load]}
    if not args.no_baseline:
        results["baseline"] = one_run(args.requests, args.workers, args.rounds, args.delay, args.sweep, False)
    results["faults"] = one_run(args.requests, args.workers, args.rounds, args.delay, args.sweep, True)
    results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    if "baseline" in results:
        base, hit = results["baseline"], results["faults"]
        results["time_with_faults_vs_baseline"] = {
            phase: round(hit["phases_s"][phase] / base["phases_s"][phase], 2)  # type: ignore[index]
            for phase in hit["phases_s"] if phase in base["phases_s"]}  # type: ignore[operator]
    print(json.dumps(results, indent=2))
    ok = not results["faults"]["problems"] and not results.get("baseline", {}).get("problems")  # type: ignore[union-attr,index]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
