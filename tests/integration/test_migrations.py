"""Models and Alembic migrations agree, on PostgreSQL and SQLite, and migrations run both ways."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rights import migrate
from tests.conftest import ADMIN_URL


def test_models_match_migrations_on_postgresql(pg_url) -> None:
    assert migrate.current(pg_url) is not None
    assert migrate.differences(pg_url) == []


def test_downgrade_to_base_and_upgrade_again(pg_url) -> None:
    name = f"rights_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        head = migrate.current(url)
        migrate.downgrade(url, "base")
        assert migrate.current(url) is None
        migrate.upgrade(url)
        assert migrate.current(url) == head
        assert migrate.differences(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_models_match_migrations_on_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    assert migrate.differences(url) == []
