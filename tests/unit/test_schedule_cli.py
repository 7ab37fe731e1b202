"""``rights schedule`` on a SQLite database: list, simulate on a copy (the file is not touched), bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from rights import migrate, runtime

    path = tmp_path / "rights.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("RIGHTS_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("RIGHTS_ENV", "development")
    migrate.upgrade(f"sqlite:///{path}")
    runtime.init()
    return path


def test_simulate_bad_input_is_one_line_and_exit_2(sqlite_env: Path) -> None:
    from rights.cli import main

    runner = CliRunner()
    for args, words in ((["--from", "1 Dec"], "--from must be a date"), (["--from", "2026-12-01", "--days", "0"],
                                                                         "--days must be from 1 to 366")):
        result = runner.invoke(main, ["schedule", "simulate", *args])
        assert result.exit_code == 2
        assert words in result.output and len(result.output.strip().splitlines()) == 1


def test_simulate_runs_on_a_copy_and_list_shows_next_runs(sqlite_env: Path) -> None:
    from sqlalchemy import select

    from rights import runtime
    from rights.cli import main
    from rights.models import RightsRequest, User
    from tests.factories import make_person, make_request

    rt = runtime.current()
    with rt.db.transaction() as session:
        officer = User(email="o@council.example", name="O", role="officer", password_hash="x")
        session.add(officer)
        session.flush()
        person = make_person(email="p@example.org")
        request = make_request(session, requester=person, subject=person)
        request.status, request.assignee_id = "review", officer.id
        reference, due = request.reference, request.due_on
    rt.db.dispose()
    before = hashlib.sha256(sqlite_env.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["schedule", "simulate", "--from", "2026-12-01", "--days", "7", "--json"])
    assert result.exit_code == 0, result.output
    days = json.loads(result.output)
    assert [d["date"] for d in days] == [f"2026-12-0{i}" for i in range(1, 8)]
    weekend = [d for d in days if d["date"] in ("2026-12-05", "2026-12-06")]
    assert all(d["count"] == 0 for d in weekend)
    digests = [m for d in days for m in d["messages"] if m["template"] == "officer_digest"]
    assert len(digests) == 5 and all(m["to"] == "o@council.example" for m in digests)  # five working days
    assert hashlib.sha256(sqlite_env.read_bytes()).hexdigest() == before  # the simulation used a copy
    with rt.db.transaction() as session:
        assert session.scalars(select(RightsRequest.status).where(RightsRequest.reference == reference)).one() \
            == "review"
    listing = CliRunner().invoke(main, ["schedule", "list"])
    assert listing.exit_code == 0 and "officer_digest" in listing.output and "never" in listing.output
    assert due is not None
