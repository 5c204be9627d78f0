"""Exactly one scheduler fires jobs however many workers run: the one holding the leader lock.

PostgreSQL: a session advisory lock on a connection the leader keeps open. If the leader dies, its
connection closes, PostgreSQL releases the lock and another worker takes it at its next try. SQLite (one
host by nature): an exclusive `flock` on a file beside the database, released by the kernel when the
process ends. Either way the lock outlives no process, so a take-over needs no timeout.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from storage.db import is_sqlite

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x17AB07  # "itabot scheduler"; the inbox claims use a different key


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLeaderLock:
    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self.connection is not None:
            return self.still_held()
        connection = self.engine.connect()
        try:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self.connection = connection
        return True

    def still_held(self) -> bool:
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid = :k"), {"k": self.key}).scalar()
            self.connection.commit()
            if held:
                return True
        except Exception:
            log.warning("scheduler leader: lost the lock connection")
        self._drop()
        return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self.connection.commit()
            except Exception:
                pass
        self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except Exception:
                pass
        self.connection = None


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leader_lock_for(engine: Engine, instance_dir: Path) -> LeaderLock:
    url = make_url(str(engine.url))
    if not is_sqlite(str(engine.url)):
        return PostgresLeaderLock(engine)
    database = url.database
    if database and database != ":memory:":
        return FileLeaderLock(Path(database + ".scheduler-lock"))
    instance_dir.mkdir(parents=True, exist_ok=True)
    return FileLeaderLock(instance_dir / "scheduler.lock")
