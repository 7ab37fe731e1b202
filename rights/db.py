"""Database engine and sessions, without Flask.

Services own their transactions (``with db.transaction() as session``); the web layer and the workers
both go through here, so a view and a job that do the same thing do it the same way. Side effects that
must follow a successful commit (enqueueing a job) are registered with :func:`after_commit` and run
only if the commit succeeds; a rollback discards them.
"""

from __future__ import annotations

import logging
import os
import select
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

_AFTER_COMMIT_KEY = "rights_after_commit"
_ON_ROLLBACK_KEY = "rights_on_rollback"


class _Held:
    """The connection a unit of work (one web request) lends to its transactions one after another."""

    __slots__ = ("autocommit", "busy", "connection", "usual")

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.busy = False
        #: Whether the connection is in autocommit, and the isolation level it had before: it stays in
        #: autocommit from one autocommit block to the next, and is set back only for a transaction.
        self.autocommit = False
        self.usual: str | None = None


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        if url.startswith("sqlite"):
            engine_kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        self.engine: Engine = create_engine(url, **engine_kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif not engine_kwargs.get("pool_pre_ping"):
            check_on_checkout(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._held: ContextVar[_Held | None] = ContextVar(f"rights_db_held_{id(self)}", default=None)
        _forget_pool_in_forked_children(self.engine)

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back and re-raise on error, then run after-commit hooks.

        Inside :meth:`one_connection` the transaction runs on that block's connection unless another
        transaction is using it (one opened inside another gets a pooled connection of its own, as always).
        """
        with self._lent() as connection:
            session = self.sessionmaker(bind=connection) if connection is not None else self.sessionmaker()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A transaction for Core statements alone (committed on success, rolled back on error), without an
        ORM session: no after-commit hooks, no mapped objects.

        Why: a portal page reads its draft with one SELECT and an answer writes it with one UPDATE; the ORM
        session wrapped around each (made, begun, committed, closed) cost about a third as much CPU again as
        the transaction itself. Shares :meth:`one_connection`'s connection as :meth:`transaction` does.
        """
        with self._lent() as connection:
            if connection is None:
                with self.engine.begin() as own:
                    yield own
            else:
                with connection.begin():
                    yield connection

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """Core statements each committed as it runs: no BEGIN and COMMIT round trips around them.

        Only for statements that stand alone, where no two must succeed or fail together: a portal page
        reads its draft with one SELECT (moving its expiry with an UPDATE at most once a minute) and an answer
        writes it with one UPDATE (an INSERT for the first). Why: on PostgreSQL each round trip costs the app
        about as much CPU as the statement, and a transaction of one statement is three of them (BEGIN, the
        statement, COMMIT): a portal page took 0.91x the CPU without the other two. Shares
        :meth:`one_connection`'s connection as :meth:`transaction` does (a transaction lent it afterwards
        finds it transactional again).
        On SQLite (the demo) it is :meth:`statements`.
        """
        if self.engine.dialect.name == "sqlite":
            with self.statements() as connection:
                yield connection
            return
        with self._lent(autocommit=True) as connection:
            if connection is None:
                with self.engine.connect() as own:  # the pool resets the isolation level on return
                    yield own.execution_options(isolation_level="AUTOCOMMIT")
                return
            try:
                yield connection
            finally:
                # SQLAlchemy began a Transaction object for the statements; ending it sends nothing (the
                # server has no transaction open) but lets a later lending set the isolation level back.
                if connection.in_transaction():
                    connection.rollback()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """An ORM session for reads that stand alone, on :meth:`autocommit`'s connection: no BEGIN or COMMIT.

        For a check that reads one row set with one statement and writes nothing (the staff session's, on
        every staff page); anything that writes belongs in :meth:`transaction`. Objects read stay usable
        after the block, as a transaction's do (nothing is expired).
        """
        with self.autocommit() as connection:
            session = self.sessionmaker(bind=connection)
            try:
                yield session
            finally:
                session.close()

    @contextmanager
    def _lent(self, *, autocommit: bool = False) -> Iterator[Connection | None]:
        """The connection :meth:`one_connection` lends, if this block has one free; else None (pooled).

        In autocommit for :meth:`autocommit`, transactional for the rest. The mode is changed only when the
        next lending needs the other one: a portal answer's two autocommit blocks (read the draft, write it)
        switch once, and the pool sets the connection back as it is returned. Switching there and back for
        every block made a portal answer switch four times, each switch about 15 µs of CPU with a reset that
        SQLAlchemy records for the connection's return (four more).
        """
        held = self._held.get()
        if held is None or held.busy:
            yield None
            return
        if held.connection is None or held.connection.invalidated or held.connection.closed:
            if held.connection is not None:
                held.connection.close()  # a connection an error broke: the pool replaces it
            held.connection = self.engine.connect()
            held.autocommit = False
        connection = held.connection
        if held.autocommit != autocommit:
            if autocommit:
                held.usual = (connection.get_execution_options().get("isolation_level")
                              or connection.default_isolation_level)
            connection.execution_options(isolation_level="AUTOCOMMIT" if autocommit else held.usual)
            held.autocommit = autocommit
        held.busy = True
        try:
            yield held.connection
        finally:
            held.busy = False

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """Let the transactions run in this block, one after another, share one pooled connection.

        A web request opens two or three transactions (the staff session's check, the page's own, an audit
        entry); each took a connection from the pool, pinged it and gave it back. Each is still its own
        transaction (begun, committed or rolled back as before); only the checkout, the ping and the return
        happen once. The connection is taken at the first transaction and given back at the end.
        """
        held = _Held()
        token = self._held.set(held)
        try:
            yield
        finally:
            self._held.reset(token)
            if held.connection is not None:
                held.connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _forget_pool_in_forked_children(engine: Engine) -> None:
    """Give a forked child (an RQ work horse) a fresh pool instead of the parent's open connections.

    A pooled connection is a socket: if the parent (its scheduler, a tick, another thread) and the forked
    job both talk on it, the server sees interleaved protocol and one side hangs on a lock or reads
    "server closed the connection unexpectedly". ``dispose(close=False)`` drops the child's references
    without sending anything on the sockets, so the parent's connections stay healthy. The engine is held
    weakly so a disposed test database does not live for the rest of the process.
    """
    ref = weakref.ref(engine)

    def after_in_child() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=after_in_child)


#: A pooled connection idle longer than this is pinged (a round trip) before it is lent again.
PING_AFTER_IDLE_SECONDS = 30.0
_RETURNED_AT = "rights_returned_at"


def check_on_checkout(engine: Engine) -> None:
    """Make sure a pooled connection is alive before lending it: SQLAlchemy's ``pool_pre_ping``, made cheap.

    Why: ``pool_pre_ping`` sends a query to the server at every checkout, one round trip per web request (a
    ``SELECT 1`` round trip costs the app about 86 µs of CPU on the bench machine), although under load a
    connection is lent again milliseconds after it came back. Here a connection back within
    ``PING_AFTER_IDLE_SECONDS`` is checked without a round trip: its socket must have nothing to read, since an
    idle connection is sent nothing unless the server is closing it (a restart, ``pg_terminate_backend``, an
    idle timeout send their notice and close). A connection idle for longer is pinged as before. Either way a
    dead one is replaced (``DisconnectionError``: the pool opens another). What neither can see, a peer gone
    without a word, a ping would only have waited on too.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get(_RETURNED_AT, 0.0)
        try:
            if idle > PING_AFTER_IDLE_SECONDS:
                alive = engine.dialect.do_ping(dbapi_connection)
            else:  # poll, not select: no limit on the descriptor's number
                waiting = select.poll()
                waiting.register(dbapi_connection.fileno(), select.POLLIN)
                alive = not waiting.poll(0)  # readable, hung up or in error: the server is done with it
        except Exception as error:  # closed, broken: replace it
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("the server is closing this connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once this session's current transaction commits; never if it rolls back."""
    pending: list[Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT_KEY, [])
    pending.append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy 2.1 also fires after_commit when a SAVEPOINT (begin_nested) is released: only the outermost
    # commit may run the callbacks, or a job would be enqueued before its row is committed (and on SQLite
    # the callback's own write would wait on the still-open transaction's lock).
    if session.in_nested_transaction():
        return
    session.info.pop(_ON_ROLLBACK_KEY, None)
    callbacks = session.info.pop(_AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if this session's current transaction rolls back instead of committing.

    For side effects made before the commit that only the commit justifies (an encrypted file written for a
    row that is not stored after all: a cut connection, a lost race on a unique index).
    """
    pending: list[Callable[[], None]] = session.info.setdefault(_ON_ROLLBACK_KEY, [])
    pending.append(callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_AFTER_COMMIT_KEY, None)
        for callback in session.info.pop(_ON_ROLLBACK_KEY, []):
            try:
                callback()
            except Exception:  # a cleanup that fails must not hide the error that caused the rollback
                logging.getLogger(__name__).exception("a rollback clean-up failed")
