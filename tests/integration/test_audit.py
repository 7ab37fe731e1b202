"""The audit trail is hash-chained, append-only in the database, and verification finds tampering."""

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
