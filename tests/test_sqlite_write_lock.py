"""SQLite's write lock across processes (storage/sqlite_write_lock.py): a writer that finds another process's
transaction open waits in the kernel and goes in when it ends, without trying BEGIN again and again; a worker's
writes let a waiting writer of another process go first; no wait is for ever; a forked child takes the lock
as a process of its own. What a wait looks like is read from the kernel's own table of file locks
(/proc/locks), not timed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from storage.db import make_engine, yield_sqlite_writes
from storage.sqlite_write_lock import SqliteWriteLock, WriteLockTimeout
from tests.conftest import wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's /proc/locks")

ROOT = Path(__file__).resolve().parent.parent

HOLD_A_TRANSACTION = """
import sys
from sqlalchemy import text
from storage.db import make_engine
engine = make_engine(sys.argv[1])
with engine.connect() as connection:
    connection.execute(text("INSERT INTO marks (who) VALUES ('holder')"))
    print("holding", flush=True)
    sys.stdin.readline()
    connection.commit()
print("committed", flush=True)
"""


def blocked_on(path: Path) -> int:
    """How many flock requests wait for `path` now (the kernel lists a waiter with '->')."""
    if not path.exists():
        return 0
    inode = str(os.stat(path).st_ino)
    waiting = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and any(f.count(":") == 2 and f.rsplit(":", 1)[1] == inode
                                                        for f in fields):
            waiting += 1
    return waiting


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    engine.dispose()
    yield f"sqlite:///{path}", path


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def begins_counted(engine: Engine) -> list[str]:
    begins: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    return begins


def write_in_thread(engine: Engine, who: str, order: list[str]) -> threading.Thread:
    def write() -> None:
        with engine.begin() as connection:
            order.append(who)
            connection.execute(text("INSERT INTO marks (who) VALUES (:who)"), {"who": who})

    thread = threading.Thread(target=write, name=f"writer-{who}", daemon=True)
    thread.start()
    return thread


def test_a_writer_behind_another_processs_transaction_waits_in_the_kernel_and_begins_once(
        database: tuple[str, Path], engines: list[Engine]) -> None:
    url, path = database
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_TRANSACTION, url], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
        engine = make_engine(url)
        engines.append(engine)
        begins = begins_counted(engine)
        order: list[str] = []
        writer = write_in_thread(engine, "waiter", order)
        lock_file = Path(f"{path}.write-lock")
        # Waiting, and not by trying BEGIN IMMEDIATE after pauses (the old way: a BEGIN every 0.2–2 ms).
        assert wait_for(lambda: blocked_on(lock_file) == 1 or len(begins) > 1, timeout=20)
        assert begins == [] and order == []
        holder.stdin.write("commit\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "committed"
        writer.join(timeout=20)
        assert not writer.is_alive()
        assert begins == ["BEGIN IMMEDIATE"]
        with engine.connect() as connection:
            assert connection.execute(text("SELECT who FROM marks ORDER BY id")).scalars().all() == \
                ["holder", "waiter"]
    finally:
        holder.kill()
        holder.wait()


def test_a_yielding_writer_lets_a_waiting_writer_of_another_process_go_first(
        database: tuple[str, Path], engines: list[Engine]) -> None:
    url, path = database
    holder, web, worker = (make_engine(url) for _ in range(3))  # each opens the lock files itself: as processes
    engines += [holder, web, worker]
    yield_sqlite_writes(worker)
    order: list[str] = []
    with holder.connect() as held:
        held.execute(text("INSERT INTO marks (who) VALUES ('holder')"))
        web_writer = write_in_thread(web, "web", order)
        assert wait_for(lambda: blocked_on(Path(f"{path}.write-lock")) == 1, timeout=20)
        worker_writer = write_in_thread(worker, "worker", order)
        # The worker waits at the gate the web's waiting writer holds shut, not beside it for the lock.
        assert wait_for(lambda: blocked_on(Path(f"{path}.write-gate")) == 1, timeout=20)
        assert blocked_on(Path(f"{path}.write-lock")) == 1
        held.commit()
    for thread in (web_writer, worker_writer):
        thread.join(timeout=20)
        assert not thread.is_alive()
    assert order == ["web", "worker"]


def test_a_wait_for_a_holder_that_does_not_let_go_ends_and_leaves_the_lock_free(tmp_path: Path) -> None:
    path = str(tmp_path / "lock.db")
    stuck, waiting, later = SqliteWriteLock(path), SqliteWriteLock(path), SqliteWriteLock(path)
    stuck.acquire(timeout=5)
    with pytest.raises(WriteLockTimeout):
        waiting.acquire(timeout=0.2)
    # The kernel still had the abandoned request queued: when the holder lets go it is granted and given back.
    stuck.release()
    later.acquire(timeout=20)
    later.release()
    waiting.acquire(timeout=20)
    waiting.release()


def test_the_busy_timeout_of_a_writer_behind_a_stuck_one_is_an_operational_error(
        database: tuple[str, Path], engines: list[Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = database
    monkeypatch.setattr("storage.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    stuck, writer = make_engine(url), make_engine(url)
    engines += [stuck, writer]
    with stuck.connect() as held:
        held.execute(text("INSERT INTO marks (who) VALUES ('stuck')"))
        with pytest.raises(OperationalError, match="database is locked"), writer.begin() as connection:
            connection.execute(text("INSERT INTO marks (who) VALUES ('writer')"))
        held.commit()
    with writer.begin() as connection:
        connection.execute(text("INSERT INTO marks (who) VALUES ('writer')"))
    with writer.connect() as connection:
        assert connection.execute(text("SELECT who FROM marks ORDER BY id")).scalars().all() == ["stuck", "writer"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_one_lock_used_on_both_sides_of_a_fork_still_keeps_them_apart(tmp_path: Path) -> None:
    """A lock whose files were opened before a fork (an app built before gunicorn forks its workers): the
    child opens its own, else parent and child would share one hold of the file lock."""
    lock = SqliteWriteLock(str(tmp_path / "lock.db"))
    lock.acquire(timeout=5)
    lock.release()
    ready_read, ready_write = os.pipe()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            lock.acquire(timeout=5)
            os.write(ready_write, b"1")
            os.read(go_read, 1)
            lock.release()
        finally:
            os._exit(0)
    os.close(ready_write)
    try:
        assert os.read(ready_read, 1) == b"1"  # the child holds it
        with pytest.raises(WriteLockTimeout):
            lock.acquire(timeout=0.2)
    finally:
        os.write(go_write, b"1")
        os.waitpid(pid, 0)
    lock.acquire(timeout=20)
    lock.release()
