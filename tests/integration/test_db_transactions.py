"""``Database.transaction`` and ``Database.statements`` on PostgreSQL: what commits, what rolls back, which
connection a web request's transactions run on (``one_connection``), and that a pooled connection the server
closed is never lent (``check_on_checkout``)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from rights import db as db_module
from rights.db import Database
from rights.drafts import Drafts, new_token


def _drafts(rt) -> Drafts:
    return Drafts(rt.cipher, timedelta(minutes=30))


def test_statements_commit_on_success_and_roll_back_on_error(rt) -> None:
    store, kept, lost = _drafts(rt), new_token(), new_token()
    with rt.db.statements() as connection:
        store.save(connection, kept, {"who": {"role": "self_adult"}})

    def fails_after_writing() -> None:
        with rt.db.statements() as connection:
            store.save(connection, lost, {"who": {"role": "parent"}})
            raise RuntimeError("the page failed after writing")

    with pytest.raises(RuntimeError):
        fails_after_writing()
    with rt.db.transaction() as session:  # seen from an ORM transaction of its own
        assert store.load(session, kept) == {"who": {"role": "self_adult"}}
        assert store.load(session, lost) is None


def test_a_requests_transactions_share_one_connection_and_a_nested_one_gets_its_own(rt) -> None:
    checkouts: list[int] = []
    listener = lambda dbapi_connection, record, proxy: checkouts.append(id(dbapi_connection))  # noqa: E731
    event.listen(rt.db.engine, "checkout", listener)
    store, token = _drafts(rt), new_token()
    try:
        with rt.db.one_connection():
            with rt.db.statements() as connection:
                store.save(connection, token, {"step": 1})
            with rt.db.transaction() as session:
                assert store.load(session, token) == {"step": 1}
            with rt.db.statements() as connection:
                assert store.load(connection, token) == {"step": 1}
                with rt.db.statements() as nested:  # the lent connection is busy: a pooled one of its own
                    assert nested is not connection
                    store.save(nested, token, {"step": 2})
                with rt.db.transaction() as nested_session:
                    assert nested_session.connection() is not connection
        assert len(checkouts) == 3 and checkouts[1] != checkouts[0] != checkouts[2]
    finally:
        event.remove(rt.db.engine, "checkout", listener)
    with rt.db.statements() as connection:  # outside a request: a pooled connection, committed as before
        assert store.load(connection, token) == {"step": 2}


def test_autocommit_statements_stand_alone_and_the_requests_connection_is_given_back_transactional(rt) -> None:
    """No transaction is open on the server while an autocommit block's statements run (no BEGIN, no COMMIT),
    each is committed as it runs, and the request's next transaction on the same connection still rolls
    back as a whole."""
    from psycopg.pq import TransactionStatus

    store, kept, undone = _drafts(rt), new_token(), new_token()

    def nested_autocommit_fails(outer: object) -> None:
        with rt.db.autocommit() as own:  # nested: a pooled connection of its own, also autocommit
            assert own is not outer
            store.save(own, undone, {"step": 1})
            raise RuntimeError("the page failed after writing")

    def transaction_fails() -> None:
        with rt.db.statements() as connection:  # the request's connection, transactional again
            store.save(connection, kept, {"step": 2})
            assert connection.connection.dbapi_connection.info.transaction_status is TransactionStatus.INTRANS
            raise RuntimeError("the page failed after writing")

    with rt.db.one_connection():
        with rt.db.autocommit() as connection:
            store.save(connection, kept, {"step": 1})
            assert connection.connection.dbapi_connection.info.transaction_status is TransactionStatus.IDLE
            with pytest.raises(RuntimeError):  # nothing to roll back: the save is already committed
                nested_autocommit_fails(connection)
        with pytest.raises(RuntimeError):
            transaction_fails()
    with rt.db.statements() as connection:
        assert store.load(connection, kept) == {"step": 1}  # the transaction's write was rolled back
        assert store.load(connection, undone) == {"step": 1}  # autocommit: kept despite the error


def test_the_requests_connection_changes_mode_only_when_the_next_block_needs_the_other(rt, monkeypatch) -> None:
    """Two autocommit blocks in a row switch the connection to autocommit once; a transaction after them
    switches it back; and the pool returns it to the next request transactional."""
    from psycopg.pq import TransactionStatus

    switches: list[str] = []
    dialect = rt.db.engine.dialect
    real = dialect.set_isolation_level
    monkeypatch.setattr(dialect, "set_isolation_level",
                        lambda dbapi, level: switches.append(level) or real(dbapi, level))
    store, token = _drafts(rt), new_token()
    with rt.db.one_connection():
        with rt.db.autocommit() as connection:
            store.save(connection, token, {"step": 1})
        with rt.db.autocommit() as connection:
            assert store.load(connection, token) == {"step": 1}
        assert switches == ["AUTOCOMMIT"]
        with rt.db.statements() as connection:
            store.save(connection, token, {"step": 2})
            assert connection.connection.dbapi_connection.info.transaction_status is TransactionStatus.INTRANS
        assert len(switches) == 2 and switches[1] != "AUTOCOMMIT"
    with rt.db.one_connection(), rt.db.statements() as connection:  # the next request: transactional as lent
        assert not connection.connection.dbapi_connection.autocommit
        assert store.load(connection, token) == {"step": 2}


def test_staff_names_are_read_once_per_transaction_and_again_after_a_change(rt) -> None:
    from rights.models import User
    from rights.staff import staff_names
    from tests.integration.staff_support import make_staff

    officer = make_staff(rt, "officer", name="Olivia Officer")
    reads: list[str] = []
    listener = lambda conn, cursor, statement, *rest: reads.append(statement)  # noqa: E731
    event.listen(rt.db.engine, "before_cursor_execute", listener)
    try:
        with rt.db.transaction() as session:
            first = staff_names(session)
            first[f"user:{officer.id}"] = "changed by a caller"  # a copy: the next reader is unaffected
            assert staff_names(session)[f"user:{officer.id}"] == "Olivia Officer"
            assert sum("FROM users" in s for s in reads) == 1
            session.get(User, officer.id).name = "Olivia Renamed"
            session.flush()
            assert staff_names(session)[f"user:{officer.id}"] == "Olivia Renamed"
        with rt.db.transaction() as session:
            staff_names(session)
        assert sum("SELECT users.id, users.name" in s for s in reads) == 3
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", listener)


# ---------------------------------------------------------------- connections checked before they are lent


def _backend(db) -> int:
    with db.transaction() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg_url: str, pid: int) -> None:
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()
    time.sleep(0.2)  # the server's notice reaches the pooled socket


@pytest.mark.parametrize("idle_limit", [30.0, 0.0], ids=["recently-returned", "idle"])
def test_a_connection_the_server_closed_is_replaced_not_lent(pg_url, monkeypatch, idle_limit) -> None:
    """Recently returned: its socket is readable (the server's goodbye), so no round trip is needed to see
    it is dead. Idle past the limit: pinged, as pool_pre_ping did. Either way the next transaction runs."""
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", idle_limit)
    db = Database(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _backend(db)
        _terminate(pg_url, first)
        second = _backend(db)  # no "server closed the connection unexpectedly"
        assert second != first
    finally:
        db.dispose()


def test_a_live_connection_back_recently_is_lent_without_a_round_trip(pg_url, monkeypatch) -> None:
    db = Database(pg_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    real = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real(conn))
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        pids = {_backend(db) for _ in range(5)}
        assert len(pids) == 1 and pings == []  # one connection, reused, never pinged
        assert statements == ["SELECT pg_backend_pid()"] * 5
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        assert _backend(db) in pids and len(pings) == 1  # idle past the limit: pinged, then lent
    finally:
        db.dispose()
