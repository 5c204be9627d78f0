"""Engine and session factory: one place that knows how to talk to SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.sqlite_write_lock import SqliteWriteLock, WriteLockTimeout

SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL waits for a lock as long as SQLite does (its busy timeout above), then the statement fails and
# the work is tried again as after any database error: a transaction left open somewhere (a stuck process,
# a console session) cannot stall the worker's claims, or anything else, for ever. An open transaction left
# idle that long is ended by the server, so its locks go too.
POSTGRES_SESSION_SETTINGS = {"lock_timeout": f"{SQLITE_BUSY_TIMEOUT_MS}ms",
                             "idle_in_transaction_session_timeout": "10min"}
# A worker's claim (inbox or outbox) runs in well under a second; one that runs longer has met a bad query plan
# (one was seen to run for over 9 minutes): it is ended after this long and tried again, instead of holding its
# connection, and the claim lock every other worker waits for, for as long as it runs. PostgreSQL; set for the
# claim's transaction only (`bounded_claim`; the inbox claim sets it with its lock).
CLAIM_STATEMENT_TIMEOUT = "20s"
_BOUND_CLAIM = text("SELECT set_config('statement_timeout', :timeout, true)")
BEGIN_RETRY_SLEEP = (0.0002, 0.002)  # first and longest pause between tries for the write lock
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, SqliteWriteLock] = weakref.WeakKeyDictionary()


def bounded_claim(connection: Connection) -> None:
    """Within a claim's transaction on PostgreSQL: no statement of it runs past CLAIM_STATEMENT_TIMEOUT."""
    if connection.dialect.name == "postgresql":
        connection.execute(_BOUND_CLAIM, {"timeout": CLAIM_STATEMENT_TIMEOUT})


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


class SerialisedConnection(sqlite3.Connection):
    """A SQLite connection that holds its engine's write lock (storage/sqlite_write_lock.py: this process's
    threads and the other processes on the database take it in turn, without polling) from BEGIN to
    COMMIT/ROLLBACK.

    SQLite lets one writer in at a time. Writers that race for it meet SQLite's busy handler, or a BEGIN
    tried again after pauses: a queue with long, random waits. Here they wait on the lock instead and go in
    turn; only a process that does not take it (another program on the file) meets the pauses.
    """

    write_lock: SqliteWriteLock | None = None
    holds_write_lock = False

    def acquire_write_lock(self) -> None:
        if self.write_lock is None or self.holds_write_lock:
            return
        try:
            self.write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        except WriteLockTimeout:  # as SQLAlchemy raises SQLite's own "database is locked" (the web answers 503)
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked (waited for the write lock)")) from None
        self.holds_write_lock = True

    def release_write_lock(self) -> None:
        if self.holds_write_lock and self.write_lock is not None:
            self.holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_write_lock()


def store_json(value: Any) -> str:
    """A JSON column's value as stored: Thai (every non-ASCII character) as itself, not escaped. Escaped, a Thai
    character takes 6 bytes (\\u0e04) against 3 in UTF-8: a help reply's row passed PostgreSQL's 2 kB TOAST
    threshold and was compressed (pglz) on every insert and read, and the JSON document a batch of replies
    goes in by was parsed at twice the length (storage/bulk.py: 20 replies' INSERT 1.3 → 0.65 ms)."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, *, postgres_settings: dict[str, str] | None = None, **kwargs: Any) -> Engine:
    """Create an engine. SQLite runs in WAL mode and takes the write lock at BEGIN (BEGIN IMMEDIATE), so a
    transaction never fails half-way on a lock; the threads and processes queue for it in turn. PostgreSQL's
    sessions get POSTGRES_SESSION_SETTINGS, with `postgres_settings` over them."""
    kwargs.setdefault("json_serializer", store_json)
    if is_sqlite(url):
        database = make_url(url).database
        on_disk = Path(database).resolve() if database and database != ":memory:" else None
        if on_disk is not None:
            on_disk.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "factory": SerialisedConnection},
            pool_size=20,
            max_overflow=20,
            **kwargs,
        )
        _WRITE_LOCKS[engine] = write_lock = SqliteWriteLock(str(on_disk) if on_disk is not None else None)
        _configure_sqlite(engine, write_lock)
        return _plain_savepoints(engine)
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)
    _configure_postgres(engine, {**POSTGRES_SESSION_SETTINGS, **(postgres_settings or {})})
    return _plain_savepoints(engine)


def _configure_postgres(engine: Engine, settings: dict[str, str]) -> None:
    """Each new connection gets `settings` for its whole session (set outside any transaction, so that no
    rollback can undo them; not as a startup `options`, which connection poolers such as PgBouncer refuse)."""
    assignments = "; ".join(f"SET {name} = '{value}'" for name, value in settings.items())

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute(assignments)
        finally:
            dbapi_connection.autocommit = autocommit


def _plain_savepoints(engine: Engine) -> Engine:
    """SAVEPOINT, RELEASE and ROLLBACK TO as plain SQL. SQLAlchemy compiles a fresh clause for each (no
    cache applies to them), which the worker paid twice per event (each event runs in a savepoint). The
    names are SQLAlchemy's own (`sa_savepoint_N`)."""
    dialect: Any = engine.dialect
    dialect.do_savepoint = lambda connection, name: connection.exec_driver_sql(f"SAVEPOINT {name}")
    dialect.do_release_savepoint = (
        lambda connection, name: connection.exec_driver_sql(f"RELEASE SAVEPOINT {name}"))
    dialect.do_rollback_to_savepoint = (
        lambda connection, name: connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}"))
    return engine


def yield_sqlite_writes(engine: Engine) -> None:
    """This engine's writes on SQLite wait while a writer of another process waits (the worker's, for the
    web's: a webhook's acknowledgement must not wait behind a backlog's transactions; PostgreSQL: nothing)."""
    if engine in _WRITE_LOCKS:
        _WRITE_LOCKS[engine].yield_to_others = True


def _configure_sqlite(engine: Engine, write_lock: SqliteWriteLock) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: SerialisedConnection, _record: Any) -> None:
        dbapi_connection.write_lock = write_lock
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Every transaction starts with BEGIN IMMEDIATE, the one statement that can find the database
        # busy (when another program holds it: our processes wait on the write lock first);
        # _begin_immediate waits for it with short pauses (SQLite's own handler sleeps 1-100 ms).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        dbapi_connection: SerialisedConnection = connection.connection.dbapi_connection
        dbapi_connection.acquire_write_lock()
        try:
            _begin_immediate(connection)
        except BaseException:
            dbapi_connection.release_write_lock()
            raise


def _begin_immediate(connection: Any) -> None:
    """BEGIN IMMEDIATE, waiting while another process holds the write lock (up to the busy timeout)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = BEGIN_RETRY_SLEEP[0]
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 1.5, BEGIN_RETRY_SLEEP[1])


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
