"""The audit trail is append-only in the database and to the app's role, chained by keyed MACs over every field, checked
against signed checkpoints; verification finds tampering, with or without the key."""

from __future__ import annotations

from itertools import pairwise

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rights import audit
from rights.cli import main
from rights.models import AuditEvent


def _write(db, n: int) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        for i in range(n):
            audit.record(session, "user:1", "case.viewed", target=f"SAR-2026-{i:05d}", detail={"i": i})


def test_chain_links_and_verifies(db) -> None:
    _write(db, 5)
    with db.transaction() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.id).all()
        assert events[0].prev_hash == audit.GENESIS
        for before, after in pairwise(events):
            assert after.prev_hash == before.hash
        assert audit.verify(session).ok
        assert audit.verify(session).checked == 5


def test_one_entry_goes_in_with_the_heads_move_in_one_statement(db) -> None:
    """After the head's lock, a transaction's one entry is inserted and the head moved in one statement (two
    for the seal, not three); several entries still go in together. Every field is stored as it was signed:
    the chain verifies and the entry reads back as recorded."""
    from sqlalchemy import event

    _write(db, 1)  # the head row exists from here on
    seen: list[str] = []

    def statement(_conn, _cursor, sql: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "audit_" in sql:
            seen.append(" ".join(sql.split())[:60])

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        with db.transaction() as session:
            audit.record(session, "user:7", "case.viewed", request_id=42, target="SAR-2026-00007",
                         detail={"shown": ["SAR-2026-00007"]}, ip="203.0.113.9")
        one = list(seen)
        seen.clear()
        _write(db, 3)
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    assert len(one) == 2 and one[0].startswith("SELECT") and one[1].startswith("WITH appended AS (INSERT")
    assert len(seen) == 3 and seen[1].startswith("INSERT INTO audit_events")
    with db.transaction() as session:
        assert audit.verify(session).ok and audit.verify(session).checked == 5
        entry = session.get(AuditEvent, 2)
        assert (entry.actor, entry.action, entry.request_id, entry.target, entry.detail, entry.ip) == (
            "user:7", "case.viewed", 42, "SAR-2026-00007", {"shown": ["SAR-2026-00007"]}, "203.0.113.9")
        head = session.execute(text("SELECT last_id, last_hash FROM audit_head")).one()
        assert head.last_id == 5 and head.last_hash == session.get(AuditEvent, 5).hash


def test_update_and_delete_are_refused_by_the_database(db) -> None:
    _write(db, 1)
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_verify_names_the_first_tampered_entry(db, settings, monkeypatch) -> None:
    _write(db, 4)
    with db.engine.begin() as conn:  # a superuser bypasses the trigger: exactly what verify must catch
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        third = conn.execute(text("SELECT id FROM audit_events ORDER BY id OFFSET 2 LIMIT 1")).scalar()
        conn.execute(text("UPDATE audit_events SET actor = 'user:99' WHERE id = :id"), {"id": third})
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))
    with db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.first_broken_id == third
    assert result.checked == 2

    monkeypatch.setenv("RIGHTS_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = CliRunner().invoke(main, ["audit", "verify"])
    assert out.exit_code == 1
    assert f"entry {third}" in out.output


def test_deleting_the_newest_entry_is_detected(db) -> None:
    _write(db, 3)
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        conn.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))
    with db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok and result.reason and "deleted" in result.reason


# ---------------------------------------------------------------- the keyed chain (issue: tamper-evident audit)
def _superuser_rewrite(db, statements: list[tuple[str, dict]]) -> None:  # type: ignore[no-untyped-def]
    """What the tables' owner (or a superuser) can do: switch the trigger off, change rows, switch it on."""
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        for sql, params in statements:
            conn.execute(text(sql), params)
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"))


def test_every_field_is_signed_an_edited_ip_breaks_the_chain(db) -> None:
    with db.transaction() as session:
        for i in range(3):
            audit.record(session, "user:1", "case.viewed", target=f"SAR-2026-{i:05d}", ip="10.0.0.1")
    with db.transaction() as session:
        ids = [e.id for e in session.query(AuditEvent).order_by(AuditEvent.id)]
        assert ids == [1, 2, 3]  # numbered under the head lock: no gaps
        assert all(e.key_id for e in session.query(AuditEvent))
    _superuser_rewrite(db, [("UPDATE audit_events SET ip = '192.0.2.9' WHERE id = 2", {})])
    with db.transaction() as session:
        result = audit.verify(session)
    assert (result.ok, result.first_broken_id, result.checked) == (False, 2, 1)
    assert "signature" in (result.reason or "")


def test_deleting_entries_and_recomputing_the_chain_without_the_key_is_caught(db) -> None:
    """The review's attack: delete the two entries of an admin's reset, recompute every later link."""
    import hashlib

    with db.transaction() as session:
        for action in ("case.viewed", "user.password_reset", "user.mfa_reset", "case.viewed", "case.viewed"):
            audit.record(session, "user:1", action)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
    # Recompute entries 4 and 5 onto entry 1 as a plain hash chain would allow (no key in the database).
    prev = rows[0].hash
    fixes: list[tuple[str, dict]] = [("DELETE FROM audit_events WHERE id IN (2, 3)", {})]
    for row in rows[3:]:
        new = hashlib.sha256(f"{prev}{row.id}".encode()).hexdigest()
        fixes.append(("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i",
                      {"p": prev, "h": new, "i": row.id}))
        prev = new
    fixes.append(("UPDATE audit_head SET last_hash = :h", {"h": prev}))
    _superuser_rewrite(db, fixes)
    with db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok and result.first_broken_id == 4 and result.checked == 1
    assert "missing" in (result.reason or "")


def test_a_rewrite_with_the_key_still_disagrees_with_a_published_checkpoint(db, settings, monkeypatch,
                                                                           tmp_path) -> None:
    """Someone holding the database and the audit key can rebuild a shorter chain; a checkpoint kept
    elsewhere still shows it."""
    from rights.audit import checkpoints
    from rights.models import utcnow

    _write(db, 4)
    path = tmp_path / "checkpoints.jsonl"
    with db.transaction() as session:
        published = checkpoints.publish(session, path, utcnow())
    assert published["last_id"] == 4
    # Cut the trail back to two entries and move the head: the remaining chain is internally perfect.
    with db.engine.connect() as conn:
        second = conn.execute(text("SELECT hash FROM audit_events WHERE id = 2")).scalar()
    _superuser_rewrite(db, [("DELETE FROM audit_events WHERE id > 2", {}),
                            ("UPDATE audit_head SET last_id = 2, last_hash = :h", {"h": second})])
    with db.transaction() as session:
        assert audit.verify(session).ok  # without the checkpoint the rewrite passes
        result = audit.verify(session, expect=checkpoints.read_file(path).hashes)
    assert not result.ok and result.first_broken_id == 4 and "deleted" in (result.reason or "")

    monkeypatch.setenv("RIGHTS_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = CliRunner().invoke(main, ["audit", "verify", "--checkpoints", str(path)])
    assert out.exit_code == 1 and "BROKEN at entry 4" in out.output


def test_checkpoints_are_signed_and_the_cli_publishes_and_checks_them(db, settings, monkeypatch, tmp_path) -> None:
    import json

    from rights.audit import checkpoints

    _write(db, 3)
    path = tmp_path / "cp.jsonl"
    monkeypatch.setenv("RIGHTS_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RIGHTS_AUDIT_CHECKPOINT_FILE", str(path))
    out = CliRunner().invoke(main, ["audit", "checkpoint"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["last_id"] == 3
    _write(db, 2)  # the trail grows after a checkpoint: still fine
    out = CliRunner().invoke(main, ["audit", "verify"])
    assert out.exit_code == 0 and "5 entries" in out.output and "1 checkpoint(s) matched" in out.output

    forged = json.loads(path.read_text().splitlines()[0])
    forged["last_id"] = 2
    path.write_text(json.dumps(forged) + "\n")
    with pytest.raises(checkpoints.CheckpointError, match="line 1 does not match its signature"):
        checkpoints.read_file(path)
    out = CliRunner().invoke(main, ["audit", "verify"])
    assert out.exit_code == 1
    assert out.output.strip().splitlines() == [f"Error: {path} line 1 does not match its signature (edited or forged)"]


def test_the_chain_lock_is_taken_only_at_commit(db) -> None:
    """A transaction that records an entry early does not hold the chain's lock while it goes on working;
    a rolled-back one leaves no entry."""
    with db.transaction() as session:
        audit.record(session, "user:1", "case.viewed")
    with db.session() as working, db.engine.connect() as other:
        audit.record(working, "user:1", "case.viewed", target="SAR-2026-00001")
        working.execute(text("SELECT 1"))  # the transaction is open and has done work
        other.execute(text("SET lock_timeout = '2s'"))
        other.execute(text("SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT"))  # not locked
        other.rollback()
        working.commit()
    with db.session() as rolled_back:
        audit.record(rolled_back, "user:1", "case.viewed", target="never")
        rolled_back.rollback()
        rolled_back.commit()
    with db.transaction() as session:
        targets = [e.target for e in session.query(AuditEvent).order_by(AuditEvent.id)]
        assert targets == [None, "SAR-2026-00001"]
        assert audit.verify(session).ok


def test_entries_recorded_inside_a_savepoint_wait_for_the_outer_commit(db) -> None:
    with db.session() as session:
        with session.begin_nested():
            audit.record(session, "user:1", "inner")
        with db.engine.connect() as other:
            other.execute(text("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT"))
            other.rollback()
        audit.record(session, "user:1", "outer")
        session.commit()
    with db.transaction() as session:
        assert [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)] == ["inner", "outer"]


def test_entries_from_before_the_keyed_chain_still_verify(db) -> None:
    """A trail begun under the unkeyed rule continues as one chain."""
    from rights.audit import chain
    from rights.models import utcnow

    at = utcnow()
    prev = audit.GENESIS
    rows = []
    for i in range(1, 3):
        h = chain.legacy_digest(prev, at, "system", "old", None, None, {})
        rows.append({"i": i, "at": at, "p": prev, "h": h})
        prev = h
    with db.engine.begin() as conn:
        for row in rows:
            conn.execute(text("INSERT INTO audit_events (id, at, actor, action, detail, prev_hash, hash) "
                              "VALUES (:i, :at, 'system', 'old', '{}', :p, :h)"), row)
        conn.execute(text("INSERT INTO audit_head (id, last_hash, last_id) VALUES (1, :h, 2)"), {"h": prev})
    _write(db, 2)
    with db.transaction() as session:
        result = audit.verify(session)
    assert result.ok and result.checked == 4 and result.unkeyed == 2


def test_an_entry_signed_with_a_key_no_longer_configured_is_named(db) -> None:
    from rights.security import generate_key

    _write(db, 1)
    audit.set_keys([generate_key()])  # the old audit key dropped from RIGHTS_AUDIT_KEYS
    try:
        with db.transaction() as session:
            result = audit.verify(session)
        assert not result.ok and "no longer holds" in (result.reason or "")
    finally:
        audit.set_keys(db_settings_keys())


def db_settings_keys() -> list[str]:
    from rights import runtime

    return runtime.current().settings.audit_keys


# ---------------------------------------------------------------- the app's database role
def test_the_app_role_may_only_insert_and_read_audit_entries(db, app_role_url) -> None:
    from sqlalchemy import create_engine

    from rights.audit import roles
    from rights.db import Database

    _write(db, 2)
    app_db = Database(app_role_url)
    try:
        with app_db.transaction() as session:  # the app's own work goes on: append and read
            audit.record(session, "user:1", "case.viewed")
        with app_db.transaction() as session:
            assert audit.verify(session).ok and audit.verify(session).checked == 3
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                          "DROP TRIGGER audit_events_no_change ON audit_events"):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), app_db.engine.begin() as conn:
                conn.execute(text(statement))
        with app_db.engine.connect() as conn:
            assert roles.problems(conn) == []
        with db.engine.connect() as conn:  # the tests' own connection is a superuser
            assert roles.problems(conn) and "superuser" in roles.problems(conn)[0]
    finally:
        app_db.dispose()
    admin = create_engine(app_role_url)
    try:
        with pytest.raises(roles.RoleError, match="no role"):
            roles.grant_app_role(db.engine, "no_such_role_here")
        with pytest.raises(roles.RoleError, match="plain role name"):
            roles.grant_app_role(db.engine, 'x"; DROP TABLE users; --')
    finally:
        admin.dispose()


def test_production_refuses_to_start_as_a_role_that_can_rewrite_the_trail(rt, settings, app_role_url) -> None:
    from rights import config
    from rights.security import generate_key
    from rights.web import create_app

    def production(url: str) -> config.Settings:
        return config.load("production", database_url=url, redis_url=settings.redis_url,
                           queue_name=settings.queue_name, upload_dir=settings.upload_dir, secret_key="s" * 48,
                           encryption_keys=[generate_key()], audit_keys=[generate_key()],
                           ratelimit_storage_uri="memory://")

    with pytest.raises(config.ConfigError, match=r"superuser.*rights db grant-app ROLE"):
        create_app(production(settings.database_url), start_worker=False)
    app = create_app(production(app_role_url), start_worker=False)
    assert app.test_client().get("/", base_url="https://localhost").status_code == 200


def test_the_schedule_publishes_a_checkpoint_every_hour(rt, settings) -> None:
    import json
    from datetime import UTC, date, datetime
    from pathlib import Path

    from rights.audit import checkpoints
    from rights.schedule.table import RunContext, entry

    row = entry("audit_checkpoint")
    assert row.every is not None and row.every.total_seconds() == 3600
    _write(rt.db, 2)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    result = row.run(rt.db, rt.queue, RunContext(today=date(2026, 12, 1), now=now, settings=settings))
    assert result == {"published": True, "last_id": 2}
    lines = Path(settings.audit_checkpoint_file).read_text().splitlines()
    assert json.loads(lines[-1])["at"] == "2026-12-01T09:00:00+00:00"
    assert checkpoints.read(lines).hashes == {2: json.loads(lines[-1])["last_hash"]}
