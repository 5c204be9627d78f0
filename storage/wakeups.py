"""Telling a worker in another process that the database has new work, so an idle worker need not poll.

PostgreSQL: the webhook's event store sends `NOTIFY itabot_inbox` in the transaction that stores events
(`notify_inbox`), and so does a transaction that queues pushes (storage/outbox.py: a console action, a CLI
command, the scheduler in another process); `DatabaseWakeups` holds one connection that LISTENs and calls
`on_change` for each, and the worker wakes both its event and its delivery loops.
SQLite has no notifications: `DatabaseWakeups` watches the database file and its write-ahead log, which
change with every commit of any process (the worker's own included: a wasted poll, not a missed one).
Either way a worker's loops sleep long when idle and wake at once when events come in; they still poll
now and then, for what becomes due by time alone (a retry's backoff over, a lease run out).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

INBOX_CHANNEL = "itabot_inbox"
# What a notification is about (its payload): new events wake a worker's event loops only, queued pushes
# its delivery loops only; anything else (SQLite's files, a reconnect: None) wakes both.
EVENTS = "events"
OUTBOX = "outbox"
_NOTIFY = text(f"SELECT pg_notify('{INBOX_CHANNEL}', :kind)")


def notify_inbox(connection: Connection, kind: str = EVENTS) -> None:
    """Within the transaction that stored new events (EVENTS) or queued pushes (OUTBOX): wake the workers
    when it commits (PostgreSQL; a notification repeated in one transaction is delivered once)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_NOTIFY, {"kind": kind})


class DatabaseWakeups:
    """A daemon thread that calls `on_change` when another process may have written work for this one."""

    def __init__(self, engine: Engine, on_change: Callable[[str | None], None], sqlite_every: float = 0.05,
                 reconnect_after: float = 2.0) -> None:
        self.engine = engine
        self.on_change = on_change
        self.sqlite_every = sqlite_every
        self.reconnect_after = reconnect_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: Any = None

    def start(self) -> None:
        target = self._listen if self.engine.dialect.name == "postgresql" else self._watch_files
        self._thread = threading.Thread(target=target, name="db-wakeups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    # -- PostgreSQL: LISTEN ------------------------------------------------------------------------------
    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen_once()
            except Exception as exc:  # the database went away: wake the loops (they poll), then reconnect
                log.warning("database wakeups: %s; listening again in %gs", type(exc).__name__,
                            self.reconnect_after)
                self.on_change(None)
                self._stop.wait(self.reconnect_after)

    def _listen_once(self) -> None:
        fairy = self.engine.raw_connection()
        fairy.detach()  # its own connection for as long as it listens, never back to the pool
        connection = fairy.dbapi_connection
        assert connection is not None
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {INBOX_CHANNEL}")
            self.on_change(None)  # anything stored while nobody listened
            while not self._stop.is_set():
                for notification in connection.notifies(timeout=1.0):
                    self.on_change(notification.payload or None)
        finally:
            connection.close()

    # -- SQLite: the files ------------------------------------------------------------------------------
    def _watch_files(self) -> None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return
        paths = (database, database + "-wal")
        seen = _stamps(paths)
        while not self._stop.wait(self.sqlite_every):
            now = _stamps(paths)
            if now != seen:
                seen = now
                self.on_change(None)


def _stamps(paths: tuple[str, ...]) -> tuple[tuple[int, int] | None, ...]:
    stamps: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)
