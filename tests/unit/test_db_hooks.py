"""After-commit and on-rollback hooks: each runs for its own outcome of the outermost transaction only."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from rights.db import Database, after_commit, on_rollback


def test_rollback_hooks_run_on_rollback_only(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'hooks.db'}")
    ran: list[str] = []
    with db.transaction() as session:
        session.execute(text("SELECT 1"))
        on_rollback(session, lambda: ran.append("cleaned"))
        after_commit(session, lambda: ran.append("committed"))
    assert ran == ["committed"]

    def cut_mid_way() -> None:
        with db.transaction() as session:
            session.execute(text("SELECT 1"))
            on_rollback(session, lambda: ran.append("cleaned"))
            after_commit(session, lambda: ran.append("never"))
            with session.begin_nested():  # a savepoint released on the way is not the outcome
                session.execute(text("SELECT 1"))
            raise RuntimeError("the connection was cut")

    with pytest.raises(RuntimeError, match="cut"):
        cut_mid_way()
    assert ran == ["committed", "cleaned"]
    db.dispose()
