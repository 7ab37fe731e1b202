"""Benchmark: the service under load, through gunicorn on PostgreSQL and Redis, driven by locust.

Run: ``.venv/bin/python bench/load.py [--users 50] [--duration 180] [--ref COMMIT ...] [--rounds N] [--profile DIR]``
(needs ``pip install -e '.[bench]'`` for locust; ``--locust PATH`` runs a locust installed elsewhere, and
``--profile-with PATH`` a py-spy).

What it does, for this checkout and for each baseline given (``--ref COMMIT``: a temporary ``git worktree``
of that commit; ``--ref-dir PATH``: another checkout), one after the other, the same way in the same run:

1. Creates a scratch PostgreSQL database (``rights_bench_load_<random>`` on ``BENCH_DATABASE_ADMIN_URL``,
   default the local server), migrates it with the checkout's own migrations, and seeds it with the
   checkout's own code: the demo requests, ``--cases`` more access requests (default 300), and officer
   accounts with a password and an enrolled TOTP secret (the load client computes the codes). The database,
   the run's Redis queue and its upload directory are removed at the end.
2. Starts ``gunicorn app:app`` (``--workers``, default 4; the production profile: PostgreSQL, Redis, secure
   cookies, keys from the environment) and one real ``rights worker`` (RQ with its scheduler). The portal's
   rate limits are raised through the ``RIGHTS_RATE_LIMIT_*`` settings: every simulated user is 127.0.0.1.
3. Runs locust headless on the same machine: ``--users`` (default 50) started at ``--spawn-rate`` (default 5
   a second), each waiting 0.5 to 2 s between tasks; first ``--warmup`` seconds (default 30, not counted:
   each worker compiles its templates), then ``--duration`` seconds (default 180) measured. Of the users,
   7 in 10 are members of the public: they answer the request journey a page at a time (read the page,
   send the answer) and send it from "check your answers" (6 tasks in 9), check a request's progress
   (``GET`` and ``POST /progress``, 2 in 9) or read the start page (1 in 9). 3 in 10 are officers: they sign
   in once (password, then the TOTP code), then read the case list (my cases, all cases, a name search:
   3 tasks in 5) and case pages (2 in 5). They sign in during the warm-up and the measured run carries their
   sessions on (an officer the warm-up did not start signs in then): the password check is argon2, about
   200 ms of CPU a sign-in by design, and no part of the page mix.
4. Reads the CPU time (user + system) of the gunicorn master and workers from ``/proc/<pid>/stat`` before and
   after the measured run and divides it by the requests locust sent: app CPU milliseconds per request (the
   system time's share shown apart). The RQ worker's CPU is shown apart (the jobs the pages queue:
   acknowledgements, progress codes, matching).

Prints, per request type and in total: requests, requests per second, p50, p95 and p99 in milliseconds
(locust's own percentiles, rounded to two figures above 100 ms) and errors; app CPU per request; the load
average at start and end (the machine's other work shows in every figure); and the ratios to each
baseline. ``--rounds N`` measures every checkout N times, taking turns, and prints each checkout's app CPU
pooled over its rounds with the ratio round by round (the machine's speed drifts within minutes; one run
each puts that drift into the ratio). ``--profile DIR`` samples the workers with py-spy (``--gil``: only
while they hold the GIL, so CPU rather than waiting) and prints the functions they spent it in; sampling
costs CPU, so a profiled run's figures are not the ones to compare.
"""

from __future__ import annotations

import argparse
import base64
import csv
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "the bench officer's passphrase"
#: Per address, and every simulated user is 127.0.0.1: the limits a load test sets through the settings.
RATE_LIMIT_ENV = {f"RIGHTS_RATE_LIMIT_{name}": "100000 per minute"
                  for name in ("SUBMIT", "UPLOAD", "CODE_REQUEST", "CODE_CHECK", "SIGN_IN")}
PORTAL_WEIGHT, OFFICER_WEIGHT = 7, 3
TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------------
# The simulated users (imported by locust; the driver below does not need locust)

try:
    from locust import HttpUser, between, task
except ImportError:  # the driver runs without locust installed in its interpreter
    HttpUser = None  # type: ignore[assignment,misc]

if HttpUser is not None:
    _CONFIG: dict[str, Any] = json.loads(os.environ.get("BENCH_LOAD_CONFIG", "{}"))
    _OFFICER_SLOTS = itertools.count()  # the same officers in the warm-up and the measured run
    #: Where officers keep their signed-in cookies between the warm-up and the measured run (see run_one).
    _SESSIONS = os.environ.get("BENCH_LOAD_SESSIONS", "")
    _CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def _csrf(html: str) -> str:
        found = _CSRF.search(html)
        if not found:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1) or found.group(2)

    def _totp(secret: str, at: float) -> str:
        """RFC 6238 code (30 s, 6 digits, SHA-1) without pyotp in locust's interpreter."""
        import hashlib
        import hmac
        import struct

        key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
        digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"

    class _Browser(HttpUser):
        abstract = True
        wait_time = between(0.5, 2.0)

        def on_start(self) -> None:
            self.token = ""

        def _plain_cookies(self) -> None:
            """Send the app's Secure cookies back over the bench's plain HTTP (production sits behind TLS)."""
            for cookie in self.client.cookies:
                cookie.secure = False

        def page(self, path: str, name: str) -> str:
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
                self._plain_cookies()
                if response.status_code != 200:
                    response.failure(f"{response.status_code} for {name}")
                    return ""
                html = response.text
            if not self.token and "csrf_token" in html:
                self.token = _csrf(html)
            return html

        def send(self, path: str, data: dict[str, Any] | list[tuple[str, str]], name: str,
                 expect: str | None = None) -> str | None:
            """POST a form; a redirect is success (the location is returned), anything else a failure."""
            payload = [("csrf_token", self.token), *(data if isinstance(data, list) else _pairs(data))]
            with self.client.post(path, data=payload, name=name, allow_redirects=False,
                                  catch_response=True) as response:
                self._plain_cookies()
                location = response.headers.get("Location", "")
                if response.status_code != 302 or (expect and expect not in location):
                    response.failure(f"{response.status_code} -> {location.split('?')[0] or 'no redirect'}")
                    return None
                return location

    def _pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                out.append((key, str(item)))
        return out

    class Citizen(_Browser):
        """A member of the public: sends a request page by page, checks progress, reads the start page."""

        weight = PORTAL_WEIGHT

        def on_start(self) -> None:
            super().on_start()
            self.page("/", "portal: start page")
            self.steps: list[tuple[str, dict[str, Any]]] = []

        @task(6)
        def request_journey(self) -> None:
            """One page of the journey per task (a person reads each page); the last sends the request."""
            if not self.steps:
                n = random.randrange(10**9)
                self.steps = [(s, {k: (v.replace("{n}", str(n)) if isinstance(v, str) else v) for k, v in d.items()})
                              for s, d in _CONFIG["journey"]]
                self.steps.append(("check", {"declaration": "y"}))
                self.page("/request/who", "portal: question page")
            step, data = self.steps.pop(0)
            if step == "check":
                self.page("/request/check", "portal: check answers")
                if self.send("/request/check", data, "portal: submit", expect="/request/confirmation"):
                    self.page("/request/confirmation", "portal: confirmation")
                return
            location = self.send(f"/request/{step}", data, "portal: answer")
            if location is None:
                self.steps = []  # start again with a fresh journey
                self.client.cookies.clear()
                self.token = ""
                self.page("/", "portal: start page")
            elif not location.endswith("/request/check"):
                self.page(location, "portal: question page")

        @task(2)
        def check_progress(self) -> None:
            reference, email = random.choice(_CONFIG["cases"])
            self.page("/progress", "progress: page")
            self.send("/progress", {"reference": reference, "email": email}, "progress: check")

        @task(1)
        def start_page(self) -> None:
            self.page("/", "portal: start page")

    class Officer(_Browser):
        """An officer: signs in once with password and TOTP, then reads the case list and case pages."""

        weight = OFFICER_WEIGHT

        def on_start(self) -> None:
            super().on_start()
            slot = next(_OFFICER_SLOTS) % len(_CONFIG["officers"])
            kept = Path(_SESSIONS, f"officer-{slot}.json") if _SESSIONS else None
            if kept is not None and kept.exists():  # signed in during the warm-up: carry the session on
                for name, value in json.loads(kept.read_text()).items():
                    self.client.cookies.set(name, value)
            else:
                self.sign_in(_CONFIG["officers"][slot])
                if kept is not None:
                    kept.write_text(json.dumps({c.name: c.value for c in self.client.cookies}))
            self.page("/staff/cases", "staff: case list")

        def sign_in(self, account: dict[str, str]) -> None:
            self.page("/staff/sign-in", "staff: sign-in page")
            if self.send("/staff/sign-in", {"email": account["email"], "password": PASSWORD},
                         "staff: sign-in password", expect="/sign-in/code") is None:
                return
            self.token = ""  # the password step starts a new session, with a new CSRF token
            self.page("/staff/sign-in/code", "staff: sign-in page")
            self.send("/staff/sign-in/code", {"code": _totp(account["secret"], time.time())},
                      "staff: sign-in code")
            self.token = ""

        @task(3)
        def case_list(self) -> None:
            query = random.choice(["", "?view=all", "?view=all&q=" + random.choice(_CONFIG["surnames"])])
            self.page(f"/staff/cases{query}", "staff: case list")

        @task(2)
        def case_page(self) -> None:
            reference, _email = random.choice(_CONFIG["cases"])
            self.page(f"/staff/cases/{reference}", "staff: case page")


# --------------------------------------------------------------------------------------------------
# Seeding (run in a subprocess with the measured checkout's code on the path)


def seed(url: str, officers: int, cases: int, seed_: int) -> dict[str, Any]:
    """Migrate and seed the scratch database through the checkout's own code; return the locust config."""
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import select

    from rights import config, intake, migrate
    from rights.demo.requests import seed_demo_requests
    from rights.models import Person, RequestKind, RightsRequest, User
    from rights.security import hash_password
    from rights.web import create_app

    migrate.upgrade(url)
    settings = config.load("test", database_url=url, demo=False)
    app = create_app(settings, start_worker=False)
    rt = app.extensions["rights"]
    seed_demo_requests(rt)
    rng = random.Random(seed_)
    given = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Freya", "Jack", "Mia", "Harry", "Ruby", "Oscar",
             "Zara", "Ethan", "Nia", "Sam"]
    family = ["Hart", "Reed", "Patel", "Khan", "Jones", "Evans", "Shaw", "Ali", "Begum", "Cox", "Ward", "Fox",
              "Hunt", "Webb", "Lloyd", "Singh"]
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    accounts = []
    with rt.db.transaction() as session:
        for i in range(cases):
            person = Person(given_names=rng.choice(given), family_name=rng.choice(family),
                            date_of_birth=date(1950 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                            email=f"requester{i}@example.org")
            intake.receive(session, intake.NewRequest(
                kind=RequestKind.ACCESS, channel="web", received_at=now - timedelta(days=rng.randrange(40)),
                subject=person, requester=person, requester_role="self_adult", extra={}), actor="system")
        for i in range(officers):
            secret = base64.b32encode(secrets.token_bytes(20)).decode()
            session.add(User(email=f"officer{i}@bench.council.example", name=f"Bench Officer {i}", role="officer",
                             services=[], password_hash=password_hash, mfa_enrolled=True, active=True,
                             totp_secret_enc=rt.cipher.encrypt(secret.encode())))
            accounts.append({"email": f"officer{i}@bench.council.example", "secret": secret})
    with rt.db.transaction() as session:
        rows = session.execute(select(RightsRequest.reference, Person.email)
                               .join(Person, RightsRequest.requester_id == Person.id)).all()
    rt.db.dispose()
    return {"officers": accounts, "cases": [[r, e or "nobody@example.org"] for r, e in rows],
            "surnames": family}


def _journey() -> list[tuple[str, dict[str, Any]]]:
    """The pages of an adult's own access request with valid answers (as the portal tests answer them)."""
    return [
        ("who", {"role": "self_adult"}), ("type", {"kind": "access"}),
        ("name", {"given_names": "Amelia", "family_name": "Hart"}),
        ("previous-names", {"names": ""}),
        ("date-of-birth", {"date": ["17", "5", "1990"]}),
        ("address", {"line1": "1 High Street", "line2": "", "town": "Shrewsbury", "postcode": "sy3 8hq"}),
        ("previous-addresses", {"action": "continue", "line1": "", "line2": "", "town": "", "postcode": ""}),
        ("nhs-number", {"nhs_number": "943 476 5919"}),
        ("services", {"services": ["childrens_social_care", "early_help"]}),
        ("period", {"from_year": "2015", "to_year": "2020"}),
        ("details", {"first": ""}),
        ("proof-of-id", {}),
        ("contact", {"methods": ["email"], "email": "requester{n}@example.org", "phone": ""}),
        ("format", {"format": "email"}), ("adjustments", {"adjustments": ""}),
    ]


# --------------------------------------------------------------------------------------------------
# The driver


@dataclass
class Result:
    label: str
    rows: list[dict[str, str]]
    seconds: float
    app_cpu_s: float
    worker_cpu_s: float
    load: tuple[float, float]
    workers_restarted: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> dict[str, str]:
        return next(r for r in self.rows if r["Name"] == "Aggregated")

    @property
    def requests(self) -> int:
        return int(self.total["Request Count"])

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.app_cpu_s / max(1, self.requests)

    def p(self, name: str, pct: str) -> float:
        row = next((r for r in self.rows if r["Name"] == name), None)
        return float(row[pct]) if row and row[pct] not in ("", "N/A") else float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far, from /proc/<pid>/stat (fields 14 and 15)."""
    return sum(cpu_split(pids))


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """User and system CPU of these processes so far (seconds), apart: system time is the kernel's share
    (sockets to the client, PostgreSQL and Redis), which no change to the app's Python shows in a profile."""
    user = system = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / TICKS, system / TICKS


def children(pid: int) -> list[int]:
    out = []
    for task_dir in Path(f"/proc/{pid}/task").iterdir():
        kids = (task_dir / "children").read_text().split()
        out.extend(int(k) for k in kids)
    return out


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def locust_command(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    try:
        import locust  # noqa: F401
    except ImportError:
        found = shutil.which("locust")
        if not found:
            raise SystemExit("locust is not installed: pip install -e '.[bench]', or pass --locust PATH") from None
        return [found]
    return [sys.executable, "-m", "locust"]


def run_one(label: str, app_dir: Path, args: argparse.Namespace) -> Result:
    """Seed a scratch database for the checkout in ``app_dir``, serve it, load it, measure, clean up."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rights_bench_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="rights-bench-load-"))
    from cryptography.fernet import Fernet

    env = {**os.environ, **RATE_LIMIT_ENV,
           "PYTHONPATH": str(app_dir), "RIGHTS_ENV": "production", "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
           "RIGHTS_QUEUE": f"bench-load-{uuid.uuid4().hex[:6]}", "SECRET_KEY": secrets.token_urlsafe(48),
           "RIGHTS_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "PUBLIC_BASE_URL": "https://rights.example",
           "RIGHTS_AUDIT_KEYS": Fernet.generate_key().decode(),  # ignored by checkouts before the keyed chain
           "RIGHTS_AUDIT_CHECKPOINT_FILE": str(work / "audit-checkpoints.jsonl"),
           "MAIL_BACKEND": "outbox-only", "RIGHTS_UPLOAD_DIR": str(work / "uploads")}
    processes: list[subprocess.Popen[bytes]] = []
    roles: list[str] = []
    try:
        seeded = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--seed-into", url, "--officers", str(2 * args.users),
             "--cases", str(args.cases)], env={**env, "RIGHTS_ENV": "test"}, cwd=app_dir, check=True,
            capture_output=True, text=True)
        config_ = json.loads(seeded.stdout.strip().splitlines()[-1])
        if (app_dir / "rights" / "audit" / "roles.py").exists():  # production refuses the owner: serve as the app role
            role = f"rights_bench_app_{uuid.uuid4().hex[:8]}"
            password = uuid.uuid4().hex
            with admin.connect() as conn:
                conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
            roles.append(role)
            subprocess.run([sys.executable, "-m", "rights", "db", "grant-app", role], env={**env, "RIGHTS_ENV": "test"},
                           cwd=app_dir, check=True, capture_output=True)
            env["DATABASE_URL"] = make_url(url).set(username=role, password=password).render_as_string(
                hide_password=False)
        config_["journey"] = _journey()
        port = 18000 + random.randrange(1000)
        log = (work / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "120", "app:app"], env=env, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT)
        processes.append(gunicorn)
        # A session of its own: RQ signals a work horse's process group (see test_schedule_delivery).
        worker = subprocess.Popen([sys.executable, "-m", "rights", "worker"], env=env, cwd=app_dir,
                                  stdout=(work / "worker.log").open("wb"), stderr=subprocess.STDOUT,
                                  start_new_session=True)
        processes.append(worker)
        wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        time.sleep(2)
        app_pids = [gunicorn.pid, *children(gunicorn.pid)]
        worker_pids = [worker.pid, *children(worker.pid)]
        csv_prefix = work / "locust"

        # Officers sign in during the warm-up and the measured run carries their sessions on: a sign-in's
        # password check is argon2, about 200 ms of CPU by design, which is no part of the page mix measured.
        sessions = work / "sessions"
        sessions.mkdir()

        def load(seconds: int, prefix: Path) -> None:
            subprocess.run(
                [*locust_command(args.locust), "-f", str(Path(__file__).resolve()), "--headless",
                 "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{seconds}s",
                 "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
                 "--loglevel", "WARNING", "--stop-timeout", "5"],
                env={**os.environ, "BENCH_LOAD_CONFIG": json.dumps(config_),
                     "BENCH_LOAD_SESSIONS": str(sessions)},
                check=False,
                **({} if args.verbose else {"stdout": (work / "locust.log").open("ab"), "stderr": subprocess.STDOUT}))

        if args.warmup:  # every worker compiles its templates and fills its pools before the measured run
            load(args.warmup, work / "warmup")
        app_pids = [gunicorn.pid, *children(gunicorn.pid)]  # after the warm-up: a worker may have been replaced
        split_before, wcpu_before, load_before = cpu_split(app_pids), cpu_seconds(worker_pids), os.getloadavg()[0]
        started = time.monotonic()
        spies = [subprocess.Popen([args.profile_with, "record", "--pid", str(pid), "--format", "raw", "--rate", "50",
                                   "--gil",
                                   "--nonblocking", "--duration", str(args.duration), "--output",
                                   str(args.profile / f"{_slug(label)}-{pid}.folded")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for pid in (app_pids[1:] if args.profile else [])]
        load(args.duration, csv_prefix)
        seconds = time.monotonic() - started
        for spy in spies:
            spy.wait(60)
        now_pids = [gunicorn.pid, *children(gunicorn.pid)]
        split_after = cpu_split(app_pids)
        app_system = split_after[1] - split_before[1]
        app_cpu = sum(split_after) - sum(split_before)
        worker_cpu = cpu_seconds(worker_pids) - wcpu_before
        with (work / "locust_stats.csv").open() as handle:
            rows = list(csv.DictReader(handle))
        failures = (work / "locust_failures.csv").read_text() if (work / "locust_failures.csv").exists() else ""
        result = Result(label, rows, seconds, app_cpu, worker_cpu, (load_before, os.getloadavg()[0]),
                        workers_restarted=sorted(now_pids) != sorted(app_pids),
                        extra={"failures": failures, "app_system_s": app_system})
        if args.keep_logs:
            print(f"  logs kept in {work}")
        return result
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in roles:  # its grants went with the database
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
        _empty_queue(env["RIGHTS_QUEUE"])
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)


def _empty_queue(queue: str) -> None:
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    for key in redis.scan_iter(f"rq:*{queue}*"):
        redis.delete(key)


NAMES_SHOWN = ["portal: start page", "portal: question page", "portal: answer", "portal: check answers",
               "portal: submit", "portal: confirmation", "progress: page", "progress: check",
               "staff: sign-in page", "staff: sign-in password", "staff: sign-in code", "staff: case list",
               "staff: case page", "Aggregated"]


def _slug(label: str) -> str:
    return re.sub(r"\W+", "-", label).strip("-")


def print_profile(folder: Path, label: str, top: int = 40) -> None:
    """The functions the workers spent their sampled time in, inclusive, from py-spy's folded stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for path in folder.glob(f"{_slug(label)}-*.folded"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            total += n
            for frame in set(stack.split(";")):
                inclusive[frame] = inclusive.get(frame, 0) + n
    print(f"\n  profile of the gunicorn workers ({total} samples), inclusive share:")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / max(1, total):5.1f}%  {frame[:150]}")


def print_result(result: Result) -> None:
    print(f"\n{result.label}: {result.requests} requests in {result.seconds:.0f} s, load average "
          f"{result.load[0]:.2f} at start, {result.load[1]:.2f} at end ({os.cpu_count()} cores)")
    print(f"  {'request':26} {'count':>7} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}")
    for row in sorted(result.rows, key=lambda r: NAMES_SHOWN.index(r["Name"]) if r["Name"] in NAMES_SHOWN else 99):
        print(f"  {row['Name'] or 'total':26} {int(row['Request Count']):7d} {float(row['Requests/s']):7.2f} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {int(row['Failure Count']):7d}")
    print(f"  app CPU (gunicorn master and workers): {result.app_cpu_s:.1f} s = "
          f"{result.cpu_ms_per_request:.1f} ms per request (of which system "
          f"{1000 * result.extra.get('app_system_s', 0.0) / max(1, result.requests):.1f} ms); "
          f"RQ worker {result.worker_cpu_s:.1f} s")
    if result.workers_restarted:
        print("  a gunicorn worker was restarted during the run: its CPU before the restart is not counted")
    if result.extra.get("failures", "").count("\n") > 1:
        print("  failures:\n    " + "\n    ".join(result.extra["failures"].strip().splitlines()[:12]))


def compare(current: Result, baseline: Result) -> None:
    print(f"\n{current.label} against {baseline.label} (ratio: current / baseline)")
    for name, pct in (("portal: submit", "95%"), ("staff: case list", "95%"), ("staff: case page", "95%"),
                      ("Aggregated", "95%"), ("Aggregated", "50%")):
        a, b = current.p(name, pct), baseline.p(name, pct)
        print(f"  {name} p{pct[:-1]}: {a:.0f} ms against {b:.0f} ms ({a / b:.2f}x)")
    print(f"  req/s: {float(current.total['Requests/s']):.1f} against {float(baseline.total['Requests/s']):.1f}")
    print(f"  app CPU per request: {current.cpu_ms_per_request:.1f} ms against {baseline.cpu_ms_per_request:.1f} ms "
          f"({current.cpu_ms_per_request / baseline.cpu_ms_per_request:.2f}x)")


def pooled(results: list[Result], labels: list[str]) -> None:
    """Each checkout's app CPU over all its rounds (total CPU over total requests), and this checkout's ratio to
    each baseline pooled and round by round.

    Why rounds: the machine's speed drifts by 10-20% within minutes, and one baseline run followed by one run
    of this checkout puts the drift into the ratio; taking turns spreads it over both.
    """
    def rounds_of(label: str) -> list[Result]:
        return [r for r in results if r.label.startswith(f"{label} (round ")]

    mine = rounds_of(labels[-1])

    def per_request(runs: list[Result]) -> float:
        return 1000 * sum(r.app_cpu_s for r in runs) / max(1, sum(r.requests for r in runs))

    print(f"\npooled over {len(mine)} rounds: {labels[-1]} {per_request(mine):.2f} ms per request")
    for label in labels[:-1]:
        theirs = rounds_of(label)
        each = ", ".join(f"{m.cpu_ms_per_request / t.cpu_ms_per_request:.2f}x"
                         for m, t in zip(mine, theirs, strict=True))
        print(f"  against {label}: {per_request(theirs):.2f} ms per request, ratio "
              f"{per_request(mine) / per_request(theirs):.2f}x (round by round: {each})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load, spawning included")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=30, help="seconds of the same load before the measured run "
                        "(not counted)")
    parser.add_argument("--cases", type=int, default=300, help="access requests seeded besides the demo's")
    parser.add_argument("--ref", action="append", help="also measure this commit (a temporary git worktree), "
                        "first; may be repeated")
    parser.add_argument("--ref-dir", action="append", type=Path, help="also measure the checkout in this "
                        "directory, first; may be repeated")
    parser.add_argument("--rounds", type=int, default=1, help="measure every checkout this many times, taking "
                        "turns (baselines, then this checkout, then again), and pool the figures")
    parser.add_argument("--locust", help="the locust executable (default: this interpreter's, else PATH)")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--profile", type=Path, help="sample the gunicorn workers with py-spy into this folder "
                        "and print where their time went (sampling costs CPU: figures are not comparable)")
    parser.add_argument("--profile-with", default=shutil.which("py-spy") or "py-spy", help="the py-spy executable")
    parser.add_argument("--top", type=int, default=40, help="functions shown from the profile")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)
    parser.add_argument("--officers", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(seed(args.seed_into, args.officers, args.cases, 20261130)))
        return
    sys.path.insert(0, str(ROOT))
    for ref in args.ref or []:  # before anything is started: one clear line for a commit git does not know
        if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                          capture_output=True).returncode:
            parser.error(f"--ref {ref}: no such commit in this repository")
    for directory in args.ref_dir or []:
        if not (Path(directory) / "rights").is_dir():
            parser.error(f"--ref-dir {directory}: not a Rights Desk checkout (no rights/ folder)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.profile:
        if not shutil.which(args.profile_with):  # before anything is started, not when the first run samples
            parser.error(f"--profile needs py-spy: {args.profile_with} was not found (pip install py-spy, or "
                         "pass --profile-with PATH)")
        args.profile.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    worktrees: list[Path] = []
    try:
        baselines: list[tuple[str, Path]] = [(str(d), d) for d in args.ref_dir or []]
        for ref in args.ref or []:
            worktree = Path(tempfile.mkdtemp(prefix="rights-bench-ref-"))
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), ref],
                           check=True, capture_output=True)
            worktrees.append(worktree)
            baselines.append((ref, worktree))
        checkouts = [(f"baseline {name}", directory) for name, directory in baselines] + [("this checkout", ROOT)]
        for round_ in range(1, args.rounds + 1):
            for label, directory in checkouts:
                label = label if args.rounds == 1 else f"{label} (round {round_})"
                results.append(run_one(label, directory, args))
                print_result(results[-1])
                if args.profile:
                    print_profile(args.profile, results[-1].label, args.top)
            for baseline in results[-len(checkouts):-1]:
                compare(results[-1], baseline)
        if args.rounds > 1:
            pooled(results, [label for label, _ in checkouts])
    finally:
        for worktree in worktrees:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)

if __name__ == "__main__":
    main()
