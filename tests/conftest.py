"""Shared fixtures.

Tiers: ``tests/unit`` needs no services; ``tests/integration`` and ``tests/browser`` need real
PostgreSQL and Redis (``DATABASE_URL``/``REDIS_URL``, defaulting to the local servers). Each test session
gets its own freshly migrated PostgreSQL database and its own RQ queue name, so parallel runs never
share state. With ``CI=true`` a missing service FAILS the run; locally it skips with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rights import config
from rights.db import Database

ADMIN_URL = os.environ.get("TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_service(reason: str) -> None:
    """Fail in CI, skip locally: a missing service must never turn CI green."""
    if IN_CI:
        pytest.fail(f"required service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        if f"{os.sep}browser{os.sep}" in path:
            item.add_marker(pytest.mark.browser)


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards (fails in CI if PostgreSQL is missing)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        need_service(f"PostgreSQL at {ADMIN_URL} is not reachable: {exc.__class__.__name__}: {exc}")
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()



def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database for this test session (dropped at the end)."""
    from rights import migrate

    with scratch_database("rights_test") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def app_role_url(pg_url: str) -> Iterator[str]:
    """``pg_url`` as a login role with the app's rights only (``rights db grant-app``): what production runs as.

    The role is the cluster's, so its name is this session's own; it is dropped with its grants at the end.
    """
    from rights.audit import roles

    role, password = f"rights_app_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a password: a fresh cluster asks for one over loopback
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
    roles.grant_app_role(admin, role)
    try:
        yield make_url(pg_url).set(username=role, password=password).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        need_service(f"Redis at {REDIS_URL} is not reachable: {exc}")
    return REDIS_URL


@pytest.fixture(scope="session")
def queue_name() -> str:
    return f"rights-test-{uuid.uuid4().hex[:8]}"


def _truncate_all(db: Database) -> None:
    from rights.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(pg_url: str, redis_url: str, queue_name: str, tmp_path: Path) -> config.Settings:
    """Test settings on the session's PostgreSQL and Redis, with empty tables."""
    return config.load(
        "test",
        database_url=pg_url,
        redis_url=redis_url,
        queue_name=queue_name,
        upload_dir=str(tmp_path / "uploads"),
        audit_checkpoint_file=str(tmp_path / "audit-checkpoints.jsonl"),
        ratelimit_storage_uri="memory://",
        demo=False,
    )


@pytest.fixture(autouse=True)
def _runtimes_give_back_their_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every runtime a test builds gives its pooled database connections back when the test ends.

    Why: ``create_app`` and each CLI command build a runtime of their own, with an engine that keeps up to
    five idle connections until the garbage collector finds the app (Flask apps sit in reference cycles, so
    that can be hundreds of tests later). A test worker running app tests back to back once held enough of
    them to run PostgreSQL out of connections ("too many clients"), failing whatever test came next."""
    from rights import runtime

    built: list[object] = []
    real = runtime.init

    def init(settings: config.Settings | None = None) -> object:
        made = real(settings)
        built.append(made)
        return made

    monkeypatch.setattr(runtime, "init", init)
    yield
    for made in built:
        made.db.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def rt(settings: config.Settings) -> Iterator[object]:
    from rights import runtime

    runtime_ = runtime.init(settings)
    _truncate_all(runtime_.db)
    runtime_.queue.queue.empty()
    yield runtime_
    runtime_.queue.queue.empty()
    runtime_.db.dispose()


@pytest.fixture
def db(rt) -> Database:  # type: ignore[no-untyped-def]
    return rt.db
