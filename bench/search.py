"""Benchmark: one request searched across 7 sources holding 100,000 people and 1,000,000 records in all.

Run: ``.venv/bin/python bench/search.py``  (goal: the search under 10 s on a 2-core machine)

The sources are seven ``sql`` connectors over generated SQLite case-management databases (cached in
``var/bench/``; generation is not measured). The subject is planted in every system with their records,
next to look-alikes (same name and another date of birth; same date of birth and another name; a sibling
at the same address) who also have records. The search runs the product's own path: ``start_searches``,
then the seven ``search_source`` jobs executed in parallel in-process (as ``rights process`` does),
matching, and encrypted storage in the Rights Desk database (PostgreSQL when reachable, else SQLite).

Baseline, measured in the same run: the same search through the same jobs with a naive connector that
hands every person in each system to the matcher (a full scan, no blocking). Both runs must gather the
same records and never a look-alike's; the bench fails loudly otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PEOPLE = 100_000
RECORDS = 1_000_000
SERVICES = ["childrens_social_care", "early_help", "send", "youth_justice", "fostering_adoption",
            "residential_homes", "health_record"]
VERSION = "v1"
SEED = 20260301
SUBJECT = ("Amelia", "Hart", date(2012, 5, 17), "NB1 2CD", "1 Mill Lane, Northby")
SUBJECT_NHS = "943 476 5919"
LOOKALIKES = [  # person ids 2..4 in every system
    ("Amelia", "Hart", date(2013, 2, 3), "NB7 7XY", "9 Bridge Street, Northby"),  # same name, other DOB
    ("Olivia", "Hart", date(2012, 5, 17), "NB3 3AA", "3 Elm Road, Northby"),  # same DOB, other name
    ("Jack", "Hart", date(2011, 9, 1), "NB1 2CD", "1 Mill Lane, Northby"),  # sibling, same address
]
SUBJECT_RECORDS = {"childrens_social_care": 150}  # others: 25


def words(text: str) -> list[str]:
    return text.split()


GIVEN = words("Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry William Alfie "
              "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace Daisy Sienna "
              "Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie Matilda Maya Sophie Alice "
              "Emilia Isabelle Ruby Luna Maisie Aria Penelope Mila Bonnie Eva Hallie Aurora Ethan Joshua Max Lucas "
              "Archie Theo Finley Mason Logan Isaac Teddy Reggie Tommy Albie Ronnie Hugo Frankie Elijah Dylan Ezra "
              "Zara Nia Aisha Fatima Hannah Chloe Lucy Megan Jessica Holly Katie Erin Abigail Leah Niamh Caitlin")
FAMILY = words("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
               "Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose Davis "
               "Rodriguez Cox Alexander Morgan Moore Mills King Lee Baker Harris Campbell Martin Edwards Scott "
               "Turner Hill Young Cooper Ward Morris Moore Clark Hughes Kelly Parker Price Bennett Griffiths Lloyd "
               "Shaw Lee Ali Ahmed Begum Hussain Singh Kaur Murphy Bailey Carter Cook Richardson Collins Stewart "
               "Marshall Owen Harrison Chapman Dixon Ellis Gray Hunt Holmes Palmer Webb Reid Fox Ross Watson Hart "
               "Knight Lawrence Butler Russell Barker Stevens Pearce Doyle Gibson Kennedy Burns Wells Hudson Henderson "
               "Powell Foster Fraser Fletcher Jenkins Perry Rees Sutton Armstrong Hayes Pearson Holland Graham "
               "Dawson Lane Bell Kaur Page Newman Hamilton Barnes Sharp Gill Wallace Webster Dean Burton Andrews "
               "Spencer Gardner Payne Harvey Jordan Bird Saunders Hawkins Howard Riley Cole Berry Little")
ROLES = [("professional", "Social worker"), ("professional", "Team manager"), ("family_member", None),
         ("professional", "Family support worker"), ("carer", None), ("professional", "Teacher")]
WORDS = words("visit school plan review contact mum dad home worker safety meeting concerns progress support "
              "attended agreed discussed health placement college friends behaviour sleep routine outcome")


# ---------------------------------------------------------------------- generation (cached, not measured)
def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def generate(cache: Path) -> list[Path]:
    paths = [cache / f"{i}-{service}.sqlite" for i, service in enumerate(SERVICES)]
    if (cache / "ready").exists():
        return paths
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for index, (path, service, people, records) in enumerate(
            zip(paths, SERVICES, split(PEOPLE, 7), split(RECORDS, 7), strict=True)):
        path.unlink(missing_ok=True)
        build_source(path, service, people, records, random.Random(f"{SEED}:{index}"))
        print(f"  generated {path.name}: {people:,} people, {records:,} records", flush=True)
    (cache / "ready").write_text("ok")
    print(f"generation took {time.perf_counter() - started:.0f} s (cached in {cache})", flush=True)
    return paths


def build_source(path: Path, service: str, n_people: int, n_records: int, rng: random.Random) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE TABLE person (person_id INTEGER PRIMARY KEY, forename TEXT, surname TEXT, dob TEXT, nhs_no TEXT,
                             postcode TEXT, address TEXT, former_names TEXT);
        CREATE TABLE case_note (note_id INTEGER PRIMARY KEY, person_id INTEGER, note_date TEXT, title TEXT,
                                body TEXT);
        CREATE TABLE note_person (note_id INTEGER, name TEXT, role TEXT, job_title TEXT);
    """)
    people = [(1, *SUBJECT[:2], SUBJECT[2].isoformat(), SUBJECT_NHS if service == "health_record" else None,
               SUBJECT[3], SUBJECT[4], None)]
    people += [(i + 2, g, f, d.isoformat(), None, pc, addr, None) for i, (g, f, d, pc, addr) in enumerate(LOOKALIKES)]
    start = date(2000, 1, 1)
    for pid in range(len(people) + 1, n_people + 1):
        dob = start + timedelta(days=rng.randrange(25 * 365))
        people.append((pid, rng.choice(GIVEN), rng.choice(FAMILY), dob.isoformat(), None,
                       f"NB{rng.randrange(1, 99)} {rng.randrange(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRS')}",
                       f"{rng.randrange(1, 200)} {rng.choice(FAMILY)} Road", None))
    conn.executemany("INSERT INTO person VALUES (?,?,?,?,?,?,?,?)", people)
    owners = [1] * SUBJECT_RECORDS.get(service, 25) + [2, 3, 4] * 10
    owners += [rng.randrange(5, n_people + 1) for _ in range(n_records - len(owners))]
    notes, involved = [], []
    day0 = date(2005, 1, 1)
    for note_id, owner in enumerate(owners, start=1):
        when = day0 + timedelta(days=rng.randrange(20 * 365))
        body = " ".join(rng.choice(WORDS) for _ in range(18))
        notes.append((note_id, owner, when.isoformat(), f"{rng.choice(WORDS).title()} note", body))
        role, job = rng.choice(ROLES)
        involved.append((note_id, f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", role, job))
    conn.executemany("INSERT INTO case_note VALUES (?,?,?,?,?)", notes)
    conn.executemany("INSERT INTO note_person VALUES (?,?,?,?)", involved)
    conn.executescript("""
        CREATE INDEX ix_person_surname ON person (lower(surname));
        CREATE INDEX ix_person_dob ON person (dob);
        CREATE INDEX ix_person_nhs ON person (nhs_no);
        CREATE INDEX ix_note_person_date ON case_note (person_id, note_date);
        CREATE INDEX ix_note_person_note ON note_person (note_id);
        ANALYZE;
    """)
    conn.commit()
    conn.close()


# ---------------------------------------------------------------------- configuration
def sources_file(paths: list[Path], folder: Path) -> Path:
    lines = []
    for path, service in zip(paths, SERVICES, strict=True):
        lines += [
            "[[source]]", f'name = "{service}"', f'service = "{service}"', 'type = "sql"', "timeout_seconds = 60",
            "[source.settings]", f'url = "sqlite:///{path}"', 'person_table = "person"',
            'columns = { person_id = "person_id", given_names = "forename", family_name = "surname", '
            'date_of_birth = "dob", nhs_number = "nhs_no", postcode = "postcode", address = "address", '
            'previous_names = "former_names" }',
            'queries = { records = "SELECT note_id AS record_id, note_date AS date, title, body AS text FROM case_note '
            'WHERE person_id = :person_id AND note_date BETWEEN :date_from AND :date_to", '
            'involvements = "SELECT n.note_id AS record_id, p.name, p.role, p.job_title FROM case_note n '
            'JOIN note_person p ON p.note_id = n.note_id WHERE n.person_id = :person_id '
            'AND n.note_date BETWEEN :date_from AND :date_to" }',
            "",
        ]
    path = folder / "sources.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def rights_database(folder: Path, use_sqlite: bool) -> tuple[str, Any]:
    """A freshly migrated Rights Desk database: PostgreSQL when reachable (production's), else SQLite."""
    from rights import migrate

    if not use_sqlite:
        admin_url = os.environ.get("TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        name = f"rights_bench_{uuid.uuid4().hex[:8]}"
        try:
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            print(f"PostgreSQL not reachable ({exc.__class__.__name__}); using SQLite for the Rights Desk database")
        else:
            url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            migrate.upgrade(url)

            def drop() -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

            return url, drop
    url = f"sqlite:///{folder / 'rights.db'}"
    migrate.upgrade(url)
    return url, lambda: None


# ---------------------------------------------------------------------- the measured search
def new_request(rt: Any) -> int:
    from rights import intake
    from rights.models import Person, RequestKind
    from rights.models import utcnow as now

    with rt.db.transaction() as session:
        subject = Person(given_names=SUBJECT[0], family_name=SUBJECT[1], date_of_birth=SUBJECT[2],
                         addresses=[{"lines": SUBJECT[4].split(", "), "postcode": SUBJECT[3], "current": True}],
                         identifiers={"nhs_number": SUBJECT_NHS})
        request = intake.receive(session, intake.NewRequest(
            kind=RequestKind.ACCESS, channel="email", received_at=now(), subject=subject, requester=subject,
            requester_role="self_adult"), actor="bench")
        return request.id


def run_search(rt: Any, request_id: int) -> float:
    from rights import search
    from rights.cli.process import run_pending

    started = time.perf_counter()
    with rt.db.transaction() as session:
        search.start_searches(session, rt.queue, request_id, "bench")
    run_pending(rt.db, rt.queue, parallel=7)
    return time.perf_counter() - started


def check(rt: Any, request_id: int) -> dict[str, Any]:
    """What the search found; raises if a source failed or any record is not the subject's."""
    from rights.models import GatheredRecord, SearchCandidate, SearchTask

    with rt.db.transaction() as session:
        tasks = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)).all()
        failed = [f"{t.source}: {t.error}" for t in tasks if t.status == "failed"]
        if failed:
            raise SystemExit("search failed: " + "; ".join(failed))
        wrong = session.scalar(select(func.count()).select_from(GatheredRecord).where(
            GatheredRecord.request_id == request_id, GatheredRecord.person_id != "1"))
        if wrong:
            raise SystemExit(f"{wrong} record(s) of a look-alike were gathered")
        records = session.scalar(select(func.count()).select_from(GatheredRecord).where(
            GatheredRecord.request_id == request_id))
        candidates = session.scalar(select(func.count()).select_from(SearchCandidate).where(
            SearchCandidate.request_id == request_id))
        accepted = session.scalar(select(func.count()).select_from(SearchCandidate).where(
            SearchCandidate.request_id == request_id, SearchCandidate.outcome == "accept"))
        slowest = max((t.finished_at - t.started_at).total_seconds() for t in tasks)
    return {"records": records, "candidates": candidates, "accepted": accepted, "slowest_source_s": slowest}


def full_scan_sources(sources: list[Any]) -> list[Any]:
    """The naive baseline: every person of every system handed to the matcher (no blocking)."""
    from dataclasses import replace

    import sqlalchemy as sa

    from rights.search import score_candidates
    from rights.sources.base import Candidate
    from rights.sources.sql import SqlConnector

    class FullScan(SqlConnector):
        def find_candidates(self, terms: Any) -> list[Candidate]:
            rows = self._run(sa.select(self.table))
            out = []
            for row in rows:
                candidate = Candidate(self.name, str(row._mapping["person_id"]), self._identity(row._mapping),
                                      extra={"integer_id": True})
                if score_candidates(terms.identity, [candidate], None)[0][1].outcome != "reject":
                    out.append(candidate)
            return out

    scanned = []
    for source in sources:
        c = source.connector
        naive = FullScan(c.name, c.service, url=c.url, person_table="person", columns=c.columns,
                         records_query=c.records_query, involvements_query=c.involvements_query, timeout=c.timeout)
        scanned.append(replace(source, connector=naive))
    return scanned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="Rights Desk database on SQLite, not PostgreSQL")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    from rights import config, runtime
    from rights.sources import registry

    cache = ROOT / "var" / "bench" / f"search-{VERSION}-{PEOPLE}-{RECORDS}"
    paths = generate(cache)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = rights_database(folder, args.sqlite)
        try:
            settings = config.load("development", database_url=url, redis_url=None, demo=False,
                                   sources_file=str(sources_file(paths, folder)), upload_dir=str(folder / "uploads"))
            rt = runtime.init(settings)
            sources = registry.configured(settings.sources_file)
            warm = new_request(rt)  # opens connection pools and page caches, as a running worker would have
            run_search(rt, warm)

            request_id = new_request(rt)
            seconds = run_search(rt, request_id)
            found = check(rt, request_id)
            print(f"database: {make_url(url).get_backend_name()}; sources: 7 sql (SQLite), {PEOPLE:,} people, "
                  f"{RECORDS:,} records")
            print(f"search: {seconds:.2f} s wall for 7 sources in parallel; {found['candidates']} candidates scored, "
                  f"{found['accepted']} accepted, {found['records']} records gathered and stored encrypted; "
                  f"slowest source {found['slowest_source_s']:.2f} s; 0 look-alike records")
            print(f"goal under 10 s: {'met' if seconds < 10 else 'NOT met'}")
            if not args.no_baseline:
                naive = full_scan_sources(sources)
                original = registry.configured
                registry.configured = lambda _file: naive  # type: ignore[assignment]
                try:
                    baseline_id = new_request(rt)
                    baseline = run_search(rt, baseline_id)
                    found_naive = check(rt, baseline_id)
                finally:
                    registry.configured = original  # type: ignore[assignment]
                assert found_naive["records"] == found["records"], (found_naive, found)
                print(f"baseline (full scan: every person to the matcher): {baseline:.2f} s wall, "
                      f"same {found_naive['records']} records")
                print(f"ratio baseline / search: {baseline / seconds:.1f}x")
            rt.db.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
