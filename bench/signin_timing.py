"""Benchmark: does a check-progress request, or a sign-in, take the same time whether or not it matches?

Run: ``.venv/bin/python bench/signin_timing.py [--rounds 300]``   (goal: matched / unmatched 1.00 within noise)

What it does:

1. Creates a scratch PostgreSQL database (``rights_bench_signin`` on ``BENCH_DATABASE_ADMIN_URL``, default the
   local server), migrates it, adds one request with the requester's email, and one officer. Dropped at the end.
2. Times, through the Flask test client, interleaved round by round in a shuffled order (so the machine's
   load falls on every kind alike): ``POST /progress`` with the right reference and email, an unknown
   reference, and the right reference with another email; and ``POST /staff/sign-in`` with a known email
   and a wrong password, and an unknown email. The sign-in counters are cleared between rounds (outside the
   timing), so every attempt is checked rather than slowed.
3. Baseline in the same run: the design before (match the details and email the code inside the request),
   run as the same functions in one transaction (``start_check`` then ``prepare_code``), matched against
   unmatched. Its ratio is what an attacker could measure before.

Prints p50, p95 and mean in milliseconds per kind and the ratios to the unmatched kind, with the machine's
load at the start and end (``os.getloadavg``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
EMAIL = "parent@example.org"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


def summary(name: str, values: list[float], against: list[float] | None) -> str:
    ms = [v * 1000 for v in values]
    line = (f"  {name:42} p50 {statistics.median(ms):7.2f}  p95 {percentile(ms, 95):7.2f}  "
            f"mean {statistics.fmean(ms):7.2f} ms")
    if against:
        line += (f"   ratio to unmatched: p50 {statistics.median(values) / statistics.median(against):.3f}, "
                 f"mean {statistics.fmean(values) / statistics.fmean(against):.3f}")
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    name = f"rights_bench_signin_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        run(url, args.rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, rounds: int) -> None:
    from datetime import UTC, datetime

    from rights import config, intake, migrate, progress
    from rights.models import Person, ProgressCode, RequestKind, SignInThrottle, User
    from rights.security import hash_password
    from rights.web import create_app

    migrate.upgrade(url)
    settings = config.load("test", database_url=url, redis_url=os.environ.get("REDIS_URL") or None,
                           queue_name=f"bench-signin-{uuid.uuid4().hex[:6]}", mail_backend="outbox-only",
                           ratelimit_storage_uri="memory://", demo=False)
    settings.extra = {**settings.extra, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
    app = create_app(settings, start_worker=False)
    app.config["WTF_CSRF_ENABLED"] = False
    rt = app.extensions["rights"]
    with rt.db.transaction() as session:
        person = Person(given_names="Sam", family_name="Hart", email=EMAIL)
        request = intake.receive(session, intake.NewRequest(
            kind=RequestKind.ACCESS, channel="web", received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
            subject=person, requester=person, requester_role="self_adult", extra={}), actor="system")
        reference = request.reference
        session.add(User(email="officer@council.example", name="Olivia", role="officer", services=[],
                         password_hash=hash_password("the officer's own passphrase"), mfa_enrolled=True,
                         active=True))
    client = app.test_client()

    def progress_post(ref: str, email: str) -> Callable[[], Any]:
        return lambda: client.post("/progress", data={"reference": ref, "email": email})

    def sign_in(email: str) -> Callable[[], Any]:
        return lambda: client.post("/staff/sign-in", data={"email": email, "password": "a wrong password"})

    kinds: dict[str, Callable[[], Any]] = {
        "progress: unknown reference (unmatched)": progress_post("SAR-2026-09999", EMAIL),
        "progress: right reference, other email": progress_post(reference, "someone.else@example.org"),
        "progress: right reference and email": progress_post(reference, EMAIL),
        "sign-in: unknown email (unmatched)": sign_in("nobody@council.example"),
        "sign-in: known email, wrong password": sign_in("officer@council.example"),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for fn in kinds.values():  # warm up: templates, connections, the dummy hash
        fn()
    load_start = os.getloadavg()
    rng = random.Random(20261201)
    for _ in range(rounds):
        order = list(kinds.items())
        rng.shuffle(order)  # no kind always follows another (a warm cache, a just-finished commit)
        for kind, fn in order:
            started = time.perf_counter()
            response = fn()
            times[kind].append(time.perf_counter() - started)
            assert response.status_code in (302, 400), (kind, response.status_code)
        with rt.db.transaction() as session:
            session.query(SignInThrottle).delete()

    # The design before: match and email inside the request (the job's work done in line).
    before: dict[str, list[float]] = {"before: unknown reference (unmatched)": [], "before: right details": []}
    for _ in range(rounds):
        for kind, ref in (("before: unknown reference (unmatched)", "SAR-2026-09999"),
                          ("before: right details", reference)):
            started = time.perf_counter()
            with rt.db.transaction() as session:
                challenge = progress.start_check(session, rt.queue, reference=ref, email=EMAIL)
                progress.prepare_code(session, rt.queue, challenge, secret_key=settings.secret_key)
            before[kind].append(time.perf_counter() - started)
            with rt.db.transaction() as session:  # stay under the hourly cap, so every match sends its email
                session.query(ProgressCode).update({ProgressCode.request_id: None})
    load_end = os.getloadavg()

    print(f"Sign-in and check-progress timing, {rounds} rounds, load average {load_start[0]:.2f} at start, "
          f"{load_end[0]:.2f} at end ({os.cpu_count()} cores)")
    base = times["progress: unknown reference (unmatched)"]
    for kind in list(kinds)[:3]:
        print(summary(kind, times[kind], None if kind.endswith("(unmatched)") else base))
    base = times["sign-in: unknown email (unmatched)"]
    for kind in list(kinds)[3:]:
        print(summary(kind, times[kind], None if kind.endswith("(unmatched)") else base))
    base = before["before: unknown reference (unmatched)"]
    for kind, values in before.items():
        print(summary(kind, values, None if kind.endswith("(unmatched)") else base))
    rt.queue.queue.empty()
    rt.db.dispose()


if __name__ == "__main__":
    main()
