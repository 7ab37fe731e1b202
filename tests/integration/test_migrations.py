"""Models and Alembic migrations agree, on PostgreSQL and SQLite, and migrations run both ways."""

from __future__ import annotations

from rights import migrate
from tests.conftest import scratch_database


def test_models_match_migrations_on_postgresql(pg_url) -> None:
    assert migrate.current(pg_url) is not None
    assert migrate.differences(pg_url) == []


def test_downgrade_to_base_and_upgrade_again(pg_url) -> None:
    with scratch_database("rights_mig") as url:
        migrate.upgrade(url)
        head = migrate.current(url)
        migrate.downgrade(url, "base")
        assert migrate.current(url) is None
        migrate.upgrade(url)
        assert migrate.current(url) == head
        assert migrate.differences(url) == []


def test_models_match_migrations_on_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    assert migrate.differences(url) == []
